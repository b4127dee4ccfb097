//! Routes as Ingresses, and `NetworkPolicies` from the graph: default deny; each workload accepts its ports
//! only from what depends on it (and routed services from the ingress controller), reaches only what it
//! depends on, and resolves names through the cluster DNS.

use std::collections::BTreeMap;

use k8s_openapi::api::networking::v1::{
    HTTPIngressPath, HTTPIngressRuleValue, IPBlock, Ingress, IngressBackend, IngressRule,
    IngressServiceBackend, IngressSpec, IngressTLS, NetworkPolicy, NetworkPolicyEgressRule,
    NetworkPolicyIngressRule, NetworkPolicyPeer, NetworkPolicyPort, NetworkPolicySpec,
    ServiceBackendPort,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::{meta, selector};
use crate::compile::Compiled;
use crate::graph::NodeKind;
use crate::model::{Route, WorkloadKind};
use crate::targets::outputs::served_ports;
use crate::units::{Name, Port};

/// ingress-nginx annotations for CORS, when the gateway has CORS.
/// The TLS Secret of the gateway's Ingresses: the user's, or the one cert-manager issues into
/// (`<stack>-tls`).
fn tls_secret(compiled: &Compiled) -> Option<String> {
    let model = &compiled.model;
    let tls = model.gateway.as_ref()?.tls.as_ref()?;
    match (&tls.secret, &tls.issuer) {
        (Some(secret), _) => Some(secret.to_string()),
        (None, Some(_)) => Some(format!("{}-tls", model.name)),
        (None, None) => None,
    }
}

/// ingress-nginx redirects to HTTPS by default once an Ingress has TLS: said explicitly, as the spec
/// asks. cert-manager's issuer goes on one Ingress only (each would claim the same Certificate).
fn tls_annotations(compiled: &Compiled, first: bool) -> BTreeMap<String, String> {
    let Some(tls) = compiled.model.gateway.as_ref().and_then(|g| g.tls.as_ref()) else {
        return BTreeMap::new();
    };
    let mut out = BTreeMap::from([(
        "nginx.ingress.kubernetes.io/ssl-redirect".to_owned(),
        tls.redirect.to_string(),
    )]);
    if let Some(issuer) = tls.issuer.as_ref().filter(|_| first) {
        out.insert("cert-manager.io/cluster-issuer".to_owned(), issuer.clone());
    }
    out
}

fn cors_annotations(compiled: &Compiled) -> BTreeMap<String, String> {
    let Some(cors) = compiled
        .model
        .gateway
        .as_ref()
        .and_then(|g| g.cors.as_ref())
    else {
        return BTreeMap::new();
    };
    let p = "nginx.ingress.kubernetes.io/";
    let mut a = BTreeMap::from([
        (format!("{p}enable-cors"), "true".to_owned()),
        (format!("{p}cors-allow-origin"), cors.origins.join(", ")),
        (format!("{p}cors-allow-methods"), cors.methods.join(", ")),
        (
            format!("{p}cors-allow-credentials"),
            cors.credentials.to_string(),
        ),
        (
            format!("{p}cors-max-age"),
            cors.max_age
                .map_or(600, |d| d.as_millis() / 1000)
                .to_string(),
        ),
    ]);
    if !cors.headers.is_empty() {
        a.insert(format!("{p}cors-allow-headers"), cors.headers.join(", "));
    }
    a
}

/// One Ingress for the routes passed through unchanged; one per route whose prefix is stripped (the
/// rewrite annotation applies to a whole Ingress).
pub fn ingresses(compiled: &Compiled) -> Vec<Ingress> {
    let model = &compiled.model;
    let Some(gateway) = &model.gateway else {
        return Vec::new();
    };
    if model.targets.kubernetes.gateway.is_some() {
        return Vec::new(); // routed by an HTTPRoute instead
    }
    let make = |name: String,
                routes: Vec<(&Route, String, &str)>,
                extra: BTreeMap<String, String>,
                first: bool| {
        let paths = routes
            .into_iter()
            .map(|(route, path, kind)| HTTPIngressPath {
                path: Some(path),
                path_type: kind.to_owned(),
                backend: IngressBackend {
                    service: Some(IngressServiceBackend {
                        name: model
                            .targets
                            .kubernetes
                            .service_name(&route.service)
                            .to_string(),
                        port: Some(ServiceBackendPort {
                            number: model.services[&route.service]
                                .port
                                .map(|p| i32::from(p.get())),
                            ..ServiceBackendPort::default()
                        }),
                    }),
                    ..IngressBackend::default()
                },
            })
            .collect();
        let mut annotations = cors_annotations(compiled);
        annotations.extend(tls_annotations(compiled, first));
        annotations.extend(extra);
        let mut metadata = meta(model, &name, "gateway");
        metadata.annotations = (!annotations.is_empty()).then_some(annotations);
        Ingress {
            metadata,
            spec: Some(IngressSpec {
                ingress_class_name: model.targets.kubernetes.ingress_class.clone(),
                rules: Some(ingress_rules(&gateway.hosts, paths)),
                tls: tls_secret(compiled).map(|secret| {
                    vec![IngressTLS {
                        hosts: (!gateway.hosts.is_empty()).then(|| gateway.hosts.clone()),
                        secret_name: Some(secret),
                    }]
                }),
                ..IngressSpec::default()
            }),
            ..Ingress::default()
        }
    };
    let mut out = Vec::new();
    let plain: Vec<_> = model
        .routes
        .iter()
        .filter(|r| !r.strip_prefix || r.prefix == "/")
        .map(|r| (r, r.prefix.clone(), "Prefix"))
        .collect();
    if !plain.is_empty() {
        out.push(make(model.name.to_string(), plain, BTreeMap::new(), true));
    }
    let stripped: Vec<&Route> = model
        .routes
        .iter()
        .filter(|r| r.strip_prefix && r.prefix != "/")
        .collect();
    for &route in &stripped {
        let annotations = BTreeMap::from([
            (
                "nginx.ingress.kubernetes.io/use-regex".to_owned(),
                "true".to_owned(),
            ),
            (
                "nginx.ingress.kubernetes.io/rewrite-target".to_owned(),
                "/$2".to_owned(),
            ),
        ]);
        let path = format!("{}(/|$)(.*)", crate::targets::regex::escape(&route.prefix));
        // Two stripped routes to one service would make two Ingresses of one name (the last applied
        // wins): then each name also holds a hash of its prefix.
        let shared = stripped
            .iter()
            .filter(|r| r.service == route.service)
            .count()
            > 1;
        let name = if shared {
            format!(
                "{}-{}-{:08x}",
                model.name,
                route.service,
                fnv(&route.prefix)
            )
        } else {
            format!("{}-{}", model.name, route.service)
        };
        // The issuer goes on the first Ingress made: the plain one, or this when there is none.
        let first = out.is_empty();
        out.push(make(
            name,
            vec![(route, path, "ImplementationSpecific")],
            annotations,
            first,
        ));
    }
    out
}

/// FNV-1a: small and stable across releases, so that names do not change between builds.
fn fnv(text: &str) -> u32 {
    text.bytes().fold(0x811c_9dc5_u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    })
}

