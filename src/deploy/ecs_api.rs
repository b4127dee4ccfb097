//! ECS documents to SDK calls, and ECS's answers back into the documents' shape (for diffs).

use aws_sdk_ecs::types as t;
use serde_json::{Map, Value, json};

use super::json::{bool_of, int_of, list_of, str_of, strings_of, tags_of};

type Built<T> = Result<T, String>;

fn built<T>(r: Result<T, aws_smithy_types::error::operation::BuildError>) -> Built<T> {
    r.map_err(|e| e.to_string())
}

pub fn tags(doc: &Value) -> Vec<t::Tag> {
    tags_of(doc, "tags")
        .into_iter()
        .map(|(k, v)| t::Tag::builder().key(k).value(v).build())
        .collect()
}

fn container(c: &Value) -> Built<t::ContainerDefinition> {
    let mut b = t::ContainerDefinition::builder()
        .set_name(str_of(c, "name"))
        .set_image(str_of(c, "image"))
        .set_essential(bool_of(c, "essential"))
        .set_command(strings_of(c, "command"))
        .set_cpu(int_of(c, "cpu"))
        .set_memory(int_of(c, "memory"))
        .set_user(str_of(c, "user"));
    for p in list_of(c, "portMappings") {
        b = b.port_mappings(
            t::PortMapping::builder()
                .set_name(str_of(p, "name"))
                .set_container_port(int_of(p, "containerPort"))
                .set_protocol(str_of(p, "protocol").map(|s| t::TransportProtocol::from(s.as_str())))
                .set_app_protocol(
                    str_of(p, "appProtocol").map(|s| t::ApplicationProtocol::from(s.as_str())),
                )
                .build(),
        );
    }
    for e in list_of(c, "environment") {
        b = b.environment(
            t::KeyValuePair::builder()
                .set_name(str_of(e, "name"))
                .set_value(str_of(e, "value"))
                .build(),
        );
    }
    for s in list_of(c, "secrets") {
        b = b.secrets(built(
            t::Secret::builder()
                .set_name(str_of(s, "name"))
                .set_value_from(str_of(s, "valueFrom"))
                .build(),
        )?);
    }
    for m in list_of(c, "mountPoints") {
        b = b.mount_points(
            t::MountPoint::builder()
                .set_source_volume(str_of(m, "sourceVolume"))
                .set_container_path(str_of(m, "containerPath"))
                .set_read_only(bool_of(m, "readOnly"))
                .build(),
        );
    }
    for d in list_of(c, "dependsOn") {
        b = b.depends_on(built(
            t::ContainerDependency::builder()
                .set_container_name(str_of(d, "containerName"))
                .set_condition(
                    str_of(d, "condition").map(|s| t::ContainerCondition::from(s.as_str())),
                )
                .build(),
        )?);
    }
    if let Some(h) = c.get("healthCheck") {
        b = b.health_check(built(
            t::HealthCheck::builder()
                .set_command(strings_of(h, "command"))
                .set_interval(int_of(h, "interval"))
                .set_timeout(int_of(h, "timeout"))
                .set_retries(int_of(h, "retries"))
                .set_start_period(int_of(h, "startPeriod"))
                .build(),
        )?);
    }
    if let Some(l) = c.get("logConfiguration") {
        let options = l.get("options").and_then(Value::as_object).map(|o| {
            o.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
                .collect()
        });
        b = b.log_configuration(built(
            t::LogConfiguration::builder()
                .set_log_driver(str_of(l, "logDriver").map(|s| t::LogDriver::from(s.as_str())))
                .set_options(options)
                .build(),
        )?);
    }
    if let Some(p) = c.get("linuxParameters") {
        let drop = p.get("capabilities").and_then(|c| strings_of(c, "drop"));
        b = b.linux_parameters(
            t::LinuxParameters::builder()
                .set_init_process_enabled(bool_of(p, "initProcessEnabled"))
                .capabilities(t::KernelCapabilities::builder().set_drop(drop).build())
                .build(),
        );
    }
    for s in list_of(c, "systemControls") {
        b = b.system_controls(
            t::SystemControl::builder()
                .set_namespace(str_of(s, "namespace"))
                .set_value(str_of(s, "value"))
                .build(),
        );
    }
    Ok(b.build())
}

