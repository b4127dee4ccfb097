//! Raw tree -> typed spec, one entry at a time so that a broken service does not hide the others' errors.

use std::collections::BTreeSet;
use std::ops::Range;

use serde::de::DeserializeOwned;
use toml::Spanned;
use toml::de::{DeTable, DeValue, ValueDeserializer};

use super::{Parsed, Sp, StackSpec};
use crate::diagnostics::{Code, Diagnostic, Diagnostics};

/// Consumes the tree: each value moves into its deserializer, nothing is copied twice.
pub fn decode(
    root: Spanned<DeTable<'_>>,
    environments: Vec<Sp<String>>,
    diags: &mut Diagnostics,
) -> Parsed {
    let mut spec = StackSpec {
        environments,
        ..StackSpec::default()
    };
    let mut broken = BTreeSet::new();
    let mut table = root.into_inner();

    match table.remove("stack") {
        Some(value) => spec.stack = one(value, "[stack]", diags),
        None => diags.push(
            Diagnostic::error(Code::MissingField, "the spec has no [stack] table")
                .at(0..0, "expected [stack] with a `name`")
                .help("start the file with:\n[stack]\nname = \"my-stack\""),
        ),
    }
    spec.services = named(table.remove("services"), "service", &mut broken, diags);
    spec.jobs = named(table.remove("jobs"), "job", &mut broken, diags);
    spec.resources = named(table.remove("resources"), "resource", &mut broken, diags);
    if let Some(routes) = table.remove("routes") {
        let span = routes.span();
        if let Some(entries) = into_table(routes, "[routes]", diags) {
            let decoded = entries
                .into_iter()
                .filter_map(|(path, value)| {
                    let path = Sp::new(path.span(), path.get_ref().to_string());
                    let route = one(value, &format!("route `{}`", path.get()), diags)?;
                    Some((path, route))
                })
                .collect();
            spec.routes = Some(Sp::new(span, decoded));
        }
    }
    if let Some(gateway) = table.remove("gateway") {
        spec.gateway = one(gateway, "[gateway]", diags);
    }
    if let Some(targets) = table.remove("targets") {
        spec.targets = one(targets, "[targets]", diags);
    }
    Parsed {
        spec,
        broken,
        overlay_volumes: BTreeSet::new(),
    }
}

fn into_table<'i>(
    value: Spanned<DeValue<'i>>,
    what: &str,
    diags: &mut Diagnostics,
) -> Option<DeTable<'i>> {
    let span = value.span();
    match value.into_inner() {
        DeValue::Table(t) => Some(t),
        other => {
            diags.push(
                Diagnostic::error(
                    Code::InvalidValue,
                    format!("{what} must be a table, not {}", article(&other)),
                )
                .at(span, "expected a table"),
            );
            None
        }
    }
}

fn named<T: DeserializeOwned>(
    section: Option<Spanned<DeValue<'_>>>,
    kind: &str,
    broken: &mut BTreeSet<String>,
    diags: &mut Diagnostics,
) -> std::collections::BTreeMap<Sp<String>, Sp<T>> {
    let Some(entries) = section.and_then(|s| into_table(s, &format!("[{kind}s]"), diags)) else {
        return std::collections::BTreeMap::new();
    };
    entries
        .into_iter()
        .filter_map(|(name, value)| {
            let name = Sp::new(name.span(), name.get_ref().to_string());
            if let Some(decoded) = one(value, &format!("{kind} `{}`", name.get()), diags) {
                Some((name, decoded))
            } else {
                broken.insert(name.get().clone());
                None
            }
        })
        .collect()
}

/// Decodes one value, turning a serde error into a diagnostic about `what`.
fn one<T: DeserializeOwned>(
    value: Spanned<DeValue<'_>>,
    what: &str,
    diags: &mut Diagnostics,
) -> Option<Sp<T>> {
    let span = value.span();
    match Sp::<T>::deserialize(ValueDeserializer::from(value)) {
        Ok(v) => Some(v),
        Err(e) => {
            diags.push(decode_error(&e, span, what));
            None
        }
    }
}

use serde::Deserialize as _;

fn decode_error(e: &toml::de::Error, fallback: Range<usize>, what: &str) -> Diagnostic {
    let message = humanize(e.message());
    let span = e.span().unwrap_or(fallback);
    if message.starts_with("missing field") {
        Diagnostic::error(Code::MissingField, format!("{what}: {message}"))
            .at(span, "in this table")
    } else {
        Diagnostic::error(Code::InvalidValue, format!("{what}: {message}"))
            .at(span, "invalid value")
    }
}

/// Serde speaks Rust; users read TOML.
fn humanize(message: &str) -> String {
    let mut m = message.trim_end().to_owned();
    for (rust, toml) in [
        ("expected i64", "expected an integer"),
        ("expected u16", "expected an integer"),
        ("expected u32", "expected an integer"),
        ("expected f64", "expected a number"),
        ("expected a sequence", "expected an array"),
        ("expected a map", "expected a table"),
        ("invalid type: map", "invalid type: table"),
        ("invalid type: sequence", "invalid type: array"),
        ("invalid type: floating point", "invalid type: float"),
    ] {
        m = m.replace(rust, toml);
    }
    if let Some(i) = m.find("expected struct ") {
        m.replace_range(i.., "expected a table");
    }
    m
}

fn article(value: &DeValue<'_>) -> &'static str {
    match value {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a float",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(_) => "a datetime",
        DeValue::Array(_) => "an array",
        DeValue::Table(_) => "a table",
    }
}

#[cfg(test)]
mod tests {
    use super::humanize;

    #[test]
    fn humanizes_serde_types() {
        assert_eq!(
            humanize("invalid type: string \"x\", expected i64"),
            "invalid type: string \"x\", expected an integer"
        );
        assert_eq!(
            humanize("invalid type: integer `1`, expected struct HealthSpec"),
            "invalid type: integer `1`, expected a table"
        );
    }
}
