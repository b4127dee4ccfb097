//! The one way a literal (a route prefix) enters a regular expression, in every target: nginx
//! `location ~` and `rewrite`, ingress-nginx `use-regex` paths, and ALB URL-rewrite transforms.

/// `literal` as a regex matching exactly it: every character but letters, digits and `/ - _ ~` gets
/// a backslash (PCRE, RE2 and ALB's dialect all read `\` before punctuation as the character itself).
/// Letters and digits are never escaped: `\d`, `\n`, `\t` would mean something else.
#[must_use]
pub fn escape(literal: &str) -> String {
    let mut out = String::with_capacity(literal.len() * 2);
    for c in literal.chars() {
        if !(c.is_ascii_alphanumeric() || matches!(c, '/' | '-' | '_' | '~')) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn metacharacters_are_escaped_and_nothing_else() {
        assert_eq!(escape("/api"), "/api");
        assert_eq!(escape("/v1.2"), "/v1\\.2");
        assert_eq!(escape("/c++"), "/c\\+\\+");
        assert_eq!(escape("/(a|b)"), "/\\(a\\|b\\)");
        assert_eq!(escape("/$x^"), "/\\$x\\^");
        assert_eq!(escape("/[a]{2}*?\\"), "/\\[a\\]\\{2\\}\\*\\?\\\\");
        assert_eq!(escape("/~u-v_w"), "/~u-v_w");
    }

    #[test]
    fn unescaping_gives_the_literal_back() {
        for literal in ["/c++", "/(a|b)", "/a.b$", "/@s:v'&", "/x\\y"] {
            let escaped = escape(literal);
            let mut back = String::new();
            let mut chars = escaped.chars();
            while let Some(c) = chars.next() {
                if c == '\\' {
                    let next = chars.next().expect("a backslash escapes a character");
                    assert!(!next.is_ascii_alphanumeric(), "{escaped}");
                    back.push(next);
                } else {
                    assert!(c.is_ascii_alphanumeric() || "/-_~".contains(c), "{escaped}");
                    back.push(c);
                }
            }
            assert_eq!(back, literal);
        }
    }
}