fn volume(v: &Value) -> Built<t::Volume> {
    let mut b = t::Volume::builder().set_name(str_of(v, "name"));
    if let Some(e) = v.get("efsVolumeConfiguration") {
        let auth = e.get("authorizationConfig").map(|a| {
            t::EfsAuthorizationConfig::builder()
                .set_access_point_id(str_of(a, "accessPointId"))
                .set_iam(str_of(a, "iam").map(|s| t::EfsAuthorizationConfigIam::from(s.as_str())))
                .build()
        });
        b = b.efs_volume_configuration(built(
            t::EfsVolumeConfiguration::builder()
                .set_file_system_id(str_of(e, "fileSystemId"))
                .set_root_directory(str_of(e, "rootDirectory"))
                .set_transit_encryption(
                    str_of(e, "transitEncryption")
                        .map(|s| t::EfsTransitEncryption::from(s.as_str())),
                )
                .set_authorization_config(auth)
                .build(),
        )?);
    }
    Ok(b.build())
}

/// `RegisterTaskDefinition` from its document, with `extra` tags (the digest).
pub fn register(
    client: &aws_sdk_ecs::Client,
    doc: &Value,
    extra: Vec<t::Tag>,
) -> Built<
    aws_sdk_ecs::operation::register_task_definition::builders::RegisterTaskDefinitionFluentBuilder,
> {
    let mut b = client
        .register_task_definition()
        .set_family(str_of(doc, "family"))
        .set_task_role_arn(str_of(doc, "taskRoleArn"))
        .set_execution_role_arn(str_of(doc, "executionRoleArn"))
        .set_network_mode(str_of(doc, "networkMode").map(|s| t::NetworkMode::from(s.as_str())))
        .set_requires_compatibilities(strings_of(doc, "requiresCompatibilities").map(|v| {
            v.iter()
                .map(|s| t::Compatibility::from(s.as_str()))
                .collect()
        }))
        .set_cpu(str_of(doc, "cpu"))
        .set_memory(str_of(doc, "memory"));
    if let Some(p) = doc.get("runtimePlatform") {
        b = b.runtime_platform(
            t::RuntimePlatform::builder()
                .set_cpu_architecture(
                    str_of(p, "cpuArchitecture").map(|s| t::CpuArchitecture::from(s.as_str())),
                )
                .set_operating_system_family(
                    str_of(p, "operatingSystemFamily").map(|s| t::OsFamily::from(s.as_str())),
                )
                .build(),
        );
    }
    for c in list_of(doc, "containerDefinitions") {
        b = b.container_definitions(container(c)?);
    }
    for v in list_of(doc, "volumes") {
        b = b.volumes(volume(v)?);
    }
    let mut all = tags(doc);
    all.extend(extra);
    Ok(b.set_tags(Some(all)))
}

fn opt<T: Into<Value>>(map: &mut Map<String, Value>, key: &str, value: Option<T>) {
    if let Some(v) = value {
        map.insert(key.to_owned(), v.into());
    }
}

fn strs(v: &[String]) -> Option<Vec<Value>> {
    (!v.is_empty()).then(|| v.iter().cloned().map(Value::from).collect())
}

