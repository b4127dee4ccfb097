//! Load balancer documents (`load-balancer.json`) to `ELBv2` SDK values, and live ones back into
//! the documents' shape.

use crate::targets::ecs::HSTS_ATTRIBUTE;
use aws_sdk_elasticloadbalancingv2::types as t;
use serde_json::{Map, Value, json};

use super::json::{list_of, str_of, strings_of, tags_of};

pub fn tags(doc: &Value) -> Vec<t::Tag> {
    tags_of(doc, "Tags")
        .into_iter()
        .map(|(k, v)| t::Tag::builder().key(k).value(v).build())
        .collect()
}

pub fn actions(doc: &Value, key: &str) -> Vec<t::Action> {
    list_of(doc, key)
        .iter()
        .map(|a| {
            let fixed = a.get("FixedResponseConfig").map(|f| {
                t::FixedResponseActionConfig::builder()
                    .set_status_code(str_of(f, "StatusCode"))
                    .set_content_type(str_of(f, "ContentType"))
                    .set_message_body(str_of(f, "MessageBody"))
                    .build()
            });
            let redirect = a.get("RedirectConfig").map(|r| {
                t::RedirectActionConfig::builder()
                    .set_protocol(str_of(r, "Protocol"))
                    .set_port(str_of(r, "Port"))
                    .set_host(str_of(r, "Host"))
                    .set_path(str_of(r, "Path"))
                    .set_query(str_of(r, "Query"))
                    .set_status_code(
                        str_of(r, "StatusCode")
                            .map(|s| t::RedirectActionStatusCodeEnum::from(s.as_str())),
                    )
                    .build()
            });
            t::Action::builder()
                .set_type(str_of(a, "Type").map(|s| t::ActionTypeEnum::from(s.as_str())))
                .set_target_group_arn(str_of(a, "TargetGroupArn"))
                .set_fixed_response_config(fixed)
                .set_redirect_config(redirect)
                .build()
        })
        .collect()
}

pub fn conditions(doc: &Value) -> Vec<t::RuleCondition> {
    list_of(doc, "Conditions")
        .iter()
        .map(|c| {
            let values = |key: &str| c.get(key).and_then(|v| strings_of(v, "Values"));
            t::RuleCondition::builder()
                .set_field(str_of(c, "Field"))
                .set_path_pattern_config(values("PathPatternConfig").map(|v| {
                    t::PathPatternConditionConfig::builder()
                        .set_values(Some(v))
                        .build()
                }))
                .set_host_header_config(values("HostHeaderConfig").map(|v| {
                    t::HostHeaderConditionConfig::builder()
                        .set_values(Some(v))
                        .build()
                }))
                .build()
        })
        .collect()
}

pub fn transforms(doc: &Value) -> Option<Vec<t::RuleTransform>> {
    let list = list_of(doc, "Transforms");
    if list.is_empty() {
        return None;
    }
    list.iter()
        .map(|tr| {
            let rewrites = tr.get("UrlRewriteConfig").map(|u| {
                list_of(u, "Rewrites")
                    .iter()
                    .map(|r| {
                        t::RewriteConfig::builder()
                            .set_regex(str_of(r, "Regex"))
                            .set_replace(str_of(r, "Replace"))
                            .build()
                    })
                    .collect::<Vec<_>>()
            });
            t::RuleTransform::builder()
                .set_type(str_of(tr, "Type").map(|s| t::TransformTypeEnum::from(s.as_str())))
                .set_url_rewrite_config(
                    rewrites.map(|r| t::UrlRewriteConfig::builder().set_rewrites(Some(r)).build()),
                )
                .build()
        })
        .collect::<Vec<_>>()
        .into()
}

