//! Secrets in Compose: every secret value is a compose secret read from a file, never a literal in
//! compose.yaml. `init-secrets.sh` generates the credentials of resources the stack runs, derives the
//! values built from them, and lists the secrets only the user can supply.

use serde::Serialize;

use crate::targets::outputs::{Resolved, SecretLedger};
use crate::targets::templates;

/// The `init-secrets.sh` script for the ledger's secrets, if there are any.
pub fn script(ledger: &SecretLedger, spec_file: &str) -> Option<String> {
    if ledger.names().is_empty() {
        return None;
    }
    let derived: Vec<Derived> = ledger
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
            generated => minijinja::Value::from(minijinja::value::Serde(&ledger.generated)),
            derived => minijinja::Value::from(minijinja::value::Serde(&derived)),
            required => minijinja::Value::from(minijinja::value::Serde(&ledger.user)),
        },
    ))
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
            Resolved::Text(t) => crate::targets::shell::word(t),
            Resolved::Secret(s) => format!("\"$(cat \"$dir/{s}\")\""),
        })
        .collect();
    // One argument for `%s` with several parts: join them into a single word.
    text.join("")
}
