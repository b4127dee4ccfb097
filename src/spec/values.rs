//! Spec values with more than one TOML spelling. Each has a hand-written visitor so that spans of the
//! inner values survive (serde's untagged enums would buffer them away).

use std::fmt;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};

use super::Sp;

/// `depends_on = ["db"]` or `depends_on = { db = "healthy" }`.
#[derive(Debug, Clone)]
pub enum DependsOnSpec {
    List(Vec<Sp<String>>),
    Map(Vec<(Sp<String>, Sp<String>)>),
}

impl<'de> Deserialize<'de> for DependsOnSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = DependsOnSpec;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an array of names or a table of name = condition")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(DependsOnSpec::List(items))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut items = Vec::new();
                while let Some(entry) = map.next_entry()? {
                    items.push(entry);
                }
                Ok(DependsOnSpec::Map(items))
            }
        }
        d.deserialize_any(V)
    }
}

impl JsonSchema for DependsOnSpec {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "DependsOn".into()
    }
    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let condition = generator.subschema_for::<crate::model::Condition>();
        json_schema!({
            "description": "Names this waits for; as a table, with the condition for each",
            "anyOf": [
                { "type": "array", "items": { "type": "string" } },
                { "type": "object", "additionalProperties": condition }
            ]
        })
    }
}

/// `"/api" = "api"` or `"/api" = { service = "api", strip_prefix = true }`.
#[derive(Debug, Clone)]
pub enum RouteSpec {
    /// The short form; the service name's span is the route value's span.
    Short(String),
    Table {
        service: Sp<String>,
        strip_prefix: Option<Sp<bool>>,
    },
}

#[derive(Deserialize)]
struct RouteTable {
    service: Sp<String>,
    strip_prefix: Option<Sp<bool>>,
}

impl<'de> Deserialize<'de> for RouteSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RouteSpec;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a service name or a table { service = \"…\", strip_prefix = … }")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(RouteSpec::Short(v.to_owned()))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                let t = RouteTable::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(RouteSpec::Table {
                    service: t.service,
                    strip_prefix: t.strip_prefix,
                })
            }
        }
        d.deserialize_any(V)
    }
}

impl JsonSchema for RouteSpec {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Route".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "The service a path prefix routes to",
            "anyOf": [
                { "type": "string" },
                {
                    "type": "object",
                    "properties": {
                        "service": { "type": "string" },
                        "strip_prefix": { "type": "boolean", "description": "Remove the prefix before forwarding (default false)" }
                    },
                    "required": ["service"],
                    "additionalProperties": false
                }
            ]
        })
    }
}

/// An env value: a string, or a number or boolean written as TOML (kept as its text); or the table
/// `{ value = "…", not_secret = true }`, which says that a value stackc would take for a credential
/// (by its variable's name, or a URL with a password) is not one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvValueSpec {
    pub text: String,
    pub not_secret: bool,
}

/// The scalar spellings of an env value.
struct EnvText(String);

impl<'de> Deserialize<'de> for EnvText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(EnvVisitor { table: false })
            .map(|v| EnvText(v.text))
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EnvTable {
    value: EnvText,
    #[serde(default)]
    not_secret: bool,
}

/// `table`: whether the `{ value = … }` spelling is allowed (not inside itself).
struct EnvVisitor {
    table: bool,
}

impl EnvVisitor {
    fn text(text: String) -> EnvValueSpec {
        EnvValueSpec {
            text,
            not_secret: false,
        }
    }
}

impl<'de> Visitor<'de> for EnvVisitor {
    type Value = EnvValueSpec;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.table {
            f.write_str("a string, number or boolean, or { value = \"…\", not_secret = true }")
        } else {
            f.write_str("a string, number or boolean")
        }
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Self::text(v.to_owned()))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Self::text(v.to_string()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Self::text(v.to_string()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Self::text(v.to_string()))
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Self::text(v.to_string()))
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        if !self.table {
            return Err(de::Error::invalid_type(de::Unexpected::Map, &self));
        }
        let t = EnvTable::deserialize(de::value::MapAccessDeserializer::new(map))?;
        Ok(EnvValueSpec {
            text: t.value.0,
            not_secret: t.not_secret,
        })
    }
}

impl<'de> Deserialize<'de> for EnvValueSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(EnvVisitor { table: true })
    }
}

impl JsonSchema for EnvValueSpec {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "EnvValue".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "anyOf": [
                { "type": ["string", "number", "boolean"] },
                {
                    "type": "object",
                    "description": "A value stackc would take for a credential (by its variable's name, or a URL with a password), marked as not one",
                    "properties": {
                        "value": { "type": ["string", "number", "boolean"] },
                        "not_secret": { "type": "boolean", "description": "The value is not a credential: do not report it" }
                    },
                    "required": ["value"],
                    "additionalProperties": false
                }
            ]
        })
    }
}

/// `host = "shop.example.com"` or `host = ["shop.example.com", "www.shop.example.com"]`.
#[derive(Debug, Clone)]
pub enum HostsSpec {
    /// The short form; the name's span is the value's span.
    One(String),
    Many(Vec<Sp<String>>),
}