fn action_view(a: &t::Action) -> Value {
    let mut m = Map::new();
    m.insert(
        "Type".into(),
        a.r#type().map(t::ActionTypeEnum::as_str).into(),
    );
    if let Some(arn) = a.target_group_arn() {
        m.insert("TargetGroupArn".into(), arn.into());
    }
    if let Some(f) = a.fixed_response_config() {
        m.insert(
            "FixedResponseConfig".into(),
            json!({"StatusCode": f.status_code(), "ContentType": f.content_type(), "MessageBody": f.message_body()}),
        );
    }
    if let Some(r) = a.redirect_config() {
        m.insert(
            "RedirectConfig".into(),
            json!({
                "Protocol": r.protocol(),
                "Port": r.port(),
                "Host": r.host(),
                "Path": r.path(),
                "Query": r.query(),
                "StatusCode": r.status_code().map(t::RedirectActionStatusCodeEnum::as_str),
            }),
        );
    }
    Value::Object(m)
}

/// A listener's certificates, as `CreateListener` and `ModifyListener` take them.
pub fn certificates(doc: &Value) -> Option<Vec<t::Certificate>> {
    let list = list_of(doc, "Certificates");
    (!list.is_empty()).then(|| {
        list.iter()
            .map(|c| {
                t::Certificate::builder()
                    .set_certificate_arn(str_of(c, "CertificateArn"))
                    .build()
            })
            .collect()
    })
}

/// The listener attributes stackc sets (HSTS), as `ModifyListenerAttributes` takes them.
pub fn listener_attributes(doc: &Value) -> Vec<t::ListenerAttribute> {
    list_of(doc, "Attributes")
        .iter()
        .map(|a| {
            t::ListenerAttribute::builder()
                .set_key(str_of(a, "Key"))
                .set_value(str_of(a, "Value"))
                .build()
        })
        .collect()
}

/// Adds to a listener's view the attributes stackc manages that are set (a response header AWS
/// does not add has the empty value).
pub fn add_attributes(view: &mut Value, attributes: &[t::ListenerAttribute]) {
    let set: Vec<Value> = attributes
        .iter()
        .filter(|a| a.key() == Some(HSTS_ATTRIBUTE) && a.value().is_some_and(|v| !v.is_empty()))
        .map(|a| json!({"Key": a.key(), "Value": a.value()}))
        .collect();
    if !set.is_empty() {
        view["Attributes"] = set.into();
    }
}

