//! YAML output for every YAML target. Serialization is that of `yaml_serde`; on top, plain scalars that a
//! YAML 1.1 reader would not read back as strings are quoted. docker-compose 1.29 (`PyYAML`) and
//! Kubernetes' go-yaml read YAML 1.1, where `no` is false and `22:22` is the number 1342.

use serde::Serialize;

/// Serializes a value to YAML that YAML 1.1 and 1.2 readers both read back identically.
#[must_use]
pub fn to_string<T: Serialize>(value: &T) -> String {
    let text = yaml_serde::to_string(value).expect("artifact structs serialize to YAML");
    quote_yaml11(&text)
}

fn quote_yaml11(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 64);
    // Inside a block scalar (`|` / `>`), lines indented deeper than its key are content, not YAML.
    let mut block_indent: Option<usize> = None;
    for line in text.lines() {
        let indent = line.len() - line.trim_start().len();
        if let Some(parent) = block_indent {
            if line.trim().is_empty() || indent > parent {
                out.push_str(line);
                out.push('\n');
                continue;
            }
            block_indent = None;
        }
        let (head, value) = split_value(line);
        if value.starts_with(['|', '>']) {
            block_indent = Some(indent);
        }
        out.push_str(head);
        if !value.is_empty() && is_ambiguous_in_yaml11(value) {
            out.push('\'');
            out.push_str(&value.replace('\'', "''"));
            out.push('\'');
        } else {
            out.push_str(value);
        }
        out.push('\n');
    }
    out
}

/// Splits a block-style line into the part up to the scalar value and the value itself.
fn split_value(line: &str) -> (&str, &str) {
    let trimmed = line.trim_start();
    let indent = line.len() - trimmed.len();
    if let Some(rest) = trimmed.strip_prefix("- ") {
        // A sequence item: possibly `- key: value` (a mapping inside the item).
        let (h, v) = split_value(rest);
        let head_len = indent + 2 + h.len();
        return (&line[..head_len], v);
    }
    if trimmed.starts_with(['\'', '"']) {
        // A quoted key (or value): leave the whole line alone unless a plain value follows `: `.
        return match find_mapping_colon(trimmed) {
            Some(i) => line.split_at(indent + i + 2),
            None => (line, ""),
        };
    }
    match trimmed.find(": ") {
        Some(i) => line.split_at(indent + i + 2),
        None if trimmed.ends_with(':') => (line, ""),
        None => line.split_at(indent),
    }
}

/// The `: ` after a quoted key.
fn find_mapping_colon(s: &str) -> Option<usize> {
    let quote = s.chars().next()?;
    let close = s[1..].find(quote)? + 1;
    s[close..].find(": ").map(|i| close + i)
}

/// Booleans of YAML 1.1 that YAML 1.2 reads as strings (the serializer quotes strings that 1.2 reads as
/// `true`, `false` or null, so a plain `true` is a real boolean).
const WORDS: &[&str] = &[
    "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "on", "On", "ON", "off", "Off",
    "OFF",
];

fn is_ambiguous_in_yaml11(value: &str) -> bool {
    if WORDS.contains(&value) {
        return true;
    }
    if value.starts_with(['\'', '"', '|', '>', '[', '{', '&', '*', '!']) {
        return false;
    }
    // The serializer already quotes strings that YAML 1.2 reads as numbers, so a plain scalar made of
    // digits is a real number. Only YAML 1.1's own number forms remain: base 60 (`22:22`, `1:30.5`)
    // and `_` separators (`1_000`).
    value.chars().any(|c| c.is_ascii_digit())
        && value.contains([':', '_'])
        && value
            .chars()
            .all(|c| c.is_ascii_hexdigit() || matches!(c, '_' | ':' | '.' | '+' | '-' | 'x' | 'o'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_yaml11_booleans_and_base60() {
        let text = "restart: no\ncommand:\n- redis-server\n- yes\nports:\n- 22:22\n- 8088:8080\nname: shop\n";
        assert_eq!(
            quote_yaml11(text),
            "restart: 'no'\ncommand:\n- redis-server\n- 'yes'\nports:\n- '22:22'\n- '8088:8080'\nname: shop\n"
        );
    }

    #[test]
    fn leaves_block_scalars_and_quoted_values_alone() {
        let text = "env:\n  A: |-\n    no\n    yes\n  B: 'no'\n  C: off\n";
        assert_eq!(
            quote_yaml11(text),
            "env:\n  A: |-\n    no\n    yes\n  B: 'no'\n  C: 'off'\n"
        );
    }

    #[test]
    fn real_numbers_stay_numbers() {
        #[derive(serde::Serialize)]
        struct S {
            replicas: u32,
            ratio: f64,
            enabled: bool,
            text: &'static str,
        }
        let s = S {
            replicas: 2,
            ratio: 0.5,
            enabled: false,
            text: "false",
        };
        assert_eq!(
            to_string(&s),
            "replicas: 2\nratio: 0.5\nenabled: false\ntext: 'false'\n"
        );
    }

    #[test]
    fn mapping_items_in_sequences() {
        assert_eq!(
            quote_yaml11("- name: on\n  value: x\n"),
            "- name: 'on'\n  value: x\n"
        );
    }

    #[test]
    fn round_trips_through_the_serializer() {
        let v = vec![
            "no",
            "1_000",
            "0x1f",
            "8080",
            "2.5",
            "017",
            "22:22",
            "http://x:80",
            "10s",
        ];
        let text = to_string(&v);
        let back: Vec<String> = yaml_serde::from_str(&text).unwrap();
        assert_eq!(back, v);
        assert!(
            text.contains("- http://x:80\n") && text.contains("- 10s\n"),
            "{text}"
        );
    }
}