fn tcp(port: u16) -> NetworkPolicyPort {
    NetworkPolicyPort {
        port: Some(IntOrString::Int(i32::from(port))),
        protocol: Some("TCP".into()),
        ..NetworkPolicyPort::default()
    }
}

fn pods(compiled: &Compiled, name: &str) -> NetworkPolicyPeer {
    NetworkPolicyPeer {
        pod_selector: Some(LabelSelector {
            match_labels: Some(selector(&compiled.model, name)),
            ..LabelSelector::default()
        }),
        ..NetworkPolicyPeer::default()
    }
}

fn namespace(name: &str) -> LabelSelector {
    LabelSelector {
        match_labels: Some([("kubernetes.io/metadata.name".to_owned(), name.to_owned())].into()),
        ..LabelSelector::default()
    }
}

fn anywhere() -> NetworkPolicyPeer {
    NetworkPolicyPeer {
        ip_block: Some(IPBlock {
            cidr: "0.0.0.0/0".into(),
            ..IPBlock::default()
        }),
        ..NetworkPolicyPeer::default()
    }
}

/// The port cert-manager's HTTP-01 solver pods listen on.
const ACME_SOLVER_PORT: u16 = 8089;

pub fn network_policies(compiled: &Compiled) -> Vec<NetworkPolicy> {
    let model = &compiled.model;
    let policy = |name: &str,
                  pod_selector: LabelSelector,
                  ingress: Vec<NetworkPolicyIngressRule>,
                  egress: Vec<NetworkPolicyEgressRule>| NetworkPolicy {
        metadata: meta(model, name, "network-policy"),
        spec: Some(NetworkPolicySpec {
            pod_selector: Some(pod_selector),
            policy_types: Some(vec!["Ingress".into(), "Egress".into()]),
            ingress: (!ingress.is_empty()).then_some(ingress),
            egress: (!egress.is_empty()).then_some(egress),
        }),
    };
    let mut out = vec![
        policy(
            "stackc-default-deny",
            LabelSelector::default(),
            Vec::new(),
            Vec::new(),
        ),
        policy(
            "stackc-allow-dns",
            LabelSelector::default(),
            Vec::new(),
            vec![NetworkPolicyEgressRule {
                to: Some(vec![NetworkPolicyPeer {
                    namespace_selector: Some(namespace("kube-system")),
                    pod_selector: Some(LabelSelector {
                        match_labels: Some([("k8s-app".to_owned(), "kube-dns".to_owned())].into()),
                        ..LabelSelector::default()
                    }),
                    ..NetworkPolicyPeer::default()
                }]),
                ports: Some(vec![
                    NetworkPolicyPort {
                        port: Some(IntOrString::Int(53)),
                        protocol: Some("UDP".into()),
                        ..NetworkPolicyPort::default()
                    },
                    NetworkPolicyPort {
                        port: Some(IntOrString::Int(53)),
                        protocol: Some("TCP".into()),
                        ..NetworkPolicyPort::default()
                    },
                ]),
            }],
        ),
    ];
    // cert-manager answers ACME HTTP-01 challenges from solver pods it starts in this namespace,
    // reached through the ingress controller: without this, default-deny keeps the certificate from
    // ever being issued.
    if model
        .gateway
        .as_ref()
        .and_then(|g| g.tls.as_ref())
        .is_some_and(|t| t.issuer.is_some())
    {
        out.push(policy(
            "stackc-allow-acme-solver",
            LabelSelector {
                match_labels: Some(
                    [(
                        "acme.cert-manager.io/http01-solver".to_owned(),
                        "true".to_owned(),
                    )]
                    .into(),
                ),
                ..LabelSelector::default()
            },
            vec![NetworkPolicyIngressRule {
                from: Some(vec![NetworkPolicyPeer {
                    namespace_selector: Some(namespace(
                        &model.targets.kubernetes.ingress_namespace,
                    )),
                    ..NetworkPolicyPeer::default()
                }]),
                ports: Some(vec![tcp(ACME_SOLVER_PORT)]),
            }],
            Vec::new(),
        ));
    }
    let kinds: BTreeMap<&Name, NodeKind> =
        compiled.graph.nodes().map(|n| (&n.name, n.kind)).collect();
    for node in compiled.graph.nodes() {
        if !node.kind.runs() {
            continue;
        }
        let name = &node.name;
        let served = served_ports(&compiled.model, name);
        let mut ingress = Vec::new();
        let dependents: Vec<NetworkPolicyPeer> = compiled
            .graph
            .dependents(name)
            .into_iter()
            .map(|(d, _)| pods(compiled, d.as_str()))
            .collect();
        if !dependents.is_empty() && !served.is_empty() {
            ingress.push(NetworkPolicyIngressRule {
                from: Some(dependents),
                ports: Some(served.iter().map(|&p| tcp(p)).collect()),
            });
        }
        if model.is_routed(name) {
            let main = model.services[name]
                .port
                .map(Port::get)
                .into_iter()
                .map(tcp)
                .collect();
            ingress.push(NetworkPolicyIngressRule {
                from: Some(vec![NetworkPolicyPeer {
                    namespace_selector: Some(namespace(
                        &model.targets.kubernetes.ingress_namespace,
                    )),
                    ..NetworkPolicyPeer::default()
                }]),
                ports: Some(main),
            });
        }
        let mut egress = Vec::new();
        let mut api = false;
        for (target, _) in compiled.graph.dependencies(name) {
            match kinds[target] {
                NodeKind::Resource { external: true, .. } => {
                    // Outside the cluster, at an address only known at run time.
                    egress.push(NetworkPolicyEgressRule {
                        to: Some(vec![anywhere()]),
                        ports: None,
                    });
                }
                NodeKind::Workload(WorkloadKind::Job) => api = true,
                _ => {
                    let target_ports = served_ports(&compiled.model, target);
                    if target_ports.is_empty() {
                        api = true; // waited for through the API
                    } else {
                        egress.push(NetworkPolicyEgressRule {
                            to: Some(vec![pods(compiled, target.as_str())]),
                            ports: Some(target_ports.into_iter().map(tcp).collect()),
                        });
                    }
                }
            }
        }
        if api {
            // The waiting init container asks the API server, whose address the cluster decides.
            egress.push(NetworkPolicyEgressRule {
                to: Some(vec![anywhere()]),
                ports: Some(vec![tcp(443), tcp(6443)]),
            });
        }
        let pod_selector = LabelSelector {
            match_labels: Some(selector(model, name.as_str())),
            ..LabelSelector::default()
        };
        out.push(policy(name.as_str(), pod_selector, ingress, egress));
    }
    out
}

