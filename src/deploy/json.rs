//! Reading the ECS artifacts (JSON documents in the AWS APIs' own shapes): typed accessors, filling
//! the `{{stackc:…}}` placeholders, and flattening into field paths for diffs.

use std::collections::BTreeMap;

use serde_json::Value;

pub fn str_of(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_owned)
}

pub fn int_of(v: &Value, key: &str) -> Option<i32> {
    v.get(key)
        .and_then(Value::as_i64)
        .and_then(|n| i32::try_from(n).ok())
}

pub fn bool_of(v: &Value, key: &str) -> Option<bool> {
    v.get(key).and_then(Value::as_bool)
}

pub fn list_of<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    v.get(key)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

pub fn strings_of(v: &Value, key: &str) -> Option<Vec<String>> {
    v.get(key).and_then(Value::as_array).map(|a| {
        a.iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect()
    })
}

/// The `key`/`value` pairs of an ECS tag list (`key`) or an EC2/ELB one (`Key`).
#[must_use]
pub fn tags_of(v: &Value, key: &str) -> Vec<(String, String)> {
    list_of(v, key)
        .iter()
        .filter_map(|t| {
            let k = str_of(t, "key").or_else(|| str_of(t, "Key"))?;
            let v = str_of(t, "value").or_else(|| str_of(t, "Value"))?;
            Some((k, v))
        })
        .collect()
}

/// What a placeholder stands for: a value, or for `default-subnets` a list spliced into its array.
#[derive(Debug, Clone)]
pub enum Filled {
    One(String),
    Many(Vec<String>),
}

/// Known values of placeholders, by the text between `{{stackc:` and `}}`.
#[derive(Debug, Default, Clone)]
pub struct Names {
    values: BTreeMap<String, Filled>,
    /// Ids of what stackc creates, back to their placeholder (for diffs, without a scan).
    symbols: BTreeMap<String, String>,
}

impl Names {
    pub fn set(&mut self, key: impl Into<String>, value: impl Into<String>) {
        let (key, value) = (key.into(), value.into());
        if is_symbolic(&key) {
            self.symbols.insert(value.clone(), key.clone());
        }
        self.values.insert(key, Filled::One(value));
    }

    pub fn set_many(&mut self, key: impl Into<String>, values: Vec<String>) {
        self.values.insert(key.into(), Filled::Many(values));
    }

    #[must_use]
    pub fn filled(&self, key: &str) -> Option<&Filled> {
        self.values.get(key)
    }

    #[must_use]
    pub fn get(&self, key: &str) -> Option<&str> {
        match self.values.get(key) {
            Some(Filled::One(v)) => Some(v),
            _ => None,
        }
    }

    /// The placeholder a known value came from (ids back to names, for diffs).
    #[must_use]
    pub fn symbol_of(&self, value: &str) -> Option<String> {
        self.symbols.get(value).cloned()
    }
}

/// Placeholders for things `apply` creates: diffs show them by name, never by id.
fn is_symbolic(key: &str) -> bool {
    [
        "security-group:",
        "target-group:",
        "load-balancer",
        "listener",
        "efs",
    ]
    .iter()
    .any(|p| key.starts_with(p))
}

const OPEN: &str = "{{stackc:";

/// Fills every placeholder. `symbolic`: what stackc creates becomes its name (`security-group:api`),
/// not its id, so a plan compares names on both sides (see `live::symbolize`).
pub fn fill(v: &Value, names: &Names, symbolic: bool) -> Result<Value, String> {
    Ok(match v {
        Value::String(s) => Value::String(fill_str(s, names, symbolic)?),
        Value::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                if let Some(key) = item.as_str().and_then(whole_placeholder)
                    && let Some(Filled::Many(list)) = names.filled(key)
                {
                    out.extend(list.iter().cloned().map(Value::String));
                    continue;
                }
                out.push(fill(item, names, symbolic)?);
            }
            Value::Array(out)
        }
        Value::Object(map) => {
            let mut out = serde_json::Map::new();
            for (k, item) in map {
                out.insert(k.clone(), fill(item, names, symbolic)?);
            }
            Value::Object(out)
        }
        other => other.clone(),
    })
}

