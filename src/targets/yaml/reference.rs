//! The YAML 1.1 pass the fast emitter replaced: `yaml_serde`'s text re-read line by line, its plain
//! scalars quoted where YAML 1.1 reads them otherwise. Kept as the reference the emitter is tested
//! against (`super::reference`).

use super::is_ambiguous_in_yaml11;

pub fn quote_yaml11(text: &str) -> String {
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