/// A registered task definition in its document's shape: only the fields stackc sets, so the
/// defaults AWS adds are no difference.
pub fn task_definition_view(td: &t::TaskDefinition) -> Value {
    let mut doc = Map::new();
    opt(&mut doc, "family", td.family());
    opt(&mut doc, "taskRoleArn", td.task_role_arn());
    opt(&mut doc, "executionRoleArn", td.execution_role_arn());
    opt(
        &mut doc,
        "networkMode",
        td.network_mode().map(t::NetworkMode::as_str),
    );
    let compat: Vec<String> = td
        .requires_compatibilities()
        .iter()
        .map(|c| c.as_str().to_owned())
        .collect();
    opt(&mut doc, "requiresCompatibilities", strs(&compat));
    opt(&mut doc, "cpu", td.cpu());
    opt(&mut doc, "memory", td.memory());
    if let Some(p) = td.runtime_platform() {
        let mut m = Map::new();
        opt(
            &mut m,
            "cpuArchitecture",
            p.cpu_architecture().map(t::CpuArchitecture::as_str),
        );
        opt(
            &mut m,
            "operatingSystemFamily",
            p.operating_system_family().map(t::OsFamily::as_str),
        );
        doc.insert("runtimePlatform".into(), Value::Object(m));
    }
    let containers: Vec<Value> = td
        .container_definitions()
        .iter()
        .map(container_view)
        .collect();
    opt(
        &mut doc,
        "containerDefinitions",
        (!containers.is_empty()).then_some(containers),
    );
    let volumes: Vec<Value> = td
        .volumes()
        .iter()
        .map(|v| {
            let mut m = Map::new();
            opt(&mut m, "name", v.name());
            if let Some(e) = v.efs_volume_configuration() {
                let mut em = Map::new();
                em.insert("fileSystemId".into(), e.file_system_id().into());
                opt(
                    &mut em,
                    "rootDirectory",
                    e.root_directory().filter(|d| *d != "/"),
                );
                opt(
                    &mut em,
                    "transitEncryption",
                    e.transit_encryption().map(t::EfsTransitEncryption::as_str),
                );
                if let Some(a) = e.authorization_config() {
                    let mut am = Map::new();
                    opt(&mut am, "accessPointId", a.access_point_id());
                    opt(
                        &mut am,
                        "iam",
                        a.iam().map(t::EfsAuthorizationConfigIam::as_str),
                    );
                    em.insert("authorizationConfig".into(), Value::Object(am));
                }
                m.insert("efsVolumeConfiguration".into(), Value::Object(em));
            }
            Value::Object(m)
        })
        .collect();
    opt(
        &mut doc,
        "volumes",
        (!volumes.is_empty()).then_some(volumes),
    );
    Value::Object(doc)
}

