//! The JSON Schema of `stack.toml`, derived from the spec types. `schemas/stack.schema.json` is this
//! output, kept in sync by a test; editors and taplo validate specs with it.

use std::sync::OnceLock;

use serde_json::Value;

use crate::spec::StackSpec;

/// The schema as a JSON value, generated once.
pub fn stack_schema() -> &'static Value {
    static SCHEMA: OnceLock<Value> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        let mut schema = schemars::schema_for!(StackSpec).to_value();
        relax_overlay_resources(&mut schema);
        schema
    })
}

/// The schema as the pretty-printed text written to `schemas/stack.schema.json`.
#[must_use]
pub fn stack_schema_text() -> String {
    serde_json::to_string_pretty(stack_schema()).expect("schema serializes") + "\n"
}

/// An overlay may change a resource without repeating its `type`: give overlays a copy of the resource
/// schema without required fields.
fn relax_overlay_resources(schema: &mut Value) {
    let defs = &mut schema["$defs"];
    let mut relaxed = defs["ResourceSpec"].clone();
    if let Some(obj) = relaxed.as_object_mut() {
        obj.remove("required");
        obj.insert(
            "description".into(),
            "A resource as an environment overlay changes it".into(),
        );
    }
    defs["ResourceOverlay"] = relaxed;
    if let Some(resources) = defs["OverlaySpec"]["properties"].get_mut("resources") {
        replace_ref(resources, "#/$defs/ResourceSpec", "#/$defs/ResourceOverlay");
    }
}

fn replace_ref(value: &mut Value, from: &str, to: &str) {
    match value {
        Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                if k == "$ref" && v == from {
                    *v = to.into();
                } else {
                    replace_ref(v, from, to);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| replace_ref(v, from, to)),
        _ => {}
    }
}
