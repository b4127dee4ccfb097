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

/// A secret of a workload with the name a TLS file has: both would be one file (Compose) or one
/// Secret that cert-manager overwrites (Kubernetes).
fn taken(compiled: &Compiled, target: &str, names: &[String]) -> Vec<Diagnostic> {
    let Some(tls) = compiled.model.gateway.as_ref().and_then(|g| g.tls.as_ref()) else {
        return Vec::new();
    };
    compiled
        .model
        .workloads()
        .flat_map(|w| w.secrets.iter().map(move |s| (w, s)))
        .filter(|(_, s)| names.iter().any(|n| n == s.as_str()))
        .map(|(w, s)| {
            Diagnostic::error(
                Code::InvalidTls,
                format!(
                    "{} uses the secret `{s}`, which is also the gateway's TLS {target} secret",
                    w.label()
                ),
            )
            .at(tls.span.clone(), "the gateway's certificate")
            .help("name the TLS `secret` differently from the secrets your services read")
        })
        .collect()
}

#[must_use]
pub fn compose(compiled: &Compiled) -> Vec<Diagnostic> {
    let files = compiled
        .model
        .gateway
        .as_ref()
        .and_then(crate::targets::compose::gateway::tls_files)
        .map(|f| vec![f.certificate, f.key])
        .unwrap_or_default();
    let mut out = taken(compiled, "Compose", &files);
    out.extend(missing_source(
        compiled,
        "Compose",
        |t| t.self_signed || t.secret.is_some(),
        "add `self_signed = true` (made by init-secrets.sh, for local use) or `secret = \"<name>\"` (your <name>.crt and <name>.key in compose/secrets/)",
    ));
    out
}

#[must_use]
pub fn kubernetes(compiled: &Compiled) -> Vec<Diagnostic> {
    let mut out = missing_source(
        compiled,
        "Kubernetes",
        |t| t.secret.is_some() || t.issuer.is_some(),
        "add `secret = \"<name>\"` (a kubernetes.io/tls Secret in the namespace) or `issuer = \"<ClusterIssuer>\"` (cert-manager)",
    );
    let gateway = compiled.model.gateway.as_ref();
    // cert-manager writes the Secret it issues: no workload may read one of that name.
    if let Some(tls) = gateway.and_then(|g| g.tls.as_ref())
        && tls.issuer.is_some()
    {
        let issued = tls.secret.as_ref().map_or_else(
            || format!("{}-tls", compiled.model.name),
            ToString::to_string,
        );
        out.extend(taken(compiled, "Kubernetes", &[issued]));
    }
    if let Some(tls) = gateway.and_then(|g| g.tls.as_ref())
        && tls.issuer.is_some()
        && gateway.is_some_and(|g| g.hosts.is_empty())
    {
        out.push(
            Diagnostic::error(
                Code::InvalidTls,
                "cert-manager issues certificates for host names: `issuer` needs `[gateway] host`",
            )
            .at(tls.span.clone(), "an issuer without a host")
            .help("set `[gateway] host = \"app.example.com\"` (cert-manager skips an Ingress TLS entry without hosts), or give a `secret` you provide"),
        );
    }
    out
}

/// ECS: the load balancer's HTTPS listener serves an ACM certificate. Its HTTP listener only
/// redirects (the rules are on one listener), so `redirect = false` — HTTP served like HTTPS, as
/// Compose does — is refused rather than deployed differently.
#[must_use]
pub fn ecs(compiled: &Compiled) -> Vec<Diagnostic> {
    let Some(tls) = compiled.model.gateway.as_ref().and_then(|g| g.tls.as_ref()) else {
        return Vec::new();
    };
    let mut out = missing_source(
        compiled,
        "ECS",
        |t| t.certificate_arn.is_some(),
        "the load balancer serves an ACM certificate: add `certificate_arn = \"arn:aws:acm:<region>:<account>:certificate/<id>\"`, or turn TLS off for the environment you deploy to ECS (`gateway.tls.enabled = false`)",
    );
    // ACM certificates are regional: the load balancer can only serve one from its own region.
    let region = compiled
        .model
        .targets
        .ecs
        .as_ref()
        .and_then(|e| e.region.as_deref());
    if let (Some(arn), Some(region)) = (&tls.certificate_arn, region)
        && let Some(theirs) = crate::model::resolve::checks::acm_certificate_region(arn)
        && theirs != region
    {
        out.push(
            Diagnostic::error(
                Code::InvalidTls,
                format!("the ACM certificate is in {theirs}, the ECS deployment in {region}"),
            )
            .at(tls.span.clone(), "a certificate from another region")
            .help(format!("a load balancer serves certificates of its own region only: request or import the certificate in {region}, and use that ARN")),
        );
    }
    if out.is_empty() && !tls.redirect {
        out.push(
            Diagnostic::error(
                Code::InvalidTls,
                "ECS serves plain HTTP only as a redirect to HTTPS: `redirect = false` is not supported there",
            )
            .at(tls.span.clone(), "HTTP and HTTPS both served")
            .help("remove `redirect = false` for the environment you deploy to ECS (its load balancer then answers HTTP with a 301 to HTTPS)"),
        );
    }
    out
}
