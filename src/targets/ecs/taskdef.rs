//! Task definitions and services of workloads and resources.

use std::collections::BTreeSet;

use serde::Serialize;

use super::types::{
    AwsVpc, Capabilities, CircuitBreaker, ClientAlias, ContainerDefinition, ContainerDependency,
    DeploymentConfiguration, EfsAuthorization, EfsVolume, HealthCheck, KeyValue, LinuxParameters,
    LoadBalancerRef, LogConfiguration, MountPoint, NetworkConfiguration, PortMapping,
    RuntimePlatform, Secret, Service, ServiceConnect, ServiceConnectService, SystemControl,
    TaskDefinition, Volume,
};
use super::{Ecs, NameKind, configs, fargate, placeholder};
use crate::compile::Compiled;
use crate::model::{Health, ImageSource, Resource, Workload, WorkloadKind};
use crate::targets::outputs::{
    ByName, EnvSource, Resolved, SecretLedger, env_source, resource_port,
};
use crate::targets::{engines, images, probe};
use crate::units::{ByteSize, MilliCpu, Port};

/// A task family: its definition, and its service unless it runs once.
pub struct Task {
    pub definition: TaskDefinition,
    pub service: Option<Service>,
}

#[derive(Serialize)]
struct ParameterDoc {
    name: String,
    /// `generated`: random, created once by apply; `derived`: assembled by apply from `from`;
    /// `user`: you write it (`aws ssm put-parameter --type SecureString`).
    source: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    from: Vec<String>,
}

