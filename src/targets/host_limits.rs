//! Host names a target cannot route: an ALB host condition takes names with a `.` and letters
//! after the last one, up to 128 characters; a Gateway API `HTTPRoute` takes at most 16 hostnames.

use crate::compile::Compiled;
use crate::diagnostics::{Code, Diagnostic};

/// ALB: "A-Z, a-z, 0-9, - . * ?; at least one `.`; only alphabetical characters after the final
/// `.`; at most 128 characters" (`HostHeaderConditionConfig`).
#[must_use]
pub fn ecs(compiled: &Compiled) -> Vec<Diagnostic> {
    let Some(gateway) = &compiled.model.gateway else {
        return Vec::new();
    };
    gateway
        .hosts
        .iter()
        .filter(|h| {
            let tld = h.rsplit_once('.').map(|(_, t)| t);
            h.len() > 128 || !tld.is_some_and(|t| !t.is_empty() && t.chars().all(|c| c.is_ascii_alphabetic()))
        })
        .map(|h| {
            Diagnostic::error(
                Code::InvalidGateway,
                format!("the load balancer cannot route the host `{h}`"),
            )
            .at(gateway.hosts_span.clone().unwrap_or(0..0), "a host an ALB condition refuses")
            .help("an ALB host condition takes names with a `.`, only letters after the last `.` (no IDN `xn--` top-level domains) and at most 128 characters: use such a name for the environment you deploy to ECS")
        })
        .collect()
}

/// Gateway API: an `HTTPRoute` lists at most 16 hostnames.
#[must_use]
pub fn gateway_api(compiled: &Compiled) -> Vec<Diagnostic> {
    let model = &compiled.model;
    let Some(gateway) = &model.gateway else {
        return Vec::new();
    };
    if model.targets.kubernetes.gateway.is_none() || gateway.hosts.len() <= 16 {
        return Vec::new();
    }
    vec![
        Diagnostic::error(
            Code::InvalidGateway,
            format!(
                "an HTTPRoute takes at most 16 hostnames; the gateway has {}",
                gateway.hosts.len()
            ),
        )
        .at(gateway.hosts_span.clone().unwrap_or(0..0), "too many hosts for Gateway API")
        .help("use a wildcard (`*.example.com`) for a family of names, or the Ingress (leave `gateway` out of [targets.kubernetes])"),
    ]
}
