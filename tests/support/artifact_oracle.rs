//! Checks every artifact of a compiled spec the way its consumers read it: each YAML file through
//! both YAML 1.1 and YAML 1.2 typing (they must agree on every key and value), each JSON file
//! parsed, and the literal environment of every workload found, as strings, in compose.yaml.
//! Shared by the proptest fuzzer (`tests/fuzz.rs`) and the libFuzzer target (`fuzz/`).

use stackc::compile::Compiled;
use stackc::model::EnvPart;
use stackc::output::Artifacts;

#[path = "yaml11.rs"]
mod yaml11;

/// Every problem found, as text; empty when the artifacts read back as the model says.
pub fn problems(compiled: &Compiled, artifacts: &Artifacts) -> Vec<String> {
    let mut out = Vec::new();
    for (path, text) in artifacts {
        let extension = std::path::Path::new(path)
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("");
        if matches!(extension, "yaml" | "yml") {
            match yaml11::disagreements(text) {
                Ok(found) => out.extend(found.into_iter().map(|d| format!("{path}: {d}"))),
                Err(e) => out.push(format!("{path}: not YAML: {e}")),
            }
        } else if extension == "json"
            && let Err(e) = serde_json::from_str::<serde_json::Value>(text)
        {
            out.push(format!("{path}: not JSON: {e}"));
        }
    }
    if let Some(compose) = artifacts.get("compose/compose.yaml") {
        out.extend(compose_env(compiled, compose));
    }
    out
}

/// A literal env value of the model, as a YAML 1.1 reader of compose.yaml sees it (after
/// Compose's `$$` unescaping).
fn compose_env(compiled: &Compiled, compose: &str) -> Vec<String> {
    let Ok(reading) = yaml11::read(compose, yaml11::type_11) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for w in compiled.model.workloads() {
        for (name, value) in &w.env {
            let [EnvPart::Text(text)] = value.parts.as_slice() else {
                continue;
            };
            let at = format!("doc1/services/{}/environment/{name}", w.name);
            let key = reading.get(&format!("{at}#key"));
            if key != Some(&yaml11::Typed::Str(name.to_string())) {
                out.push(format!("compose.yaml: key {at} reads as {key:?}"));
                continue;
            }
            let seen = reading.get(&at);
            let expected = yaml11::Typed::Str(text.clone());
            let unescaped = match seen {
                Some(yaml11::Typed::Str(s)) => Some(yaml11::Typed::Str(s.replace("$$", "$"))),
                other => other.cloned(),
            };
            if unescaped.as_ref() != Some(&expected) {
                out.push(format!(
                    "compose.yaml: {at} reads as {seen:?}, the spec says {text:?}"
                ));
            }
        }
    }
    out
}
