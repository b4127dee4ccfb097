//! TLS a target cannot serve: each target takes its own certificate source from `[gateway.tls]`
//! (Compose a self-signed or provided pair, Kubernetes a Secret or cert-manager, ECS an ACM
//! certificate), and refuses to build a gateway without one rather than serve it over plain HTTP.

use crate::compile::Compiled;
use crate::diagnostics::{Code, Diagnostic};
use crate::model::Tls;

/// The refusal of `target` when the gateway has TLS but none of the sources it can use.
#[must_use]
pub fn missing_source(
    compiled: &Compiled,
    target: &str,
    usable: fn(&Tls) -> bool,
    hint: &str,
) -> Vec<Diagnostic> {
    let Some(tls) = compiled.model.gateway.as_ref().and_then(|g| g.tls.as_ref()) else {
        return Vec::new();
    };
    if usable(tls) {
        return Vec::new();
    }
    vec![
        Diagnostic::error(
            Code::InvalidTls,
            format!("the gateway has TLS but no certificate source {target} can use"),
        )
        .at(tls.span.clone(), format!("no certificate for {target}"))
        .help(hint.to_owned()),
    ]
}

#[must_use]
pub fn compose(compiled: &Compiled) -> Vec<Diagnostic> {
    missing_source(
        compiled,
        "Compose",
        |t| t.self_signed || t.secret.is_some(),
        "add `self_signed = true` (made by init-secrets.sh, for local use) or `secret = \"<name>\"` (your <name>.crt and <name>.key in compose/secrets/)",
    )
}

#[must_use]
pub fn kubernetes(compiled: &Compiled) -> Vec<Diagnostic> {
    missing_source(
        compiled,
        "Kubernetes",
        |t| t.secret.is_some() || t.issuer.is_some(),
        "add `secret = \"<name>\"` (a kubernetes.io/tls Secret in the namespace) or `issuer = \"<ClusterIssuer>\"` (cert-manager)",
    )
}

/// ECS: the load balancer's HTTPS listener is not built yet (issue 17). Refused, so a gateway that
/// asks for HTTPS is never deployed as plain HTTP.
#[must_use]
pub fn ecs(compiled: &Compiled) -> Vec<Diagnostic> {
    let Some(tls) = compiled.model.gateway.as_ref().and_then(|g| g.tls.as_ref()) else {
        return Vec::new();
    };
    vec![
        Diagnostic::error(
            Code::InvalidTls,
            "stackc cannot put TLS on the ECS load balancer yet: its gateway would be plain HTTP",
        )
        .at(tls.span.clone(), "TLS: Compose and Kubernetes only for now")
        .help("turn TLS off for the environment you deploy to ECS (`gateway.tls.enabled = false`) and terminate TLS in front of the load balancer, or deploy that environment to Kubernetes"),
    ]
}
