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
        let parts = Line::parse(line);
        if parts.value.starts_with(['|', '>']) {
            block_indent = Some(indent);
        }
        out.push_str(parts.lead);
        if let Some(key) = parts.key {
            // Keys and values are the same kind of plain scalar to a YAML 1.1 reader: `ON:` is `true:`.
            push_scalar(&mut out, key);
            out.push(':');
            if !parts.value.is_empty() {
                out.push(' ');
            }
        }
        push_scalar(&mut out, parts.value);
        out.push('\n');
    }
    out
}

/// The one YAML 1.1 safety rule, for keys and values alike: a plain scalar a YAML 1.1 reader would not
/// read back as the same string is written single-quoted.
fn push_scalar(out: &mut String, scalar: &str) {
    if !scalar.is_empty() && is_ambiguous_in_yaml11(scalar) {
        out.push('\'');
        out.push_str(&scalar.replace('\'', "''"));
        out.push('\'');
    } else {
        out.push_str(scalar);
    }
}

/// A block-style line: indentation and sequence markers, an optional mapping key, the scalar after it.
struct Line<'a> {
    lead: &'a str,
    key: Option<&'a str>,
    value: &'a str,
}

impl<'a> Line<'a> {
    fn parse(line: &'a str) -> Self {
        // `- - key: value`: every `- ` opens a sequence item, possibly holding a mapping.
        let mut lead_len = line.len() - line.trim_start().len();
        while line[lead_len..].starts_with("- ") {
            lead_len += 2;
        }
        let (lead, rest) = line.split_at(lead_len);
        let colon = if rest.starts_with(['\'', '"']) {
            // A quoted key (or a quoted value): the `: ` after its closing quote.
            find_mapping_colon(rest).map(|i| (i, 2))
        } else {
            rest.find(": ").map(|i| (i, 2))
        };
        match colon {
            Some((i, sep)) => Self {
                lead,
                key: Some(&rest[..i]),
                value: &rest[i + sep..],
            },
            None if rest.ends_with(':') && !rest.starts_with(['\'', '"']) => Self {
                lead,
                key: Some(&rest[..rest.len() - 1]),
                value: "",
            },
            None if rest.ends_with(':') && find_quoted_end(rest) == Some(rest.len() - 1) => Self {
                lead,
                key: Some(&rest[..rest.len() - 1]),
                value: "",
            },
            None => Self {
                lead,
                key: None,
                value: rest,
            },
        }
    }
}

/// The `: ` after a quoted key.
fn find_mapping_colon(s: &str) -> Option<usize> {
    let close = find_quoted_end(s)?;
    s[close..].find(": ").map(|i| close + i)
}

/// The byte just after the closing quote of the quoted scalar `s` starts with (`''` and `\"` are
/// escapes inside it).
fn find_quoted_end(s: &str) -> Option<usize> {
    let quote = s.chars().next()?;
    let bytes = s.as_bytes();
    let mut i = 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if quote == '"' => i += 2,
            b'\'' if quote == '\'' && bytes.get(i + 1) == Some(&b'\'') => i += 2,
            c if c == quote as u8 => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

/// Booleans of YAML 1.1 that YAML 1.2 reads as strings (the serializer quotes strings that 1.2 reads as
/// `true`, `false` or null, so a plain `true` is a real boolean); `=` and `<<` are YAML 1.1's value and
/// merge keys, which `PyYAML` refuses or merges.
const WORDS: &[&str] = &[
    "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "on", "On", "ON", "off", "Off",
    "OFF", "=", "<<",
];

fn is_ambiguous_in_yaml11(value: &str) -> bool {
    if WORDS.contains(&value) {
        return true;
    }
    if value.starts_with(['\'', '"', '|', '>', '[', '{', '&', '*', '!']) {
        return false;
    }
    let unsigned = value.trim_start_matches(['+', '-']);
    // YAML 1.1 timestamps (`2024-01-31`, with or without a time): `PyYAML` reads a date.
    let b = value.as_bytes();
    if b.len() >= 8
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[5].is_ascii_digit()
    {
        return true;
    }
    // Binary integers (`0b1010`) are YAML 1.1 only.
    if let Some(bits) = unsigned.strip_prefix("0b")
        && !bits.is_empty()
        && bits.chars().all(|c| matches!(c, '0' | '1' | '_'))
    {
        return true;
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
    fn quotes_yaml11_keys_like_values() {
        let text = "environment:\n  ON: x\n  NO:\n  Y: yes\n  PLAIN: on\n- N: y\n- - off: 1\n";
        assert_eq!(
            quote_yaml11(text),
            "environment:\n  'ON': x\n  'NO':\n  'Y': 'yes'\n  PLAIN: 'on'\n- 'N': 'y'\n- - 'off': 1\n"
        );
    }

    #[test]
    fn quoted_keys_stay_as_they_are() {
        let text = "'a'': b': no\n\"x\\\": y\": 1\n'true':\n";
        assert_eq!(
            quote_yaml11(text),
            "'a'': b': 'no'\n\"x\\\": y\": 1\n'true':\n"
        );
    }

    #[test]
    fn keys_of_every_map_round_trip() {
        let map: std::collections::BTreeMap<&str, &str> = [
            ("ON", "off"),
            ("Y", "n"),
            ("no", "2024-01-31"),
            ("0b11", "0b101"),
            ("<<", "="),
            ("1_000", "22:22"),
        ]
        .into_iter()
        .collect();
        let text = to_string(&map);
        for (k, v) in &map {
            assert!(
                text.contains(&format!("'{k}': '{v}'\n")),
                "{k}: {v} not quoted in\n{text}"
            );
        }
        let back: std::collections::BTreeMap<String, String> = yaml_serde::from_str(&text).unwrap();
        assert_eq!(back.len(), map.len());
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
