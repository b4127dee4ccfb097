//! Text that stackc puts in a `#` comment of a generated file (YAML, shell, nginx, Dockerfile): the
//! one function for that context. A newline would end the comment and make the rest of the text a
//! line of the file (a spec named `x\ntouch PWNED\n#.toml` ran a command from `init-secrets.sh`), so
//! every control character is shown escaped instead.

#[must_use]
pub fn comment(text: &str) -> String {
    text.chars()
        .flat_map(|c| {
            // YAML 1.1 also breaks lines at U+2028 and U+2029.
            if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') {
                c.escape_default().collect::<Vec<_>>()
            } else {
                vec![c]
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_line_breaks_survive() {
        let text = comment("s\ntouch PWNED\r\u{2028}#\u{1b}[31m.toml");
        assert!(!text.contains(['\n', '\r', '\u{1b}', '\u{2028}']), "{text}");
        assert!(text.starts_with("s\\ntouch PWNED"));
        assert_eq!(comment("a\nUSER root"), r"a\nUSER root");
    }
}