/// Gateway API `HTTPRoute` (`gateway.networking.k8s.io/v1`, a CRD: typed here, not in k8s-openapi).
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HttpRoute {
    api_version: &'static str,
    kind: &'static str,
    metadata: k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta,
    spec: HttpRouteSpec,
}

#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct HttpRouteSpec {
    parent_refs: Vec<ParentRef>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    hostnames: Vec<String>,
    rules: Vec<RouteRule>,
}

#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct ParentRef {
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    namespace: Option<String>,
    /// The Gateway listener the route attaches to (`http`/`https` with TLS): else every listener.
    #[serde(skip_serializing_if = "Option::is_none")]
    section_name: Option<&'static str>,
}

#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct RouteRule {
    matches: Vec<RouteMatch>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    filters: Vec<RouteFilter>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    backend_refs: Vec<BackendRef>,
}

#[derive(serde::Serialize)]
struct RouteMatch {
    path: PathMatch,
}

#[derive(serde::Serialize)]
struct PathMatch {
    #[serde(rename = "type")]
    kind: &'static str,
    value: String,
}

#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct RouteFilter {
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    url_rewrite: Option<UrlRewrite>,
    #[serde(skip_serializing_if = "Option::is_none")]
    request_redirect: Option<RequestRedirect>,
}