fn whole_placeholder(s: &str) -> Option<&str> {
    s.strip_prefix(OPEN)?.strip_suffix("}}")
}

fn fill_str(s: &str, names: &Names, symbolic: bool) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = s;
    while let Some(start) = rest.find(OPEN) {
        out.push_str(&rest[..start]);
        let after = &rest[start + OPEN.len()..];
        let Some(end) = after.find("}}") else {
            break;
        };
        let key = &after[..end];
        match names.filled(key) {
            // Diffs name what stackc creates, whether it exists yet or not.
            _ if symbolic && is_symbolic(key) => out.push_str(key),
            Some(Filled::One(v)) => out.push_str(v),
            Some(Filled::Many(v)) => out.push_str(&v.join(",")),
            None => return Err(format!("nothing is known yet for `{{{{stackc:{key}}}}}`")),
        }
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Flattens a document into `path = value` lines; array items with a name are keyed by it, so a
/// reordered list is no change and a changed item shows where it is.
#[must_use]
pub fn flatten(v: &Value) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    walk(v, String::new(), &mut out);
    out
}

fn walk(v: &Value, path: String, out: &mut BTreeMap<String, String>) {
    match v {
        Value::Object(map) => {
            for (k, item) in map {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                walk(item, p, out);
            }
        }
        Value::Array(items) if items.is_empty() => {}
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let named = ["name", "containerName", "sourceVolume", "key", "Key"]
                    .iter()
                    .find_map(|k| Some((*k, item.get(*k)?.as_str()?)));
                match named {
                    // The name is in the path already: not a field of its own.
                    Some((field, name)) => {
                        let mut rest = item.clone();
                        if let Some(m) = rest.as_object_mut() {
                            m.remove(field);
                        }
                        let at = format!("{path}[{name}]");
                        if rest.as_object().is_some_and(serde_json::Map::is_empty) {
                            // Nothing but a name: its presence is the field.
                            out.insert(at, String::new());
                        } else {
                            walk(&rest, at, out);
                        }
                    }
                    None => walk(item, format!("{path}[{i}]"), out),
                }
            }
        }
        Value::Null => {}
        Value::String(s) => {
            out.insert(path, s.clone());
        }
        other => {
            out.insert(path, other.to_string());
        }
    }
}

/// A stable digest of a document (FNV-1a over its canonical text), for "registered only when changed".
#[must_use]
pub fn digest(v: &Value) -> String {
    let text = v.to_string();
    let hash = text.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    format!("{hash:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn fills_placeholders_and_splices_lists() {
        let mut names = Names::default();
        names.set("vpc", "vpc-1");
        names.set_many("default-subnets", vec!["a".into(), "b".into()]);
        let doc = json!({"VpcId": "{{stackc:vpc}}", "Subnets": ["{{stackc:default-subnets}}"], "Sg": "{{stackc:security-group:api}}"});
        let symbolic = fill(&doc, &names, true).unwrap();
        assert_eq!(
            symbolic,
            json!({"VpcId": "vpc-1", "Subnets": ["a", "b"], "Sg": "security-group:api"})
        );
        let err = fill(&doc, &names, false).unwrap_err();
        assert!(err.contains("security-group:api"), "{err}");
    }

    #[test]
    fn flattens_named_items_by_name() {
        let doc = json!({"environment": [{"name": "B", "value": "2"}, {"name": "A", "value": "1"}], "cpu": "256", "command": ["x", "y"]});
        let flat = flatten(&doc);
        assert_eq!(flat["environment[A].value"], "1");
        assert_eq!(flat["command[1]"], "y");
        assert_eq!(flat["cpu"], "256");
    }

    #[test]
    fn digest_is_stable() {
        assert_eq!(digest(&json!({"a": 1})), digest(&json!({"a": 1})));
        assert_ne!(digest(&json!({"a": 1})), digest(&json!({"a": 2})));
    }
}