impl<'de> Deserialize<'de> for HostsSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = HostsSpec;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a host name or an array of host names")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(HostsSpec::One(v.to_owned()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(HostsSpec::Many(items))
            }
        }
        d.deserialize_any(V)
    }
}

impl JsonSchema for HostsSpec {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Hosts".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "The host name the gateway serves, or several (each routed alike)",
            "anyOf": [
                { "type": "string" },
                { "type": "array", "items": { "type": "string" }, "minItems": 1, "uniqueItems": true }
            ]
        })
    }
}

/// `cpu = "250m"`, `cpu = "0.5"` or `cpu = 0.5`.
#[derive(Debug, Clone, PartialEq)]
pub enum CpuSpec {
    Text(String),
    Cores(f64),
}

impl<'de> Deserialize<'de> for CpuSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = CpuSpec;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("millicores like \"250m\" or a number of cores")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(CpuSpec::Text(v.to_owned()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(CpuSpec::Text(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(CpuSpec::Text(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                Ok(CpuSpec::Cores(v))
            }
        }
        d.deserialize_any(V)
    }
}

impl JsonSchema for CpuSpec {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Cpu".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "Millicores (\"250m\") or cores (\"0.5\", 0.5, 2)",
            "anyOf": [
                { "type": "string", "pattern": "^([1-9][0-9]*m|[0-9]+(\\.[0-9]{1,3})?)$" },
                { "type": "number", "exclusiveMinimum": 0 }
            ]
        })
    }
}

/// An external resource's output: a literal (string or number) or `{ secret = "name" }`.
#[derive(Debug, Clone)]
pub enum OutputValueSpec {
    Literal(String),
    Secret(Sp<String>),
}

#[derive(Deserialize)]
struct SecretRef {
    secret: Sp<String>,
}

impl<'de> Deserialize<'de> for OutputValueSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = OutputValueSpec;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a literal value or { secret = \"name\" }")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(OutputValueSpec::Literal(v.to_owned()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(OutputValueSpec::Literal(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(OutputValueSpec::Literal(v.to_string()))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                let r = SecretRef::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(OutputValueSpec::Secret(r.secret))
            }
        }
        d.deserialize_any(V)
    }
}

impl JsonSchema for OutputValueSpec {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "OutputValue".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "anyOf": [
                { "type": ["string", "integer"] },
                {
                    "type": "object",
                    "properties": { "secret": { "type": "string", "description": "The secret holding the value" } },
                    "required": ["secret"],
                    "additionalProperties": false
                }
            ]
        })
    }
}

/// A mount's source: `"uploads"` (a volume resource), `"./data"` or `"/srv/data"` (a host folder: a
/// path starts with `.` or `/`, which no resource name does), or a table that says which, with options.
#[derive(Debug, Clone)]
pub enum MountSpec {
    Short(String),
    Table(MountTable),
}

/// `{ volume = "…" | host = "…" | config = "…", read_only = …, outside_project = … }`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MountTable {
    pub volume: Option<Sp<String>>,
    pub host: Option<Sp<String>>,
    pub config: Option<Sp<String>>,
    pub read_only: Option<Sp<bool>>,
    pub outside_project: Option<Sp<bool>>,
}

impl MountSpec {
    /// Whether a short mount names a path (`./data`, `../x`, `/srv`, `~/x`, which is refused with
    /// its own reason) rather than a volume: names are DNS labels, which start with a letter or digit.
    #[must_use]
    pub fn is_path(text: &str) -> bool {
        text.starts_with('.') || text.starts_with('/') || text.starts_with('~')
    }

    /// The volume resource the mount names, as written.
    #[must_use]
    pub fn volume(&self) -> Option<&str> {
        match self {
            Self::Short(s) => (!Self::is_path(s)).then_some(s.as_str()),
            Self::Table(t) => t.volume.as_ref().map(|v| v.get().as_str()),
        }
    }
}

impl<'de> Deserialize<'de> for MountSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = MountSpec;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a volume name, a host path (\"./data\"), or a table { volume | host | config = \"…\", read_only = … }")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(MountSpec::Short(v.to_owned()))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                MountTable::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(MountSpec::Table)
            }
        }
        d.deserialize_any(V)
    }
}

impl JsonSchema for MountSpec {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Mount".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "What is mounted at the path: a volume resource's name, a host path (starting with `.` or `/`), or a table",
            "anyOf": [
                { "type": "string" },
                {
                    "type": "object",
                    "properties": {
                        "volume": { "type": "string", "description": "A resource of type \"volume\"" },
                        "host": { "type": "string", "description": "A folder or file of the machine running the containers, relative to the spec (Compose only: other targets need an overlay that replaces it)" },
                        "config": { "type": "string", "description": "A file or folder of the project shipped with the deployment, read-only (Compose: a bind mount; Kubernetes: a ConfigMap; ECS: written by an init container)" },
                        "read_only": { "type": "boolean", "description": "Mount read-only (default false; configs are always read-only)" },
                        "outside_project": { "type": "boolean", "description": "Allow a host path or config outside the spec's folder" }
                    },
                    "additionalProperties": false
                }
            ]
        })
    }
}
