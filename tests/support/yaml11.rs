//! An independent oracle for "YAML 1.1 readers see what stackc meant": every plain (unquoted)
//! scalar of a document is typed twice, by the YAML 1.1 rules (docker-compose 1.29 via `PyYAML`,
//! Kubernetes via go-yaml v2 semantics) and by YAML 1.2's core schema (Compose v2+). Any scalar
//! the two read differently, key or value, is a finding. Written from the YAML 1.1 type
//! registry (yaml.org/type), deliberately not sharing code with stackc's own quoting.

use std::collections::BTreeMap;

use yaml_rust2::parser::{Event, Parser};
use yaml_rust2::scanner::TScalarStyle;

/// A scalar as a reader types it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Typed {
    Str(String),
    Other(&'static str, String),
}

fn is_bool_11(s: &str) -> bool {
    matches!(
        s,
        "y" | "Y"
            | "yes"
            | "Yes"
            | "YES"
            | "n"
            | "N"
            | "no"
            | "No"
            | "NO"
            | "true"
            | "True"
            | "TRUE"
            | "false"
            | "False"
            | "FALSE"
            | "on"
            | "On"
            | "ON"
            | "off"
            | "Off"
            | "OFF"
    )
}

fn is_null(s: &str) -> bool {
    matches!(s, "" | "~" | "null" | "Null" | "NULL")
}

fn digits(s: &str, ok: impl Fn(char) -> bool) -> bool {
    !s.is_empty() && s.chars().all(|c| ok(c) || c == '_')
}

fn unsigned(s: &str) -> &str {
    s.strip_prefix(['-', '+']).unwrap_or(s)
}

/// YAML 1.1 int: binary, octal (leading 0), decimal, hex, sexagesimal (`1:30`).
fn is_int_11(s: &str) -> bool {
    let u = unsigned(s);
    if let Some(b) = u.strip_prefix("0b") {
        return digits(b, |c| c == '0' || c == '1');
    }
    if let Some(h) = u.strip_prefix("0x") {
        return digits(h, |c| c.is_ascii_hexdigit());
    }
    if u == "0" {
        return true;
    }
    if let Some(octal) = u.strip_prefix('0') {
        return digits(octal, |c| ('0'..='7').contains(&c));
    }
    if u.contains(':') {
        let mut parts = u.split(':');
        let head = parts.next().unwrap_or("");
        return head.starts_with(|c: char| c.is_ascii_digit() && c != '0')
            && digits(head, |c| c.is_ascii_digit())
            && parts.all(sexagesimal);
    }
    u.starts_with(|c: char| c.is_ascii_digit()) && digits(u, |c| c.is_ascii_digit())
}

fn sexagesimal(p: &str) -> bool {
    (1..=2).contains(&p.len())
        && p.chars().all(|c| c.is_ascii_digit())
        && (p.len() == 1 || p.as_bytes()[0] <= b'5')
}

/// YAML 1.1 float as `PyYAML` resolves it: `1.5`, `1.`, `.5`, `1.5e+3`, `1:30.5`, `.inf`, `.nan`.
fn is_float_11(s: &str) -> bool {
    let u = unsigned(s);
    if matches!(u, ".inf" | ".Inf" | ".INF") || matches!(s, ".nan" | ".NaN" | ".NAN") {
        return true;
    }
    let Some((whole, rest)) = u.split_once('.') else {
        return false;
    };
    let (frac, exp) = match rest.find(['e', 'E']) {
        Some(i) => (&rest[..i], Some(&rest[i + 1..])),
        None => (rest, None),
    };
    let frac_ok = frac.chars().all(|c| c.is_ascii_digit() || c == '_');
    let exp_ok = exp.is_none_or(|e| {
        e.strip_prefix(['-', '+'])
            .is_some_and(|d| !d.is_empty() && d.chars().all(|c| c.is_ascii_digit()))
    });
    if whole.is_empty() {
        // `.5`: digits required, and no sign in `PyYAML`'s form.
        return u == s && !frac.is_empty() && frac_ok && exp_ok;
    }
    if whole.contains(':') {
        let mut parts = whole.split(':');
        let head = parts.next().unwrap_or("");
        return digits(head, |c| c.is_ascii_digit())
            && parts.all(sexagesimal)
            && frac_ok
            && exp.is_none();
    }
    whole.starts_with(|c: char| c.is_ascii_digit())
        && digits(whole, |c| c.is_ascii_digit())
        && frac_ok
        && exp_ok
}

/// `2001-12-14`, optionally followed by a time (`PyYAML` reads these as dates).
fn is_timestamp_11(s: &str) -> bool {
    let mut parts = s.splitn(3, '-');
    let (Some(y), Some(m), Some(rest)) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    let day_len = rest.find(['T', 't', ' ', '\t']).unwrap_or(rest.len());
    let num = |x: &str, lens: std::ops::RangeInclusive<usize>| {
        lens.contains(&x.len()) && x.chars().all(|c| c.is_ascii_digit())
    };
    num(y, 4..=4) && num(m, 1..=2) && num(&rest[..day_len], 1..=2)
}

#[must_use]
pub fn type_11(plain: &str) -> Typed {
    let other = |t| Typed::Other(t, plain.to_owned());
    if is_null(plain) {
        other("null")
    } else if is_bool_11(plain) {
        other("bool")
    } else if is_int_11(plain) {
        other("int")
    } else if is_float_11(plain) {
        other("float")
    } else if is_timestamp_11(plain) {
        other("timestamp")
    } else if plain == "<<" || plain == "=" {
        other("merge/value key")
    } else {
        Typed::Str(plain.to_owned())
    }
}

