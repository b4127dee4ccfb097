//! Words of a POSIX shell script that stackc generates (a Dockerfile's `RUN` lines,
//! `init-secrets.sh`): the one quoting function for that context, so the shell sees exactly one word
//! whatever the spec's text holds.

/// One shell word: left bare when it holds nothing the shell (or Dockerfile) treats specially,
/// single-quoted otherwise (a `'` inside is written `'\''`).
#[must_use]
pub fn word(word: &str) -> String {
    if !word.is_empty() && word.chars().all(is_plain) {
        return word.to_owned();
    }
    format!("'{}'", word.replace('\'', r"'\''"))
}

/// One shell word whose `*` and `?` stay wildcards; everything else is quoted as by [`word`].
#[must_use]
pub fn glob(pattern: &str) -> String {
    let mut out = String::new();
    let mut literal = String::new();
    for c in pattern.chars() {
        if matches!(c, '*' | '?') {
            if !literal.is_empty() {
                out.push_str(&word(&std::mem::take(&mut literal)));
            }
            out.push(c);
        } else {
            literal.push(c);
        }
    }
    if !literal.is_empty() || out.is_empty() {
        out.push_str(&word(&literal));
    }
    out
}

/// Characters a shell word may hold unquoted: no expansion, globbing, splitting, redirection or
/// comment starts, and no backslash (a Dockerfile line continuation).
pub(crate) fn is_plain(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || matches!(c, '_' | '-' | '.' | '/' | ':' | '=' | '@' | '%' | '+' | ',')
}
