//! The network around the tasks: one security group per task family and for the load balancer, whose
//! rules allow exactly the graph's edges; the Application Load Balancer with a target group and a
//! listener rule per route.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use super::taskdef::Adjusted;
use super::types::AwsTag;
use super::{Ecs, NameKind, placeholder};
use crate::compile::Compiled;
use crate::graph::NodeKind;
use crate::model::{Gateway, Workload, WorkloadKind};
use crate::targets::outputs::served_ports;
use crate::units::Port;

/// The security group of the load balancer.
pub const ALB: &str = "alb";

#[derive(Serialize)]
pub struct SecurityGroups {
    pub groups: Vec<SecurityGroup>,
}

#[derive(Serialize)]
pub struct SecurityGroup {
    /// Which task family (or `alb`) the group belongs to.
    pub owner: String,
    /// EC2 `CreateSecurityGroup` input.
    pub create: CreateSecurityGroup,
    /// EC2 `AuthorizeSecurityGroupIngress` input; absent when nothing may connect.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ingress: Option<AuthorizeIngress>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateSecurityGroup {
    pub group_name: String,
    pub description: String,
    pub vpc_id: String,
    pub tag_specifications: Vec<TagSpecification>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TagSpecification {
    pub resource_type: &'static str,
    pub tags: Vec<AwsTag>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AuthorizeIngress {
    pub group_id: String,
    pub ip_permissions: Vec<IpPermission>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct IpPermission {
    pub ip_protocol: &'static str,
    pub from_port: u16,
    pub to_port: u16,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ip_ranges: Vec<IpRange>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub user_id_group_pairs: Vec<GroupPair>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct IpRange {
    pub cidr_ip: String,
    pub description: String,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GroupPair {
    pub group_id: String,
    pub description: String,
}

pub fn security_groups(ecs: &Ecs, compiled: &Compiled) -> SecurityGroups {
    let model = &compiled.model;
    let mut groups = Vec::new();
    let tagged = |owner: &str| {
        vec![TagSpecification {
            resource_type: "security-group",
            tags: ecs.aws_tags(&format!("security-group/{owner}")),
        }]
    };
    let create = |owner: &str, what: String| CreateSecurityGroup {
        group_name: ecs.name(NameKind::SecurityGroup(owner)),
        description: format!("stackc {}: {what}", model.deployment.name),
        vpc_id: placeholder("vpc"),
        tag_specifications: tagged(owner),
    };
    if let Some(gateway) = &model.gateway {
        groups.push(SecurityGroup {
            owner: ALB.into(),
            create: create(ALB, "the load balancer".into()),
            ingress: Some(AuthorizeIngress {
                group_id: placeholder(&format!("security-group:{ALB}")),
                ip_permissions: client_ports(gateway)
                    .into_iter()
                    .map(|port| IpPermission {
                        ip_protocol: "tcp",
                        from_port: port,
                        to_port: port,
                        ip_ranges: vec![IpRange {
                            cidr_ip: "0.0.0.0/0".into(),
                            description: "clients of the gateway".into(),
                        }],
                        user_id_group_pairs: Vec::new(),
                    })
                    .collect(),
            }),
        });
    }
    for node in compiled.graph.nodes().filter(|n| n.kind.runs()) {
        let name = &node.name;
        // Who may connect: everything that depends on it, on every port; the load balancer on the
        // routed (main) port only.
        let dependents: Vec<(String, String)> = compiled
            .graph
            .dependents(name)
            .into_iter()
            .map(|(d, _)| (d.to_string(), format!("from {d}")))
            .collect();
        let main_port = model.services.get(name).and_then(|s| s.port).map(Port::get);
        let permissions: Vec<IpPermission> = served_ports(model, name)
            .into_iter()
            .filter_map(|port| {
                let mut sources = dependents.clone();
                if model.is_routed(name) && Some(port) == main_port {
                    sources.insert(0, (ALB.into(), "from the load balancer".into()));
                }
                (!sources.is_empty()).then(|| IpPermission {
                    ip_protocol: "tcp",
                    from_port: port,
                    to_port: port,
                    ip_ranges: Vec::new(),
                    user_id_group_pairs: sources
                        .into_iter()
                        .map(|(owner, why)| GroupPair {
                            group_id: placeholder(&format!("security-group:{owner}")),
                            description: why,
                        })
                        .collect(),
                })
            })
            .collect();
        let what = match node.kind {
            NodeKind::Workload(WorkloadKind::Service) => format!("service {name}"),
            NodeKind::Workload(WorkloadKind::Job) => format!("job {name}"),
            NodeKind::Resource { kind, .. } => format!("{kind} {name}"),
        };
        groups.push(SecurityGroup {
            owner: name.to_string(),
            create: create(name.as_str(), what),
            ingress: (!permissions.is_empty()).then(|| AuthorizeIngress {
                group_id: placeholder(&format!("security-group:{name}")),
                ip_permissions: permissions,
            }),
        });
    }
    let efs_users = super::efs::users(model);
    if !efs_users.is_empty() {
        let owner = super::efs::OWNER;
        groups.push(SecurityGroup {
            owner: owner.into(),
            create: create(owner, "EFS mount targets".into()),
            ingress: Some(AuthorizeIngress {
                group_id: placeholder(&format!("security-group:{owner}")),
                ip_permissions: vec![IpPermission {
                    ip_protocol: "tcp",
                    from_port: 2049,
                    to_port: 2049,
                    ip_ranges: Vec::new(),
                    user_id_group_pairs: efs_users
                        .keys()
                        .map(|user| GroupPair {
                            group_id: placeholder(&format!("security-group:{user}")),
                            description: format!("NFS from {user}"),
                        })
                        .collect(),
                }],
            }),
        });
    }
    SecurityGroups { groups }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LoadBalancer {
    /// `ELBv2` `CreateLoadBalancer` input.
    pub load_balancer: CreateLoadBalancer,
    /// `ELBv2` `CreateListener` input: the listener the routes' rules are on (HTTPS with TLS).
    pub listener: CreateListener,
    /// With TLS, the HTTP listener that redirects every request to HTTPS.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redirect_listener: Option<CreateListener>,
    /// With HSTS: the HTTPS listener's response header.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listener_attributes: Option<ModifyListenerAttributes>,
    /// `ELBv2` `CreateTargetGroup` inputs, one per routed service.
    pub target_groups: BTreeMap<String, CreateTargetGroup>,
    /// `ELBv2` `CreateRule` inputs, longest prefix first.
    pub rules: Vec<CreateRule>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateLoadBalancer {
    pub name: String,
    pub subnets: Vec<String>,
    pub security_groups: Vec<String>,
    pub scheme: &'static str,
    #[serde(rename = "Type")]
    pub kind: &'static str,
    pub ip_address_type: &'static str,
    pub tags: Vec<AwsTag>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateListener {
    pub load_balancer_arn: String,
    pub protocol: &'static str,
    pub port: u16,
    /// HTTPS: the ACM certificate.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub certificates: Vec<Certificate>,
    /// HTTPS: which protocols and ciphers the listener accepts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ssl_policy: Option<&'static str>,
    pub default_actions: Vec<Action>,
    pub tags: Vec<AwsTag>,
}

/// `ELBv2` `ModifyListenerAttributes` input, once the listener exists.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ModifyListenerAttributes {
    pub listener_arn: String,
    pub attributes: Vec<ListenerAttribute>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Certificate {
    pub certificate_arn: String,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListenerAttribute {
    pub key: &'static str,
    pub value: String,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Action {
    #[serde(rename = "Type")]
    pub kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_group_arn: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fixed_response_config: Option<FixedResponse>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redirect_config: Option<Redirect>,
}

/// Where a redirect sends the request: every part written out (`#{host}` keeps the request's), so
/// that what AWS reports back reads the same.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Redirect {
    pub protocol: &'static str,
    pub port: String,
    pub host: &'static str,
    pub path: &'static str,
    pub query: &'static str,
    pub status_code: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct FixedResponse {
    pub status_code: &'static str,
    pub content_type: &'static str,
    pub message_body: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateTargetGroup {
    pub name: String,
    pub protocol: &'static str,
    pub port: u16,
    pub vpc_id: String,
    pub target_type: &'static str,
    pub health_check_protocol: &'static str,
    pub health_check_path: String,
    pub health_check_interval_seconds: u32,
    pub health_check_timeout_seconds: u32,
    pub healthy_threshold_count: u32,
    pub unhealthy_threshold_count: u32,
    pub matcher: Matcher,
    pub tags: Vec<AwsTag>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Matcher {
    pub http_code: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateRule {
    pub listener_arn: String,
    pub priority: u32,
    pub conditions: Vec<Condition>,
    pub actions: Vec<Action>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub transforms: Vec<Transform>,
    pub tags: Vec<AwsTag>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Condition {
    pub field: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path_pattern_config: Option<Values>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host_header_config: Option<Values>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Values {
    pub values: Vec<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Transform {
    #[serde(rename = "Type")]
    pub kind: &'static str,
    pub url_rewrite_config: UrlRewrite,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct UrlRewrite {
    pub rewrites: Vec<Rewrite>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Rewrite {
    pub regex: String,
    pub replace: String,
}

/// A routed service's HTTP health check as its target group checks it (interval, timeout): ELB takes
/// 5 to 300 s between checks and 2 to 120 s for an answer, less than the interval.
fn target_group_health(service: &Workload) -> Option<(String, [Adjusted; 2])> {
    let h = service.health.as_ref()?;
    let crate::model::Probe::Http { path, .. } = &h.probe else {
        return None;
    };
    let interval = Adjusted::seconds("interval", h.interval, (5, 300));
    let timeout = Adjusted::seconds(
        "timeout",
        h.timeout,
        (2, interval.used.saturating_sub(1).clamp(2, 120)),
    );
    Some((path.clone(), [interval, timeout]))
}

/// Every health-check value the target groups do not take as the spec says.
pub fn health_notes(compiled: &Compiled) -> Vec<String> {
    let model = &compiled.model;
    let mut notes = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for route in &model.routes {
        if !seen.insert(&route.service) {
            continue;
        }
        if let Some((_, values)) = target_group_health(&model.services[&route.service]) {
            let who = format!("service `{}`", route.service);
            notes.extend(
                values
                    .iter()
                    .filter(|a| a.changed)
                    .map(|a| a.note(&who, "its load balancer target group")),
            );
        }
    }
    notes
}

/// A route as an ELB tag value, which holds letters, digits, spaces and `+ - = . _ : / @` only: any
/// other character of a route (`~ $ & '`) is written `=XX` (its hex code; `=` itself is never in a
/// route, so distinct routes keep distinct tags). A tag value holds 256 characters: a route whose
/// escaped form would not fit (with `rule/` and a host-set suffix) is named by its SHA-256 instead
/// (`=sha-…`: `s` is not a hex digit, so no escaped route reads the same).
fn tag_value(route: &str) -> String {
    let escaped = escape_tag(route);
    if escaped.len() > 240 {
        format!(
            "=sha-{}",
            &crate::output::manifest::sha256(route.as_bytes())[..32]
        )
    } else {
        escaped
    }
}

fn escape_tag(route: &str) -> String {
    route.chars().fold(String::new(), |mut out, c| {
        if c.is_ascii_alphanumeric() || "+-._:/@".contains(c) {
            out.push(c);
        } else {
            let mut utf8 = [0; 4];
            for b in c.encode_utf8(&mut utf8).bytes() {
                let _ = write!(out, "={b:02X}");
            }
        }
        out
    })
}

pub fn load_balancer(ecs: &Ecs, compiled: &Compiled) -> Option<LoadBalancer> {
    let model = &compiled.model;
    let gateway = model.gateway.as_ref()?;
    let tags = |what: &str| ecs.aws_tags(what);
    let mut target_groups = BTreeMap::new();
    for route in &model.routes {
        let service = &model.services[&route.service];
        let port = service.port.map_or(0, Port::get);
        let (path, interval, timeout) = match target_group_health(service) {
            Some((path, [interval, timeout])) => (path, interval.used, timeout.used),
            None => ("/".to_owned(), 30, 5),
        };
        target_groups.insert(
            route.service.to_string(),
            CreateTargetGroup {
                name: ecs.name(NameKind::TargetGroup(route.service.as_str())),
                protocol: "HTTP",
                port,
                vpc_id: placeholder("vpc"),
                target_type: "ip",
                health_check_protocol: "HTTP",
                health_check_path: path,
                health_check_interval_seconds: interval,
                health_check_timeout_seconds: timeout,
                healthy_threshold_count: 2,
                unhealthy_threshold_count: 3,
                matcher: Matcher {
                    http_code: "200-399",
                },
                tags: tags(&format!("target-group/{}", route.service)),
            },
        );
    }
    // A host-header condition matches at most three names: more hosts take more rules.
    let host_sets: Vec<&[String]> = if gateway.hosts.is_empty() {
        vec![&[]]
    } else {
        gateway.hosts.chunks(MAX_HOSTS_PER_RULE).collect()
    };
    let rules = model
        .routes
        .iter()
        .flat_map(|route| {
            host_sets
                .iter()
                .enumerate()
                .map(move |(i, hosts)| (route, i, *hosts))
        })
        .zip(1..)
        .map(|((route, set, hosts), priority)| {
            let patterns = if route.prefix == "/" {
                vec!["/*".to_owned()]
            } else {
                vec![route.prefix.clone(), format!("{}/*", route.prefix)]
            };
            let mut conditions = vec![Condition {
                field: "path-pattern",
                path_pattern_config: Some(Values { values: patterns }),
                host_header_config: None,
            }];
            if !hosts.is_empty() {
                conditions.push(Condition {
                    field: "host-header",
                    path_pattern_config: None,
                    host_header_config: Some(Values {
                        values: hosts.to_vec(),
                    }),
                });
            }
            let transforms = if route.strip_prefix && route.prefix != "/" {
                vec![Transform {
                    kind: "url-rewrite",
                    url_rewrite_config: UrlRewrite {
                        rewrites: vec![Rewrite {
                            regex: format!(
                                "^{}/?(.*)$",
                                crate::targets::regex::escape(&route.prefix)
                            ),
                            replace: "/$1".into(),
                        }],
                    },
                }]
            } else {
                Vec::new()
            };
            // The first rule of a route keeps the name it had before hosts were lists; a space
            // never occurs in `tag_value`'s output, so the suffix cannot name another route.
            let resource = match set {
                0 => format!("rule/{}", tag_value(&route.prefix)),
                n => format!("rule/{} hosts-{}", tag_value(&route.prefix), n + 1),
            };
            CreateRule {
                listener_arn: placeholder("listener"),
                priority,
                conditions,
                actions: vec![Action {
                    kind: "forward",
                    target_group_arn: Some(placeholder(&format!("target-group:{}", route.service))),
                    fixed_response_config: None,
                    redirect_config: None,
                }],
                transforms,
                tags: tags(&resource),
            }
        })
        .collect();
    Some(LoadBalancer {
        load_balancer: CreateLoadBalancer {
            name: ecs.name(NameKind::LoadBalancer),
            subnets: ecs.subnets(),
            security_groups: vec![placeholder(&format!("security-group:{ALB}"))],
            scheme: "internet-facing",
            kind: "application",
            ip_address_type: "ipv4",
            tags: tags("load-balancer"),
        },
        listener: main_listener(ecs, gateway),
        redirect_listener: redirect_listener(ecs, gateway),
        listener_attributes: listener_attributes(gateway),
        target_groups,
        rules,
    })
}

/// The ports clients reach the load balancer on: the gateway's, and with TLS its HTTPS port.
fn client_ports(gateway: &Gateway) -> Vec<u16> {
    let mut ports = vec![gateway.port.get()];
    if let Some(tls) = gateway.tls.as_ref().filter(|t| t.certificate_arn.is_some()) {
        ports.push(tls.port.get());
    }
    ports
}

/// ELB: "up to three match evaluations per condition" (and five per rule: two path patterns and
/// three hosts fit).
pub const MAX_HOSTS_PER_RULE: usize = 3;

/// The TLS policy of the HTTPS listener: TLS 1.3 and 1.2 with forward-secret ciphers only, AWS's
/// recommended policy.
pub const SSL_POLICY: &str = "ELBSecurityPolicy-TLS13-1-2-2021-06";

/// The listener attribute that makes the load balancer send `Strict-Transport-Security`.
pub const HSTS_ATTRIBUTE: &str = "routing.http.response.strict_transport_security.header_value";

/// The listener the routes' rules are on: HTTPS on the TLS port with the ACM certificate when the
/// gateway has TLS (the ECS target refuses TLS without `certificate_arn`), else HTTP on the gateway's
/// port. Unrouted requests get a 404.
fn main_listener(ecs: &Ecs, gateway: &Gateway) -> CreateListener {
    let https = gateway
        .tls
        .as_ref()
        .and_then(|tls| tls.certificate_arn.as_ref().map(|arn| (tls, arn)));
    CreateListener {
        load_balancer_arn: placeholder("load-balancer"),
        protocol: if https.is_some() { "HTTPS" } else { "HTTP" },
        port: https.map_or(gateway.port, |(tls, _)| tls.port).get(),
        certificates: https
            .iter()
            .map(|(_, arn)| Certificate {
                certificate_arn: (*arn).clone(),
            })
            .collect(),
        ssl_policy: https.is_some().then_some(SSL_POLICY),
        default_actions: vec![Action {
            kind: "fixed-response",
            target_group_arn: None,
            fixed_response_config: Some(FixedResponse {
                status_code: "404",
                content_type: "text/plain",
                message_body: "no route",
            }),
            redirect_config: None,
        }],
        tags: ecs.aws_tags("listener"),
    }
}

/// HSTS on the HTTPS listener: the load balancer adds the header to every response.
fn listener_attributes(gateway: &Gateway) -> Option<ModifyListenerAttributes> {
    let tls = gateway
        .tls
        .as_ref()
        .filter(|t| t.certificate_arn.is_some())?;
    let max_age = tls.hsts?;
    Some(ModifyListenerAttributes {
        listener_arn: placeholder("listener"),
        attributes: vec![ListenerAttribute {
            key: HSTS_ATTRIBUTE,
            value: format!("max-age={}", max_age.as_secs_ceil()),
        }],
    })
}

/// With TLS: HTTP on the gateway's port answers every request with a 301 to the same URL over HTTPS.
fn redirect_listener(ecs: &Ecs, gateway: &Gateway) -> Option<CreateListener> {
    let tls = gateway
        .tls
        .as_ref()
        .filter(|t| t.certificate_arn.is_some())?;
    Some(CreateListener {
        load_balancer_arn: placeholder("load-balancer"),
        protocol: "HTTP",
        port: gateway.port.get(),
        certificates: Vec::new(),
        ssl_policy: None,
        default_actions: vec![Action {
            kind: "redirect",
            target_group_arn: None,
            fixed_response_config: None,
            redirect_config: Some(Redirect {
                protocol: "HTTPS",
                port: tls.port.to_string(),
                host: "#{host}",
                path: "/#{path}",
                query: "#{query}",
                status_code: "HTTP_301",
            }),
        }],
        tags: ecs.aws_tags(REDIRECT_LISTENER),
    })
}

/// The resource tag of the HTTP listener that redirects to HTTPS.
pub const REDIRECT_LISTENER: &str = "listener/redirect";