#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct RequestRedirect {
    scheme: &'static str,
    status_code: u16,
}

#[derive(serde::Serialize)]
struct UrlRewrite {
    path: PathModifier,
}

#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct PathModifier {
    #[serde(rename = "type")]
    kind: &'static str,
    replace_prefix_match: String,
}

#[derive(serde::Serialize)]
struct BackendRef {
    name: String,
    port: u16,
}

/// The Gateway listeners (by `sectionName`) the routes attach to when the gateway has TLS.
pub const HTTP_LISTENER: &str = "http";
pub const HTTPS_LISTENER: &str = "https";

/// The routes as one `HTTPRoute` (and, with TLS, one redirecting HTTP to HTTPS), when `[targets.kubernetes] gateway` names a Gateway.
#[must_use]
pub fn http_routes(compiled: &Compiled) -> Vec<HttpRoute> {
    let model = &compiled.model;
    let Some((gateway_name, gateway_namespace)) = model.targets.kubernetes.gateway.clone() else {
        return Vec::new();
    };
    let Some(gateway) = model.gateway.as_ref() else {
        return Vec::new();
    };
    let rules = model
        .routes
        .iter()
        .map(|route| RouteRule {
            matches: vec![RouteMatch {
                path: PathMatch {
                    kind: "PathPrefix",
                    value: route.prefix.clone(),
                },
            }],
            filters: if route.strip_prefix && route.prefix != "/" {
                vec![RouteFilter {
                    kind: "URLRewrite",
                    url_rewrite: Some(UrlRewrite {
                        path: PathModifier {
                            kind: "ReplacePrefixMatch",
                            replace_prefix_match: "/".into(),
                        },
                    }),
                    request_redirect: None,
                }]
            } else {
                Vec::new()
            },
            backend_refs: vec![BackendRef {
                name: model
                    .targets
                    .kubernetes
                    .service_name(&route.service)
                    .to_string(),
                port: model.services[&route.service].port.map_or(0, Port::get),
            }],
        })
        .collect();
    let tls = gateway.tls.as_ref();
    // With TLS the routes are served on the Gateway's `https` listener only, and its `http` listener
    // redirects (or serves them too, without `redirect`).
    let parent = |section: Option<&'static str>| ParentRef {
        name: gateway_name.clone(),
        namespace: gateway_namespace.clone(),
        section_name: section,
    };
    let hostnames: Vec<String> = gateway.hosts.clone();
    let mut out = vec![HttpRoute {
        api_version: "gateway.networking.k8s.io/v1",
        kind: "HTTPRoute",
        metadata: meta(model, model.name.as_str(), "gateway"),
        spec: HttpRouteSpec {
            parent_refs: vec![parent(tls.filter(|t| t.redirect).map(|_| HTTPS_LISTENER))],
            hostnames: hostnames.clone(),
            rules,
        },
    }];
    if tls.is_some_and(|t| t.redirect) {
        out.push(HttpRoute {
            api_version: "gateway.networking.k8s.io/v1",
            kind: "HTTPRoute",
            metadata: meta(model, &format!("{}-https-redirect", model.name), "gateway"),
            spec: HttpRouteSpec {
                parent_refs: vec![parent(Some(HTTP_LISTENER))],
                hostnames,
                rules: vec![RouteRule {
                    matches: vec![RouteMatch {
                        path: PathMatch {
                            kind: "PathPrefix",
                            value: "/".into(),
                        },
                    }],
                    filters: vec![RouteFilter {
                        kind: "RequestRedirect",
                        url_rewrite: None,
                        request_redirect: Some(RequestRedirect {
                            scheme: "https",
                            status_code: 301,
                        }),
                    }],
                    backend_refs: Vec::new(),
                }],
            },
        });
    }
    out
}

/// One Ingress rule per host, each with every path (an Ingress rule matches one host); without
/// hosts, one rule for any host.
fn ingress_rules(hosts: &[String], paths: Vec<HTTPIngressPath>) -> Vec<IngressRule> {
    if hosts.is_empty() {
        return vec![IngressRule {
            host: None,
            http: Some(HTTPIngressRuleValue { paths }),
        }];
    }
    hosts
        .iter()
        .map(|host| IngressRule {
            host: Some(host.clone()),
            http: Some(HTTPIngressRuleValue {
                paths: paths.clone(),
            }),
        })
        .collect()
}
