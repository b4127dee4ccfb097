//! Secrets in Compose: every secret value is a compose secret read from a file, never a literal in
//! compose.yaml. `init-secrets.sh` generates the credentials of resources the stack runs, derives the
//! values built from them, and lists the secrets only the user can supply.

use serde::Serialize;

use crate::targets::outputs::{Resolved, SecretLedger};
use crate::targets::templates;

/// The `init-secrets.sh` script for the ledger's secrets, if there are any.
pub fn script(
    ledger: &SecretLedger,
    tls: Option<&super::gateway::TlsFiles>,
    spec_file: &str,
) -> Option<String> {
    if ledger.names().is_empty() && tls.is_none() {
        return None;
    }
    // The self-signed certificate's names, as openssl's `subjectAltName` (one shell word).
    let certificate = tls.map(|t| Certificate {
        certificate: crate::targets::shell::word(&t.certificate),
        key: crate::targets::shell::word(&t.key),
        self_signed: t.self_signed,
        // A subject's CN has at most 64 characters; clients match the names of the SAN anyway.
        subject: crate::targets::shell::word(&format!(
            "/CN={}",
            if t.hosts[0].len() <= 64 {
                t.hosts[0].as_str()
            } else {
                "stackc gateway"
            }
        )),
        names: crate::targets::shell::word(
            &t.hosts
                .iter()
                .map(|h| format!("DNS:{h}"))
                .chain(std::iter::once("IP:127.0.0.1".to_owned()))
                .collect::<Vec<_>>()
                .join(","),
        ),
    });
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
            tls => minijinja::Value::from(minijinja::value::Serde(&certificate)),
        },
    ))
}

#[derive(Serialize)]
struct Certificate {
    certificate: String,
    key: String,
    self_signed: bool,
    subject: String,
    names: String,
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
