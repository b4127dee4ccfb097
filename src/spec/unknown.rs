//! Unknown fields, found by walking the raw tree alongside the JSON Schema derived from the spec types:
//! one source of truth for what a field is, and every unknown key reported at once with its own span.

use serde_json::Value;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::diagnostics::{Code, Diagnostic, Diagnostics};

pub fn check(root: &Spanned<DeTable<'_>>, diags: &mut Diagnostics) {
    let schema = crate::schema::stack_schema();
    let walker = Walker {
        defs: &schema["$defs"],
    };
    walker.table(schema, root.get_ref(), &mut Vec::new(), diags);
}

struct Walker<'s> {
    defs: &'s Value,
}

impl<'s> Walker<'s> {
    fn resolve(&self, mut schema: &'s Value) -> &'s Value {
        while let Some(r) = schema.get("$ref").and_then(Value::as_str) {
            match r
                .strip_prefix("#/$defs/")
                .and_then(|name| self.defs.get(name))
            {
                Some(target) => schema = target,
                None => break,
            }
        }
        schema
    }

    /// The branch of a (possibly `anyOf`) schema that describes values of JSON type `kind`.
    fn branch(&self, schema: &'s Value, kind: &str) -> Option<&'s Value> {
        let schema = self.resolve(schema);
        if let Some(branches) = schema
            .get("anyOf")
            .or_else(|| schema.get("oneOf"))
            .and_then(Value::as_array)
        {
            return branches.iter().find_map(|b| self.branch(b, kind));
        }
        let accepts = match schema.get("type") {
            Some(Value::String(t)) => t == kind,
            Some(Value::Array(ts)) => ts.iter().any(|t| t == kind),
            _ => kind == "object" && schema.get("properties").is_some(),
        };
        accepts.then_some(schema)
    }

    fn value(
        &self,
        schema: &'s Value,
        value: &Spanned<DeValue<'_>>,
        path: &mut Vec<String>,
        diags: &mut Diagnostics,
    ) {
        match value.get_ref() {
            DeValue::Table(t) => {
                if let Some(s) = self.branch(schema, "object") {
                    self.table(s, t, path, diags);
                }
            }
            DeValue::Array(items) => {
                if let Some(item_schema) = self.branch(schema, "array").and_then(|s| s.get("items"))
                {
                    for item in items {
                        self.value(item_schema, item, path, diags);
                    }
                }
            }
            _ => {}
        }
    }

    fn table(
        &self,
        schema: &'s Value,
        table: &DeTable<'_>,
        path: &mut Vec<String>,
        diags: &mut Diagnostics,
    ) {
        let properties = schema.get("properties").and_then(Value::as_object);
        let additional = schema.get("additionalProperties");
        for (key, value) in table {
            let key_str: &str = key.get_ref();
            path.push(key_str.to_owned());
            if let Some(field) = properties.and_then(|p| p.get(key_str)) {
                self.value(field, value, path, diags);
            } else if let Some(extra @ Value::Object(_)) = additional {
                self.value(extra, value, path, diags);
            } else if additional == Some(&Value::Bool(false)) {
                let known: Vec<&str> = properties
                    .map(|p| p.keys().map(String::as_str).collect())
                    .unwrap_or_default();
                let place = match &path[..path.len() - 1] {
                    [] => "at the top level".to_owned(),
                    parent => format!("in `{}`", parent.join(".")),
                };
                diags.push(
                    Diagnostic::error(
                        Code::UnknownField,
                        format!("unknown field `{key_str}` {place}"),
                    )
                    .at(key.span(), "unknown field")
                    .suggest(key_str, known.iter().copied())
                    .with_default_help(format!("expected one of: {}", known.join(", "))),
                );
            }
            path.pop();
        }
    }
}
