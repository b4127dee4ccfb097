//! How one string is written in block YAML: exactly as `yaml_serde` (libyaml's emitter) writes it, then
//! single-quoted where a YAML 1.1 reader would not read the plain form back as the same string.
//!
//! Most strings of an artifact (names, images, paths, URLs) are plain in any YAML: they are written
//! directly. Anything else is handed to `yaml_serde` on its own and its answer placed at the right
//! indentation, so the rules of libyaml are never re-implemented here, only its common case.

use std::fmt::Write as _;

use super::is_ambiguous_in_yaml11;

/// Writes `s` as a scalar whose block content (a `|` literal) is indented to `indent`.
/// `key`: a mapping key, which cannot be a block scalar.
pub fn push(out: &mut String, s: &str, indent: usize, key: bool) {
    if is_plain(s) {
        push_plain(out, s);
        return;
    }
    let text = yaml_serde::to_string(s).expect("a string serializes to YAML");
    let text = text.strip_suffix('\n').unwrap_or(&text);
    if let Some((header, content)) = text.split_once('\n') {
        if key || !header.starts_with(['|', '>']) {
            // A break libyaml would write as a line of its own in a quoted key: escaped instead.
            push_double_quoted(out, s);
            return;
        }
        // A literal block: libyaml indents its content two columns past the enclosing block.
        out.push_str(header);
        for line in content.split('\n') {
            out.push('\n');
            if let Some(body) = line.strip_prefix("  ") {
                push_spaces(out, indent);
                out.push_str(body);
            } else {
                out.push_str(line);
            }
        }
        return;
    }
    if text.contains(['\r', '\u{85}', '\u{2028}', '\u{2029}']) {
        // A break of another kind, which libyaml keeps in a quoted scalar and indents after:
        // escaped instead, on one line wherever it is.
        push_double_quoted(out, s);
    } else if text.starts_with(['\'', '"']) {
        out.push_str(text);
    } else {
        push_plain(out, text);
    }
}

fn push_plain(out: &mut String, s: &str) {
    if is_ambiguous_in_yaml11(s) {
        out.push('\'');
        out.push_str(&s.replace('\'', "''"));
        out.push('\'');
    } else {
        out.push_str(s);
    }
}

pub fn push_spaces(out: &mut String, n: usize) {
    const SPACES: &str = "                                                                ";
    let mut n = n;
    while n > 0 {
        let take = n.min(SPACES.len());
        out.push_str(&SPACES[..take]);
        n -= take;
    }
}

/// Whether libyaml writes `s` plain in block context and `yaml_serde` does not quote it (it would be
/// read as a boolean, null or number): a conservative test, a string it refuses takes the slow path.
fn is_plain(s: &str) -> bool {
    let bytes = s.as_bytes();
    let Some(&first) = bytes.first() else {
        return false;
    };
    // A first character that is no indicator, sign, `.inf` or space, and a scalar that is none of
    // null, true or false in any case yaml_serde reads.
    if first.is_ascii_digit() {
        // `128Mi`, `100m`, `3s`: a letter no number of yaml_serde's has (`e`, `x`, `o`, `b` make
        // floats, hex, octal, binary) and neither `:` nor `_` (YAML 1.1's base 60 and separators).
        let wordy = bytes.iter().any(|b| {
            b.is_ascii_alphabetic() && !matches!(b.to_ascii_lowercase(), b'e' | b'x' | b'o' | b'b')
        });
        if !wordy || bytes.iter().any(|b| matches!(b, b':' | b'_')) {
            return false;
        }
    } else if !(first.is_ascii_alphabetic() || matches!(first, b'/' | b'_' | b'$' | b'(')) {
        return false;
    }
    if matches!(
        s,
        "null" | "Null" | "NULL" | "true" | "True" | "TRUE" | "false" | "False" | "FALSE"
    ) {
        return false;
    }
    // After the first character libyaml's block context only minds `: `, ` #` and what is not
    // printable ASCII (a tab, a break: quoted); a space may not end the scalar.
    let last = bytes.len() - 1;
    bytes.iter().enumerate().all(|(i, &b)| match b {
        b':' => i < last && bytes[i + 1] != b' ',
        b'#' => bytes[i - 1] != b' ',
        b' ' => i < last,
        0x21..=0x7e => true,
        _ => false,
    })
}

/// A double-quoted scalar with every break and control character escaped: one line, read back the
/// same by YAML 1.1 and 1.2.
fn push_double_quoted(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}') => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(s: &str) -> String {
        let mut out = String::new();
        push(&mut out, s, 2, false);
        out
    }

    #[test]
    fn the_fast_path_agrees_with_libyaml() {
        for s in [
            "nginx:1.27",
            "http://api:8080/x",
            "a b c",
            "/etc/nginx/nginx.conf",
            "x=y+z",
            "user@host",
            "(a)",
            "a:b",
            "128Mi",
            "100m",
            "3s",
            "postgres://app:$(PASSWORD)@db:5432/db",
            "until nc db 5432 </dev/null; do echo waiting; sleep 2; done",
            "a  b",
            "a#b",
            "x [y] {z}, ?!&*|>'\"%@`",
        ] {
            assert!(is_plain(s), "{s}");
            let reference = yaml_serde::to_string(s).unwrap();
            assert_eq!(format!("{}\n", one(s)), reference, "{s}");
        }
    }

    #[test]
    fn the_slow_path_covers_what_the_fast_path_refuses() {
        for (s, want) in [
            ("", "''"),
            ("8080", "'8080'"),
            ("true", "'true'"),
            ("yes", "'yes'"),
            ("22:22", "'22:22'"),
            ("a: b", "'a: b'"),
            ("a #b", "'a #b'"),
            ("trail ", "'trail '"),
            ("a:", "'a:'"),
            ("a\tb", "\"a\\tb\""),
            ("- x", "'- x'"),
            (" lead", "' lead'"),
            ("a\nb", "|-\n  a\n  b"),
        ] {
            assert_eq!(one(s), want, "{s}");
        }
    }

    #[test]
    fn keys_never_become_blocks() {
        let mut out = String::new();
        push(&mut out, "a\nb\u{2028}", 0, true);
        assert_eq!(out, "\"a\\nb\\u2028\"");
    }
}