/// The SSM parameters the stack's secrets live in, and how each comes to exist.
pub fn parameters(ledger: &SecretLedger, ecs: &Ecs) -> Vec<impl Serialize> {
    let mut out = Vec::new();
    for name in &ledger.generated {
        out.push(ParameterDoc {
            name: ecs.parameter_name(name),
            source: "generated",
            from: Vec::new(),
        });
    }
    for ((_, name), parts) in &ledger.derived {
        let from = parts
            .iter()
            .map(|p| match p {
                Resolved::Text(t) => t.clone(),
                Resolved::Secret(s) => format!("{{{{{}}}}}", ecs.parameter_name(s)),
            })
            .collect();
        out.push(ParameterDoc {
            name: ecs.parameter_name(name),
            source: "derived",
            from,
        });
    }
    for name in &ledger.user {
        out.push(ParameterDoc {
            name: ecs.parameter_name(name),
            source: "user",
            from: Vec::new(),
        });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

const PROBE_CONTAINER: &str = "stackc-probe";
const PROBE_VOLUME: &str = "stackc-probe";
const DEFAULT_CPU: u32 = 256;
const DEFAULT_MEMORY: u32 = 512;

pub fn workload(
    ecs: &Ecs,
    compiled: &Compiled,
    w: &Workload,
    parameters: &mut SecretLedger,
) -> Task {
    let model = &compiled.model;
    let built = crate::targets::compose::stackc_built(w);
    let image = match &w.source {
        ImageSource::Image(image) => image.clone(),
        ImageSource::Build(_) => format!(
            "{}/{}/{}:{}",
            ecs.settings
                .registry
                .as_deref()
                .unwrap_or("{{stackc:registry}}"),
            ecs.stack,
            w.name,
            ecs.settings.image_tag
        ),
    };
    let mut environment = Vec::new();
    let mut secrets = Vec::new();
    for (var, value) in &w.env {
        let source = env_source(model, &ByName, &w.name, var.as_str(), value);
        if let EnvSource::Literal(value) = &source {
            environment.push(KeyValue {
                name: var.to_string(),
                value: value.clone(),
            });
        }
        let Some(secret) = parameters.env(model, &ByName, source) else {
            continue;
        };
        secrets.push(Secret {
            name: var.to_string(),
            value_from: ecs.parameter_arn(&secret),
        });
    }
    for s in &w.secrets {
        parameters.user.insert(s.to_string());
        secrets.push(Secret {
            name: s.env_var(),
            value_from: ecs.parameter_arn(s.as_str()),
        });
    }
    secrets.sort_by(|a, b| a.name.cmp(&b.name));

    let needs_probe = !built && w.health.as_ref().is_some_and(probe::needs_probe);
    let mut volumes: Vec<Volume> = w
        .volume_mounts()
        .map(|(_, v, _)| v)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .map(|v| efs_volume(v.as_str()))
        .collect();
    let mut mount_points: Vec<MountPoint> = w
        .volume_mounts()
        .map(|(path, v, read_only)| MountPoint {
            source_volume: v.to_string(),
            container_path: path.to_owned(),
            read_only,
        })
        .collect();
    let mut containers = Vec::new();
    let mut depends_on = Vec::new();
    if needs_probe {
        // Images stackc did not build get the busybox probe from a container that runs first.
        containers.push(ContainerDefinition {
            name: PROBE_CONTAINER.into(),
            image: images::BUSYBOX.into(),
            essential: false,
            command: Some(
                ["cp", "/bin/busybox", "/stackc/busybox"]
                    .map(str::to_owned)
                    .to_vec(),
            ),
            mount_points: vec![MountPoint {
                source_volume: PROBE_VOLUME.into(),
                container_path: "/stackc".into(),
                read_only: false,
            }],
            log_configuration: Some(logs(ecs, PROBE_CONTAINER)),
            ..ContainerDefinition::default()
        });
        volumes.push(Volume {
            name: PROBE_VOLUME.into(),
            efs_volume_configuration: None,
        });
        mount_points.push(MountPoint {
            source_volume: PROBE_VOLUME.into(),
            container_path: "/stackc".into(),
            read_only: true,
        });
        depends_on.push(ContainerDependency {
            container_name: PROBE_CONTAINER.into(),
            condition: "SUCCESS",
        });
    }
    if let Some((config_volumes, config_mounts, init, dependency)) =
        configs::init_container(w, logs(ecs, configs::CONTAINER))
    {
        volumes.extend(config_volumes);
        mount_points.extend(config_mounts);
        containers.push(init);
        depends_on.push(dependency);
    }
    let mut port_mappings = Vec::new();
    if let Some(port) = w.port {
        port_mappings.push(PortMapping {
            name: w.name.to_string(),
            container_port: port.get(),
            protocol: "tcp",
            app_protocol: Some("http"),
        });
    }
    for p in &w.ports {
        port_mappings.push(PortMapping {
            name: format!("{}-{}", w.name, p.name),
            container_port: p.port.get(),
            protocol: "tcp",
            app_protocol: None,
        });
    }
    let busybox = if built {
        probe::IN_IMAGE
    } else {
        probe::FROM_VOLUME
    };
    containers.push(ContainerDefinition {
        name: w.name.to_string(),
        image,
        essential: true,
        command: if built { None } else { w.command.clone() },
        cpu: w.cpu.map(MilliCpu::ecs_units),
        memory: w
            .memory
            .as_ref()
            .map(|m| u32::try_from(m.mebibytes_ceil()).unwrap_or(u32::MAX)),
        user: if built {
            None
        } else {
            w.user.map(|u| u.to_string())
        },
        port_mappings,
        environment,
        secrets,
        mount_points,
        depends_on,
        health_check: w
            .health
            .as_ref()
            .map(|h| health_check(probe::probe_command(h, busybox), h)),
        log_configuration: Some(logs(ecs, w.name.as_str())),
        linux_parameters: Some(LinuxParameters {
            init_process_enabled: true,
            capabilities: Capabilities {
                drop: if built { vec!["ALL"] } else { Vec::new() },
            },
        }),
        system_controls: crate::targets::ports::unprivileged_from(w)
            .map(|port| SystemControl {
                namespace: crate::targets::ports::SYSCTL.to_owned(),
                value: port.to_string(),
            })
            .into_iter()
            .collect(),
    });
    let definition = task_definition(
        ecs,
        w.name.as_str(),
        w.cpu,
        w.memory.as_ref(),
        containers,
        volumes,
    );
    let service = (w.kind == WorkloadKind::Service).then(|| {
        let routed = model.is_routed(&w.name);
        let load_balancers = match (routed, w.port) {
            (true, Some(port)) => vec![LoadBalancerRef {
                target_group_arn: placeholder(&format!("target-group:{}", w.name)),
                container_name: w.name.to_string(),
                container_port: port.get(),
            }],
            _ => Vec::new(),
        };
        let grace = w.health.as_ref().map_or(60, |h| {
            u32::try_from(h.start_period.as_secs_ceil())
                .unwrap_or(0)
                .max(60)
        });
        service(
            ecs,
            w.name.as_str(),
            w.replicas,
            w.port.map(Port::get),
            load_balancers,
            routed.then_some(grace),
        )
    });
    Task {
        definition,
        service,
    }
}

pub fn resource(ecs: &Ecs, r: &Resource, parameters: &mut SecretLedger) -> Task {
    let environment = engines::environment(r)
        .into_iter()
        .map(|(name, value)| KeyValue { name, value })
        .collect();
    let mut secrets = Vec::new();
    if let Some(var) = engines::credentials(r.kind).password {
        let secret = parameters.password(r);
        secrets.push(Secret {
            name: var.to_owned(),
            value_from: ecs.parameter_arn(&secret),
        });
    }
    let port = resource_port(r);
    let data = format!("{}-data", r.name);
    let mut test = vec!["CMD".to_owned()];
    test.extend(engines::health_check(r));
    let container = ContainerDefinition {
        name: r.name.to_string(),
        image: images::resource_image(r),
        essential: true,
        command: engines::command(r),
        cpu: r.cpu.map(MilliCpu::ecs_units),
        memory: r
            .memory
            .as_ref()
            .map(|m| u32::try_from(m.mebibytes_ceil()).unwrap_or(u32::MAX)),
        port_mappings: vec![PortMapping {
            name: r.name.to_string(),
            container_port: port,
            protocol: "tcp",
            app_protocol: None,
        }],
        environment,
        secrets,
        mount_points: vec![MountPoint {
            source_volume: data.clone(),
            container_path: r.kind.data_path().unwrap_or("/data").into(),
            read_only: false,
        }],
        health_check: Some(HealthCheck {
            command: test,
            interval: 10,
            timeout: 5,
            retries: 5,
            start_period: 60,
        }),
        log_configuration: Some(logs(ecs, r.name.as_str())),
        ..ContainerDefinition::default()
    };
    let definition = task_definition(
        ecs,
        r.name.as_str(),
        r.cpu,
        r.memory.as_ref(),
        vec![container],
        vec![efs_volume(&data)],
    );
    Task {
        definition,
        service: Some(service(
            ecs,
            r.name.as_str(),
            1,
            Some(port),
            Vec::new(),
            None,
        )),
    }
}

fn service(
    ecs: &Ecs,
    name: &str,
    replicas: u32,
    port: Option<u16>,
    load_balancers: Vec<LoadBalancerRef>,
    grace: Option<u32>,
) -> Service {
    Service {
        cluster: ecs.settings.cluster.clone(),
        service_name: ecs.name(NameKind::Service(name)),
        task_definition: ecs.name(NameKind::TaskFamily(name)),
        desired_count: replicas,
        launch_type: "FARGATE",
        network_configuration: NetworkConfiguration {
            awsvpc_configuration: AwsVpc {
                subnets: ecs.subnets(),
                security_groups: vec![placeholder(&format!("security-group:{name}"))],
                // The default VPC's subnets are public without NAT: tasks need a public IP to pull images.
                assign_public_ip: if ecs.settings.subnets.is_empty() {
                    "ENABLED"
                } else {
                    "DISABLED"
                },
            },
        },
        load_balancers,
        health_check_grace_period_seconds: grace,
        deployment_configuration: DeploymentConfiguration {
            deployment_circuit_breaker: CircuitBreaker {
                enable: true,
                rollback: true,
            },
            maximum_percent: 200,
            minimum_healthy_percent: 100,
        },
        service_connect_configuration: ServiceConnect {
            enabled: true,
            namespace: ecs.name(NameKind::Namespace),
            services: port
                .map(|port| ServiceConnectService {
                    port_name: name.to_owned(),
                    discovery_name: name.to_owned(),
                    client_aliases: vec![ClientAlias {
                        port,
                        dns_name: name.to_owned(),
                    }],
                })
                .into_iter()
                .collect(),
        },
        enable_ecs_managed_tags: true,
        propagate_tags: "SERVICE",
        tags: ecs.tags(&format!("service/{name}")),
    }
}

/// A Fargate task definition of these containers, sized for what the spec asks.
fn task_definition(
    ecs: &Ecs,
    name: &str,
    cpu: Option<MilliCpu>,
    memory: Option<&ByteSize>,
    containers: Vec<ContainerDefinition>,
    volumes: Vec<Volume>,
) -> TaskDefinition {
    let (cpu, memory) = task_size(
        cpu.map(MilliCpu::ecs_units),
        memory.map(ByteSize::mebibytes_ceil),
    );
    TaskDefinition {
        family: ecs.name(NameKind::TaskFamily(name)),
        task_role_arn: ecs.settings.task_role.clone(),
        execution_role_arn: ecs
            .settings
            .execution_role
            .clone()
            .unwrap_or_else(|| placeholder("execution-role")),
        network_mode: "awsvpc",
        requires_compatibilities: vec!["FARGATE"],
        cpu: cpu.to_string(),
        memory: memory.to_string(),
        runtime_platform: RuntimePlatform {
            cpu_architecture: "X86_64",
            operating_system_family: "LINUX",
        },
        container_definitions: containers,
        volumes,
        tags: ecs.tags(&format!("task-definition/{name}")),
    }
}

fn efs_volume(name: &str) -> Volume {
    Volume {
        name: name.to_owned(),
        efs_volume_configuration: Some(EfsVolume {
            file_system_id: placeholder("efs"),
            transit_encryption: "ENABLED",
            authorization_config: EfsAuthorization {
                access_point_id: placeholder(&format!("efs-access-point:{name}")),
                iam: "DISABLED",
            },
        }),
    }
}

fn logs(ecs: &Ecs, prefix: &str) -> LogConfiguration {
    let options = [
        ("awslogs-group", ecs.log_group()),
        ("awslogs-region", ecs.region()),
        ("awslogs-stream-prefix", prefix.to_owned()),
    ];
    LogConfiguration {
        log_driver: "awslogs",
        options: options
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect(),
    }
}

/// ECS bounds every timing of a health check; the spec's values are clamped into them.
fn health_check(command: Vec<String>, h: &Health) -> HealthCheck {
    let mut test = vec!["CMD".to_owned()];
    test.extend(command);
    let [interval, timeout, retries, start_period] = health_settings(h).map(|s| s.used);
    HealthCheck {
        command: test,
        interval,
        timeout,
        retries,
        start_period,
    }
}

/// One value of a health check as a target gives it, beside what the spec asked for: the one place
/// a target's bounds are applied, so that the artifact and the note saying so cannot disagree.
pub struct Adjusted {
    pub field: &'static str,
    /// The spec's value, as the spec spells it.
    pub asked: String,
    /// The value given to the target, in `unit`.
    pub used: u32,
    pub unit: &'static str,
    /// What the target accepts, for the note.
    pub bounds: (u32, u32),
    pub changed: bool,
}

impl Adjusted {
    /// A duration the target takes in whole seconds within `bounds`.
    pub fn seconds(field: &'static str, d: crate::units::Duration, bounds: (u32, u32)) -> Self {
        let used = u32::try_from(d.as_secs_ceil())
            .unwrap_or(u32::MAX)
            .clamp(bounds.0, bounds.1);
        Self {
            field,
            asked: d.to_string(),
            used,
            unit: "s",
            bounds,
            changed: u64::from(used) * 1000 != d.as_millis(),
        }
    }

    pub fn count(field: &'static str, n: u32, bounds: (u32, u32)) -> Self {
        let used = n.clamp(bounds.0, bounds.1);
        Self {
            field,
            asked: n.to_string(),
            used,
            unit: "",
            bounds,
            changed: used != n,
        }
    }

    /// `ecs: service `api`: health interval 1s becomes 5s in <what>, which takes whole seconds from 5s to 300s`.
    #[must_use]
    pub fn note(&self, who: &str, what: &str) -> String {
        let (lo, hi, unit) = (self.bounds.0, self.bounds.1, self.unit);
        let whole = if unit == "s" { "whole seconds " } else { "" };
        format!(
            "ecs: {who}: health {} {} becomes {}{unit} in {what}, which takes {whole}from {lo}{unit} to {hi}{unit}",
            self.field, self.asked, self.used
        )
    }
}

/// The ECS container health check's values: interval, timeout, retries, start period.
fn health_settings(h: &Health) -> [Adjusted; 4] {
    [
        Adjusted::seconds("interval", h.interval, (5, 300)),
        Adjusted::seconds("timeout", h.timeout, (2, 60)),
        Adjusted::count("retries", h.retries, (1, 10)),
        Adjusted::seconds("start_period", h.start_period, (0, 300)),
    ]
}

/// Every health-check value the task definitions do not take as the spec says.
pub fn health_notes(compiled: &Compiled) -> Vec<String> {
    compiled
        .model
        .workloads()
        .filter_map(|w| w.health.as_ref().map(|h| (w, h)))
        .flat_map(|(w, h)| {
            let who = format!(
                "{} `{}`",
                if w.kind == WorkloadKind::Job {
                    "job"
                } else {
                    "service"
                },
                w.name
            );
            health_settings(h)
                .into_iter()
                .filter(|a| a.changed)
                .map(move |a| a.note(&who, "the ECS container health check"))
        })
        .collect()
}

/// The Fargate size for what the containers ask (defaults: 0.25 vCPU, 512 MiB).
fn task_size(cpu: Option<u32>, memory: Option<u64>) -> (u32, u32) {
    let cpu = cpu.unwrap_or(DEFAULT_CPU);
    let memory = memory.map_or(DEFAULT_MEMORY, |m| u32::try_from(m).unwrap_or(u32::MAX));
    fargate::fit(cpu, memory).unwrap_or(fargate::LARGEST)
}

/// Where the Fargate size differs from what the spec asked: said, so nobody is surprised by the bill.
pub fn size_notes(compiled: &Compiled) -> Vec<String> {
    let model = &compiled.model;
    let asked = model
        .workloads()
        .map(|w| (w.name.as_str(), w.cpu, w.memory.as_ref()))
        .chain(
            model
                .resources
                .values()
                .filter(|r| r.external.is_none() && r.kind != crate::model::ResourceKind::Volume)
                .map(|r| (r.name.as_str(), r.cpu, r.memory.as_ref())),
        );
    let mut notes = Vec::new();
    for (name, cpu, memory) in asked {
        let (Some(cpu), Some(memory)) = (cpu, memory) else {
            continue;
        };
        let (units, mib) = (cpu.ecs_units(), memory.mebibytes_ceil());
        let (fc, fm) = task_size(Some(units), Some(mib));
        if u64::from(fc) != u64::from(units) || u64::from(fm) != mib {
            notes.push(format!(
                "ecs: `{name}` asks for cpu {cpu} ({units} units) and memory {memory} ({mib} MiB); its Fargate task gets {fc} units and {fm} MiB, the nearest valid size{}",
                if fargate::fit(units, u32::try_from(mib).unwrap_or(u32::MAX)).is_none() { " (the largest there is)" } else { "" }
            ));
        }
    }
    notes
}
