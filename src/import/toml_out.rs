//! Writes the imported spec as TOML text with comments: tables in a fixed order, values inline.
//! Every string and key goes through [`string`] and [`key`], the one escaping of this context.

use std::fmt::Write as _;

/// An inline TOML value.
#[derive(Debug, Clone, PartialEq)]
pub enum Toml {
    Str(String),
    Int(i64),
    Bool(bool),
    Array(Vec<Toml>),
    /// An inline table, keys in order.
    Table(Vec<(String, Toml)>),
}

impl Toml {
    pub fn str(s: impl Into<String>) -> Self {
        Self::Str(s.into())
    }

    #[must_use]
    pub fn strs(items: &[String]) -> Self {
        Self::Array(items.iter().cloned().map(Self::Str).collect())
    }
}

/// A basic TOML string: `"` and `\` escaped, control characters as `\uXXXX` (or their short
/// escapes).
#[must_use]
pub fn string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A key: bare when TOML allows, quoted otherwise.
#[must_use]
pub fn key(k: &str) -> String {
    if !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        k.to_owned()
    } else {
        string(k)
    }
}

#[must_use]
pub fn value(v: &Toml) -> String {
    match v {
        Toml::Str(s) => string(s),
        Toml::Int(n) => n.to_string(),
        Toml::Bool(b) => b.to_string(),
        Toml::Array(items) => {
            let inner: Vec<String> = items.iter().map(value).collect();
            format!("[{}]", inner.join(", "))
        }
        Toml::Table(entries) => {
            if entries.is_empty() {
                return "{}".into();
            }
            let inner: Vec<String> = entries
                .iter()
                .map(|(k, v)| format!("{} = {}", key(k), value(v)))
                .collect();
            format!("{{ {} }}", inner.join(", "))
        }
    }
}

/// A `[header]` table: comments above it, then `key = value  # comment` lines.
#[derive(Debug, Default)]
pub struct Table {
    pub header: String,
    pub comments: Vec<String>,
    pub entries: Vec<(String, Toml, Option<String>)>,
}

impl Table {
    #[must_use]
    pub fn new(header: impl Into<String>) -> Self {
        Self {
            header: header.into(),
            ..Self::default()
        }
    }

    /// Sets a key; a key set again keeps its place and takes the new value (a TOML table holds
    /// a key once).
    pub fn set(&mut self, k: &str, v: Toml) {
        self.put(k, v, None);
    }

    pub fn set_noted(&mut self, k: &str, v: Toml, note: impl Into<String>) {
        self.put(k, v, Some(note.into()));
    }

    fn put(&mut self, k: &str, v: Toml, note: Option<String>) {
        match self.entries.iter_mut().find(|(key, _, _)| key == k) {
            Some(slot) => *slot = (k.to_owned(), v, note),
            None => self.entries.push((k.to_owned(), v, note)),
        }
    }

    pub fn comment(&mut self, text: impl Into<String>) {
        self.comments.push(text.into());
    }

    /// Writes the table (an empty table is still written: `[services.web]` alone is a service).
    pub fn write(&self, out: &mut String) {
        out.push('\n');
        for c in &self.comments {
            for line in c.lines() {
                let _ = writeln!(out, "# {line}");
            }
        }
        let _ = writeln!(out, "[{}]", self.header);
        for (k, v, note) in &self.entries {
            let _ = write!(out, "{} = {}", key(k), value(v));
            if let Some(note) = note {
                let _ = write!(out, "  # {}", note.replace('\n', " "));
            }
            out.push('\n');
        }
    }
}

/// A table header path: `services.<name>` with the name quoted when needed.
#[must_use]
pub fn path(parts: &[&str]) -> String {
    parts.iter().map(|p| key(p)).collect::<Vec<_>>().join(".")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_values_read_back_as_themselves() {
        let nasty = "a\"b\\c\nd\te\u{1}f ${x} ' #";
        let mut t = Table::new(path(&["services", "web"]));
        t.set("command", Toml::strs(&[nasty.to_owned(), "x".into()]));
        t.set_noted("port", Toml::Int(80), "from \"ports\"\nsecond line");
        t.set(
            "env",
            Toml::Table(vec![
                ("A B".into(), Toml::str(nasty)),
                (
                    "C".into(),
                    Toml::Table(vec![("secret".into(), Toml::str("c"))]),
                ),
            ]),
        );
        let mut out = String::new();
        t.write(&mut out);
        let parsed: toml::Table = toml::from_str(&out).unwrap();
        let web = &parsed["services"]["web"];
        assert_eq!(web["command"][0].as_str(), Some(nasty));
        assert_eq!(web["port"].as_integer(), Some(80));
        assert_eq!(web["env"]["A B"].as_str(), Some(nasty));
        assert_eq!(web["env"]["C"]["secret"].as_str(), Some("c"));
    }
}
