//! The Dockerfile's output contexts, one function each. Every value the templates insert comes from
//! here (or is a number, a checked name or a checked path): the model has already refused what no
//! quoting can carry (newlines and other control characters, see `model::resolve::workload`).
//!
//! - exec form (`CMD`, `HEALTHCHECK CMD`): a JSON array, which Docker neither splits nor substitutes;
//! - a word of a `RUN` line (shell form): POSIX single quotes, so the shell sees exactly one word;
//! - the same word where a glob must still match (`cp target/*.jar`): quoted except `*` and `?`;
//! - comments: one line, whatever the text.

/// A JSON array, as Dockerfile exec form wants it.
#[must_use]
pub fn exec_form(args: &[String]) -> String {
    let items: Vec<String> = args
        .iter()
        .map(|a| serde_json::to_string(a).expect("strings serialize"))
        .collect();
    format!("[{}]", items.join(", "))
}

pub use crate::targets::shell::{glob as shell_glob, word as shell_word};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::targets::shell::is_plain;
    use proptest::prelude::*;

    #[test]
    fn plain_words_stay_readable() {
        assert_eq!(shell_word("./cmd/api"), "./cmd/api");
        assert_eq!(shell_word("my-bin_2"), "my-bin_2");
    }

    #[test]
    fn shell_syntax_is_quoted() {
        assert_eq!(shell_word("; touch /pwned"), "'; touch /pwned'");
        assert_eq!(shell_word("$(id)"), "'$(id)'");
        assert_eq!(shell_word("it's"), r"'it'\''s'");
        assert_eq!(shell_word(""), "''");
        assert_eq!(shell_word(r"a\"), r"'a\'");
    }

    #[test]
    fn globs_keep_their_wildcards() {
        assert_eq!(shell_glob("target/*.jar"), "target/*.jar");
        assert_eq!(shell_glob("my dir/*.jar"), "'my dir/'*.jar");
        assert_eq!(shell_glob("x;y/*"), "'x;y/'*");
        assert_eq!(shell_glob(""), "''");
    }

    #[test]
    fn exec_form_is_json() {
        let args = vec!["a\nb".to_owned(), "\"$HOME\"".to_owned()];
        assert_eq!(exec_form(&args), r#"["a\nb", "\"$HOME\""]"#);
        let back: Vec<String> = serde_json::from_str(&exec_form(&args)).unwrap();
        assert_eq!(back, args);
    }

    /// What `sh` would make of a word, for the subset `shell_word` produces: bare plain characters and
    /// single-quoted runs joined by `\'`.
    fn unquote(word: &str) -> String {
        let mut out = String::new();
        let mut chars = word.chars();
        while let Some(c) = chars.next() {
            match c {
                '\'' => out.extend(chars.by_ref().take_while(|&c| c != '\'')),
                '\\' => out.extend(chars.next()),
                c => {
                    assert!(is_plain(c), "unquoted {c:?} in {word}");
                    out.push(c);
                }
            }
        }
        out
    }

    proptest! {
        #[test]
        fn shell_words_round_trip(word in "\\PC*") {
            prop_assert_eq!(unquote(&shell_word(&word)), word);
        }

        #[test]
        fn exec_form_round_trips(args in prop::collection::vec("\\PC*", 0..4)) {
            let back: Vec<String> = serde_json::from_str(&exec_form(&args)).unwrap();
            prop_assert_eq!(back, args);
        }
    }

    #[test]
    fn real_shell_reads_one_word() {
        // The ground truth, where a shell exists: `printf %s <word>` prints the word unchanged.
        let Ok(sh) = which_sh() else { return };
        for word in [
            "; touch /pwned",
            "$(id)",
            "a'b\"c",
            "`x`",
            "*",
            "a b\tc",
            r"\",
            "#x",
            "~",
        ] {
            let out = std::process::Command::new(&sh)
                .arg("-c")
                .arg(format!("printf %s {}", shell_word(word)))
                .output()
                .unwrap();
            assert_eq!(String::from_utf8_lossy(&out.stdout), word);
        }
    }

    fn which_sh() -> Result<std::path::PathBuf, ()> {
        let sh = std::path::PathBuf::from("/bin/sh");
        if sh.exists() { Ok(sh) } else { Err(()) }
    }
}