fn container_view(c: &t::ContainerDefinition) -> Value {
    let mut m = Map::new();
    opt(&mut m, "name", c.name());
    opt(&mut m, "image", c.image());
    opt(&mut m, "essential", c.essential());
    opt(&mut m, "command", strs(c.command()));
    opt(&mut m, "cpu", (c.cpu() != 0).then_some(c.cpu()));
    opt(&mut m, "memory", c.memory());
    opt(&mut m, "user", c.user());
    let ports: Vec<Value> = c
        .port_mappings()
        .iter()
        .map(|p| {
            let mut pm = Map::new();
            opt(&mut pm, "name", p.name());
            opt(&mut pm, "containerPort", p.container_port());
            opt(
                &mut pm,
                "protocol",
                p.protocol().map(t::TransportProtocol::as_str),
            );
            opt(
                &mut pm,
                "appProtocol",
                p.app_protocol().map(t::ApplicationProtocol::as_str),
            );
            Value::Object(pm)
        })
        .collect();
    opt(&mut m, "portMappings", (!ports.is_empty()).then_some(ports));
    let pairs = |items: Vec<(Option<&str>, Option<&str>)>, value_key: &str| -> Option<Vec<Value>> {
        (!items.is_empty()).then(|| {
            items
                .into_iter()
                .map(|(n, v)| json!({"name": n, value_key: v}))
                .collect()
        })
    };
    opt(
        &mut m,
        "environment",
        pairs(
            c.environment()
                .iter()
                .map(|e| (e.name(), e.value()))
                .collect(),
            "value",
        ),
    );
    opt(
        &mut m,
        "secrets",
        pairs(
            c.secrets()
                .iter()
                .map(|s| (Some(s.name()), Some(s.value_from())))
                .collect(),
            "valueFrom",
        ),
    );
    let mounts: Vec<Value> = c
        .mount_points()
        .iter()
        .map(|p| json!({"sourceVolume": p.source_volume(), "containerPath": p.container_path(), "readOnly": p.read_only()}))
        .collect();
    opt(
        &mut m,
        "mountPoints",
        (!mounts.is_empty()).then_some(mounts),
    );
    let deps: Vec<Value> = c
        .depends_on()
        .iter()
        .map(|d| json!({"containerName": d.container_name(), "condition": d.condition().as_str()}))
        .collect();
    opt(&mut m, "dependsOn", (!deps.is_empty()).then_some(deps));
    if let Some(h) = c.health_check() {
        m.insert(
            "healthCheck".into(),
            json!({"command": h.command(), "interval": h.interval(), "timeout": h.timeout(), "retries": h.retries(), "startPeriod": h.start_period()}),
        );
    }
    if let Some(l) = c.log_configuration() {
        let options: Map<String, Value> = l
            .options()
            .map(|o| {
                o.iter()
                    .map(|(k, v)| (k.clone(), Value::from(v.clone())))
                    .collect()
            })
            .unwrap_or_default();
        m.insert(
            "logConfiguration".into(),
            json!({"logDriver": l.log_driver().as_str(), "options": options}),
        );
    }
    if let Some(p) = c.linux_parameters() {
        let mut lp = Map::new();
        opt(&mut lp, "initProcessEnabled", p.init_process_enabled());
        if let Some(caps) = p.capabilities() {
            lp.insert("capabilities".into(), json!({"drop": caps.drop()}));
        }
        m.insert("linuxParameters".into(), Value::Object(lp));
    }
    let controls: Vec<Value> = c
        .system_controls()
        .iter()
        .map(|s| json!({"namespace": s.namespace(), "value": s.value()}))
        .collect();
    opt(
        &mut m,
        "systemControls",
        (!controls.is_empty()).then_some(controls),
    );
    Value::Object(m)
}

pub fn network(doc: &Value) -> Built<t::NetworkConfiguration> {
    let vpc = &doc["networkConfiguration"]["awsvpcConfiguration"];
    Ok(t::NetworkConfiguration::builder()
        .awsvpc_configuration(built(
            t::AwsVpcConfiguration::builder()
                .set_subnets(strings_of(vpc, "subnets"))
                .set_security_groups(strings_of(vpc, "securityGroups"))
                .set_assign_public_ip(
                    str_of(vpc, "assignPublicIp").map(|s| t::AssignPublicIp::from(s.as_str())),
                )
                .build(),
        )?)
        .build())
}

pub fn load_balancers(doc: &Value) -> Vec<t::LoadBalancer> {
    list_of(doc, "loadBalancers")
        .iter()
        .map(|l| {
            t::LoadBalancer::builder()
                .set_target_group_arn(str_of(l, "targetGroupArn"))
                .set_container_name(str_of(l, "containerName"))
                .set_container_port(int_of(l, "containerPort"))
                .build()
        })
        .collect()
}

pub fn deployment(doc: &Value) -> t::DeploymentConfiguration {
    let d = &doc["deploymentConfiguration"];
    let cb = &d["deploymentCircuitBreaker"];
    t::DeploymentConfiguration::builder()
        .deployment_circuit_breaker(
            t::DeploymentCircuitBreaker::builder()
                .enable(bool_of(cb, "enable").unwrap_or(true))
                .rollback(bool_of(cb, "rollback").unwrap_or(true))
                .build(),
        )
        .set_maximum_percent(int_of(d, "maximumPercent"))
        .set_minimum_healthy_percent(int_of(d, "minimumHealthyPercent"))
        .build()
}