/// YAML 1.2 core schema.
#[must_use]
pub fn type_12(plain: &str) -> Typed {
    let other = |t| Typed::Other(t, plain.to_owned());
    let u = unsigned(plain);
    let decimal = !u.is_empty() && u.chars().all(|c| c.is_ascii_digit());
    if is_null(plain) {
        other("null")
    } else if matches!(
        plain,
        "true" | "True" | "TRUE" | "false" | "False" | "FALSE"
    ) {
        other("bool")
    } else if decimal
        || plain
            .strip_prefix("0o")
            .is_some_and(|d| !d.is_empty() && d.chars().all(|c| ('0'..='7').contains(&c)))
        || plain
            .strip_prefix("0x")
            .is_some_and(|d| !d.is_empty() && d.chars().all(|c| c.is_ascii_hexdigit()))
    {
        other("int")
    } else if matches!(u, ".inf" | ".Inf" | ".INF")
        || matches!(plain, ".nan" | ".NaN" | ".NAN")
        || (u.contains(['.', 'e', 'E'])
            && u.parse::<f64>().is_ok()
            && u.starts_with(|c: char| c.is_ascii_digit() || c == '.'))
    {
        other("float")
    } else {
        Typed::Str(plain.to_owned())
    }
}

/// A document as one reader sees it: keys and values, paths joined with `/`.
pub type Reading = BTreeMap<String, Typed>;

/// An open collection: its path, and for a mapping the key its next value belongs to (`None`: a
/// key comes next), for a sequence the index of its next item.
enum Open {
    Mapping(String, Option<String>),
    Sequence(String, usize),
}

/// Reads every scalar of every document in `text`, typing plain scalars with `typer`.
pub fn read(text: &str, typer: fn(&str) -> Typed) -> Result<Reading, String> {
    let mut parser = Parser::new_from_str(text);
    let mut out = Reading::new();
    let mut stack: Vec<Open> = Vec::new();
    let mut doc = 0usize;
    loop {
        let (event, _) = parser.next_token().map_err(|e| e.to_string())?;
        let opens_mapping = matches!(event, Event::MappingStart(..));
        let scalar = match event {
            Event::StreamEnd => break,
            Event::DocumentStart => {
                doc += 1;
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => {
                stack.pop();
                advance(&mut stack);
                continue;
            }
            Event::Scalar(text, style, _, tag) => Some(if tag.is_some() {
                Typed::Other("tagged", text)
            } else if style == TScalarStyle::Plain {
                typer(&text)
            } else {
                Typed::Str(text)
            }),
            Event::Alias(_) => Some(Typed::Other("alias", String::new())),
            Event::SequenceStart(..) | Event::MappingStart(..) => None,
            _ => continue,
        };
        // Where this node sits; a scalar in key position is recorded as a key.
        let here = match stack.last_mut() {
            None => format!("doc{doc}"),
            Some(Open::Mapping(path, next @ None)) => {
                let Some(key) = scalar else {
                    return Err(format!("{path}: a collection as a mapping key"));
                };
                let shown = match &key {
                    Typed::Str(s) => s.clone(),
                    Typed::Other(t, s) => format!("<{t} {s}>"),
                };
                out.insert(format!("{path}/{shown}#key"), key);
                *next = Some(shown);
                continue;
            }
            Some(Open::Mapping(path, Some(key))) => format!("{path}/{key}"),
            Some(Open::Sequence(path, i)) => format!("{path}/{i}"),
        };
        match scalar {
            Some(v) => {
                out.insert(here, v);
                advance(&mut stack);
            }
            None if opens_mapping => stack.push(Open::Mapping(here, None)),
            None => stack.push(Open::Sequence(here, 0)),
        }
    }
    Ok(out)
}

/// After a value: a mapping expects its next key, a sequence its next index.
fn advance(stack: &mut [Open]) {
    match stack.last_mut() {
        Some(Open::Mapping(_, next)) => *next = None,
        Some(Open::Sequence(_, i)) => *i += 1,
        None => {}
    }
}

/// Every scalar that a YAML 1.1 reader types differently from a YAML 1.2 reader.
pub fn disagreements(text: &str) -> Result<Vec<String>, String> {
    let old = read(text, type_11)?;
    let new = read(text, type_12)?;
    Ok(old
        .iter()
        .filter(|(path, t)| new.get(*path) != Some(t))
        .map(|(path, t)| {
            format!(
                "{path}: YAML 1.1 reads {t:?}, YAML 1.2 reads {:?}",
                new.get(path)
            )
        })
        .chain(
            new.keys()
                .filter(|p| !old.contains_key(*p))
                .map(|p| format!("{p}: only YAML 1.2 has it")),
        )
        .collect())
}

#[cfg(test)]
mod oracle_tests {
    use super::*;

    #[test]
    fn the_classic_traps() {
        for trap in [
            "on",
            "NO",
            "y",
            "0755",
            "1:30",
            "22:22",
            "1_000",
            "2001-12-14",
            "1.5e+3",
            "0b101",
        ] {
            assert_ne!(type_11(trap), Typed::Str(trap.into()), "{trap}");
        }
        for plain in ["api", "http://x:80", "8000/tcp", "a-b", "v1.2.3", "1.2.3"] {
            assert_eq!(type_11(plain), Typed::Str(plain.into()), "{plain}");
        }
        let found = disagreements("env:\n  ON: 'x'\n  A: yes\n  B: \"no\"\n").unwrap();
        assert!(found.iter().any(|f| f.contains("ON#key")), "{found:?}");
        assert!(
            found.iter().any(|f| f.starts_with("doc1/env/A:")),
            "{found:?}"
        );
        assert!(!found.iter().any(|f| f.contains("env/B")), "{found:?}");
    }
}