/// The compared fields of a rule: priority, conditions, actions, transforms.
pub fn rule_view(r: &t::Rule) -> Value {
    let conditions: Vec<Value> = r
        .conditions()
        .iter()
        .map(|c| {
            let mut m = Map::new();
            m.insert("Field".into(), c.field().into());
            if let Some(p) = c.path_pattern_config() {
                m.insert("PathPatternConfig".into(), json!({"Values": p.values()}));
            }
            if let Some(h) = c.host_header_config() {
                m.insert("HostHeaderConfig".into(), json!({"Values": h.values()}));
            }
            Value::Object(m)
        })
        .collect();
    let mut m = Map::new();
    m.insert(
        "Priority".into(),
        r.priority()
            .and_then(|p| p.parse::<i64>().ok())
            .map_or(Value::Null, Value::from),
    );
    m.insert("Conditions".into(), conditions.into());
    m.insert(
        "Actions".into(),
        r.actions()
            .iter()
            .map(action_view)
            .collect::<Vec<_>>()
            .into(),
    );
    let transforms: Vec<Value> = r
        .transforms()
        .iter()
        .map(|tr| {
            let rewrites: Vec<Value> = tr
                .url_rewrite_config()
                .map(|u| {
                    u.rewrites()
                        .iter()
                        .map(|w| json!({"Regex": w.regex(), "Replace": w.replace()}))
                        .collect()
                })
                .unwrap_or_default();
            json!({"Type": tr.r#type().map(t::TransformTypeEnum::as_str), "UrlRewriteConfig": {"Rewrites": rewrites}})
        })
        .collect();
    if !transforms.is_empty() {
        m.insert("Transforms".into(), transforms.into());
    }
    Value::Object(m)
}

pub fn rule_doc_view(doc: &Value) -> Value {
    pick(doc, &["Priority", "Conditions", "Actions", "Transforms"])
}

/// The target group fields `ModifyTargetGroup` can change, and those it cannot.
pub const TARGET_GROUP_MUTABLE: [&str; 7] = [
    "HealthCheckProtocol",
    "HealthCheckPath",
    "HealthCheckIntervalSeconds",
    "HealthCheckTimeoutSeconds",
    "HealthyThresholdCount",
    "UnhealthyThresholdCount",
    "Matcher",
];
pub const TARGET_GROUP_FIXED: [&str; 4] = ["Protocol", "Port", "VpcId", "TargetType"];

pub fn target_group_view(g: &t::TargetGroup) -> Value {
    json!({
        "Protocol": g.protocol().map(t::ProtocolEnum::as_str),
        "Port": g.port(),
        "VpcId": g.vpc_id(),
        "TargetType": g.target_type().map(t::TargetTypeEnum::as_str),
        "HealthCheckProtocol": g.health_check_protocol().map(t::ProtocolEnum::as_str),
        "HealthCheckPath": g.health_check_path(),
        "HealthCheckIntervalSeconds": g.health_check_interval_seconds(),
        "HealthCheckTimeoutSeconds": g.health_check_timeout_seconds(),
        "HealthyThresholdCount": g.healthy_threshold_count(),
        "UnhealthyThresholdCount": g.unhealthy_threshold_count(),
        "Matcher": {"HttpCode": g.matcher().and_then(t::Matcher::http_code)},
    })
}

pub fn target_group_doc_view(doc: &Value) -> Value {
    let mut keys: Vec<&str> = TARGET_GROUP_FIXED.to_vec();
    keys.extend(TARGET_GROUP_MUTABLE);
    pick(doc, &keys)
}

pub fn listener_view(l: &t::Listener) -> Value {
    let mut view = json!({
        "Protocol": l.protocol().map(t::ProtocolEnum::as_str),
        "Port": l.port(),
        "DefaultActions": l.default_actions().iter().map(action_view).collect::<Vec<_>>(),
    });
    // An HTTP listener has neither (moto reports a default policy on every listener).
    if l.protocol() != Some(&t::ProtocolEnum::Https) {
        return view;
    }
    let certificates: Vec<Value> = l
        .certificates()
        .iter()
        .map(|c| json!({"CertificateArn": c.certificate_arn()}))
        .collect();
    if !certificates.is_empty() {
        view["Certificates"] = certificates.into();
    }
    if let Some(policy) = l.ssl_policy() {
        view["SslPolicy"] = policy.into();
    }
    view
}

pub fn listener_doc_view(doc: &Value) -> Value {
    pick(
        doc,
        &[
            "Protocol",
            "Port",
            "Certificates",
            "SslPolicy",
            "DefaultActions",
            "Attributes",
        ],
    )
}

pub fn load_balancer_view(lb: &t::LoadBalancer) -> Value {
    let subnets: Vec<&str> = lb
        .availability_zones()
        .iter()
        .filter_map(t::AvailabilityZone::subnet_id)
        .collect();
    json!({
        "Scheme": lb.scheme().map(t::LoadBalancerSchemeEnum::as_str),
        "Type": lb.r#type().map(t::LoadBalancerTypeEnum::as_str),
        "Subnets": subnets,
        "SecurityGroups": lb.security_groups(),
    })
}

pub fn load_balancer_doc_view(doc: &Value) -> Value {
    pick(doc, &["Scheme", "Type", "Subnets", "SecurityGroups"])
}

/// Sorts the set-valued lists of a load balancer view (after ids became names).
pub fn sort_sets(view: &mut Value) {
    for key in ["Subnets", "SecurityGroups"] {
        if let Some(Value::Array(items)) = view.get_mut(key) {
            items.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
        }
    }
}

fn pick(doc: &Value, keys: &[&str]) -> Value {
    let mut m = Map::new();
    for key in keys {
        if let Some(v) = doc.get(*key) {
            m.insert((*key).to_owned(), v.clone());
        }
    }
    Value::Object(m)
}