pub fn service_connect(doc: &Value) -> Built<Option<t::ServiceConnectConfiguration>> {
    let Some(sc) = doc.get("serviceConnectConfiguration") else {
        return Ok(None);
    };
    let mut b = t::ServiceConnectConfiguration::builder()
        .enabled(bool_of(sc, "enabled").unwrap_or(true))
        .set_namespace(str_of(sc, "namespace"));
    for s in list_of(sc, "services") {
        let mut sb = t::ServiceConnectService::builder()
            .set_port_name(str_of(s, "portName"))
            .set_discovery_name(str_of(s, "discoveryName"));
        for a in list_of(s, "clientAliases") {
            sb = sb.client_aliases(built(
                t::ServiceConnectClientAlias::builder()
                    .set_port(int_of(a, "port"))
                    .set_dns_name(str_of(a, "dnsName"))
                    .build(),
            )?);
        }
        b = b.services(built(sb.build())?);
    }
    Ok(Some(b.build()))
}

/// The fields of a service `apply` keeps in line with the document (`UpdateService` can change them).
pub const SERVICE_FIELDS: [&str; 5] = [
    "desiredCount",
    "loadBalancers",
    "networkConfiguration",
    "deploymentConfiguration",
    "healthCheckGracePeriodSeconds",
];

/// A live service in its document's shape, limited to [`SERVICE_FIELDS`].
pub fn service_view(s: &t::Service) -> Value {
    let mut m = Map::new();
    m.insert("desiredCount".into(), s.desired_count().into());
    let lbs: Vec<Value> = s
        .load_balancers()
        .iter()
        .map(|l| json!({"targetGroupArn": l.target_group_arn(), "containerName": l.container_name(), "containerPort": l.container_port()}))
        .collect();
    opt(&mut m, "loadBalancers", (!lbs.is_empty()).then_some(lbs));
    if let Some(vpc) = s
        .network_configuration()
        .and_then(|n| n.awsvpc_configuration())
    {
        m.insert(
            "networkConfiguration".into(),
            json!({"awsvpcConfiguration": {"subnets": vpc.subnets(), "securityGroups": vpc.security_groups(), "assignPublicIp": vpc.assign_public_ip().map(t::AssignPublicIp::as_str)}}),
        );
    }
    if let Some(d) = s.deployment_configuration() {
        let mut dm = Map::new();
        if let Some(cb) = d.deployment_circuit_breaker() {
            dm.insert(
                "deploymentCircuitBreaker".into(),
                json!({"enable": cb.enable(), "rollback": cb.rollback()}),
            );
        }
        opt(&mut dm, "maximumPercent", d.maximum_percent());
        opt(
            &mut dm,
            "minimumHealthyPercent",
            d.minimum_healthy_percent(),
        );
        m.insert("deploymentConfiguration".into(), Value::Object(dm));
    }
    opt(
        &mut m,
        "healthCheckGracePeriodSeconds",
        s.health_check_grace_period_seconds(),
    );
    Value::Object(m)
}

/// The document's [`SERVICE_FIELDS`].
pub fn service_doc_view(doc: &Value) -> Value {
    let mut m = Map::new();
    for key in SERVICE_FIELDS {
        if let Some(v) = doc.get(key) {
            m.insert(key.to_owned(), v.clone());
        }
    }
    Value::Object(m)
}

/// Subnets and security groups are sets: sorted (after ids became names) so order is no change.
pub fn sort_sets(view: &mut Value) {
    if let Some(vpc) = view
        .get_mut("networkConfiguration")
        .and_then(|n| n.get_mut("awsvpcConfiguration"))
    {
        for key in ["subnets", "securityGroups"] {
            if let Some(Value::Array(items)) = vpc.get_mut(key) {
                items.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
            }
        }
    }
}
