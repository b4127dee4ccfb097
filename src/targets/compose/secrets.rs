//! Secrets in Compose: every secret value is a compose secret read from a file, never a literal in
//! compose.yaml. `init-secrets.sh` generates the credentials of resources the stack runs, derives the
//! values built from them, and lists the secrets only the user can supply.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::model::{Model, Resource};
use crate::targets::outputs::{
    ByName, Resolved, SecretOrigin, password_secret, secret_origin, secrets_in,
};
use crate::targets::templates;

/// The secrets a compose file uses, by how they come to exist.
#[derive(Debug, Default)]
pub struct SecretPlan {
    /// Random credentials created once.
    generated: BTreeSet<String>,
    /// Values assembled from literal text and other secrets, in dependency order (URLs, then env values).
    derived: BTreeMap<(u8, String), Vec<Resolved>>,
    /// Secrets only the user knows.
    required: BTreeSet<String>,
}

impl SecretPlan {
    /// A resource's password.
    pub fn password(&mut self, resource: &Resource) -> String {
        let name = password_secret(resource);
        self.generated.insert(name.clone());
        name
    }

    /// A secret the user supplies.
    pub fn require(&mut self, name: &str) {
        self.required.insert(name.to_owned());
    }

    /// Registers what a resolved secret needs to exist: a resource's password is generated, its URL
    /// derived from it, anything else is the user's.
    pub fn use_secret(&mut self, name: &str, model: &Model) {
        match secret_origin(model, &ByName, name) {
            SecretOrigin::Generated => {
                self.generated.insert(name.to_owned());
            }
            SecretOrigin::Derived(parts) => {
                for s in secrets_in(&parts) {
                    self.generated.insert(s.to_owned());
                }
                self.derived.insert((0, name.to_owned()), parts);
            }
            SecretOrigin::User => self.require(name),
        }
    }

    /// A value mixing text and secrets, stored as a secret of its own.
    pub fn derive(&mut self, name: &str, parts: Vec<Resolved>) {
        self.derived.insert((1, name.to_owned()), parts);
    }

    /// Every secret name the file declares.
    pub fn names(&self) -> BTreeSet<String> {
        let derived = self.derived.keys().map(|(_, n)| n.clone());
        self.generated
            .iter()
            .cloned()
            .chain(derived)
            .chain(self.required.iter().cloned())
            .collect()
    }

    /// The `init-secrets.sh` script, if there are secrets at all.
    pub fn script(&self, spec_file: &str) -> Option<String> {
        if self.names().is_empty() {
            return None;
        }
        let derived: Vec<Derived> = self
            .derived
            .iter()
            .map(|((_, name), parts)| Derived {
                name: name.clone(),
                parts: shell_parts(parts),
            })
            .collect();
        Some(templates::render(
            "init-secrets.sh.j2",
            minijinja::context! {
                spec_file,
                generated => minijinja::Value::from(minijinja::value::Serde(&self.generated)),
                derived => minijinja::Value::from(minijinja::value::Serde(&derived)),
                required => minijinja::Value::from(minijinja::value::Serde(&self.required)),
            },
        ))
    }
}

#[derive(Serialize)]
struct Derived {
    name: String,
    parts: String,
}

/// The parts as `printf '%s'` arguments: text single-quoted, secrets read from their files.
fn shell_parts(parts: &[Resolved]) -> String {
    let text: Vec<String> = parts
        .iter()
        .map(|p| match p {
            Resolved::Text(t) => format!("'{}'", t.replace('\'', r"'\''")),
            Resolved::Secret(s) => format!("\"$(cat \"$dir/{s}\")\""),
        })
        .collect();
    // One argument for `%s` with several parts: join them into a single word.
    text.join("")
}
