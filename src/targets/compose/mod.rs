//! The Compose target: `compose/compose.yaml` runs the whole stack with one `docker compose up`, with
//! the gateway's nginx config, a `.env` naming the project, and `init-secrets.sh` beside it.

mod file;
pub(crate) mod gateway;
mod recovery;
mod resource;
mod secrets;
mod workload;

pub use workload::stackc_built;

use file::{ComposeFile, Limits, Network, Secret, Service, Volume, VolumeMount};

use crate::compile::Compiled;
use crate::model::{Condition, ResourceKind};
use crate::output::Artifacts;
use crate::targets::{RenderContext, Target, images, probe};
use crate::units::{ByteSize, MilliCpu};

pub struct Compose;

/// Gateway and services that are routed or reach out: the default-egress network.
const EDGE_NETWORK: &str = "edge";
/// Resources and their clients: an internal network, no route out.
const DATA_NETWORK: &str = "data";
/// Copies the busybox probe into a volume for images stackc did not build.
const PROBE_SERVICE: &str = "stackc-probe";
const PROBE_VOLUME: &str = "stackc-probe";

impl Target for Compose {
    fn name(&self) -> &'static str {
        "compose"
    }

    fn folder(&self) -> &'static str {
        "compose"
    }

    fn unsupported(&self, compiled: &Compiled) -> Vec<crate::diagnostics::Diagnostic> {
        crate::targets::tls_limits::compose(compiled)
    }

    /// The secret files `init-secrets.sh` and the user write: never stackc's to touch.
    fn private_folders(&self) -> Vec<String> {
        vec!["compose/secrets".to_owned()]
    }

    fn render(&self, compiled: &Compiled, ctx: &RenderContext) -> Artifacts {
        let model = &compiled.model;
        let mut file = ComposeFile::default();
        let mut secrets = crate::targets::outputs::SecretLedger::default();
        let mut probe = false;
        let mut data = false;
        let recover = model.targets.compose.recovery;
        let mut routed: Vec<&crate::units::Name> =
            model.routes.iter().map(|r| &r.service).collect();
        routed.sort();
        routed.dedup();

        for r in model.resources.values().filter(|r| r.external.is_none()) {
            if r.kind == ResourceKind::Volume {
                file.volumes.insert(r.name.to_string(), Volume {});
            } else {
                file.services
                    .insert(r.name.to_string(), resource::service(r, &mut secrets));
                file.volumes.insert(resource::data_volume(r), Volume {});
                data = true;
            }
        }
        for w in model.workloads() {
            let (mut svc, needs_probe) = workload::service(compiled, ctx, w, &mut secrets);
            probe |= needs_probe;
            if recover && w.kind == crate::model::WorkloadKind::Service {
                if svc.healthcheck.is_some() {
                    svc.labels.extend(recovery::label(
                        recovery::RECOVER_LABEL,
                        &recovery::SERVICE_GRACE.to_string(),
                    ));
                }
                if let Some(port) = w.port.filter(|_| routed.contains(&&w.name)) {
                    svc.labels
                        .extend(recovery::label(recovery::UPSTREAM_LABEL, &port.to_string()));
                }
            }
            file.services.insert(w.name.to_string(), svc);
        }
        let mut artifacts = Artifacts::new();
        if let Some(gw) = &model.gateway {
            let mut svc = gateway::service(compiled, gw);
            if recover {
                svc.labels = recovery::label(recovery::GATEWAY_LABEL, "true");
                svc.volumes.push(VolumeMount::Short(format!(
                    "{}:{}:ro",
                    recovery::PEERS_VOLUME,
                    recovery::PEERS_PATH
                )));
            }
            file.services.insert(gateway::SERVICE.into(), svc);
            artifacts.insert(
                gateway::CONFIG.into(),
                gateway::config(compiled, &ctx.spec_file),
            );
            probe = true;
        }
        if probe {
            file.services.insert(
                PROBE_SERVICE.into(),
                Service {
                    image: Some(images::BUSYBOX.to_owned()),
                    command: Some(
                        ["cp", "/bin/busybox", "/stackc/busybox"]
                            .map(str::to_owned)
                            .to_vec(),
                    ),
                    volumes: vec![VolumeMount::Short(format!("{PROBE_VOLUME}:/stackc"))],
                    restart: "no",
                    network_mode: Some("none"),
                    ..Service::default()
                },
            );
            file.volumes.insert(PROBE_VOLUME.into(), Volume {});
        }
        // Only when there is something to restart or reload.
        if file.services.values().any(|s| !s.labels.is_empty()) {
            file.services
                .insert(recovery::SERVICE.into(), recovery::service());
            file.volumes
                .insert(recovery::PEERS_VOLUME.into(), Volume {});
            artifacts.insert(
                recovery::SCRIPT.into(),
                recovery::script(&model.targets.compose.project, &routed, &ctx.spec_file),
            );
        }
        file.networks
            .insert(EDGE_NETWORK.into(), Network::default());
        if data {
            file.networks
                .insert(DATA_NETWORK.into(), Network { internal: true });
        }
        let tls = model.gateway.as_ref().and_then(gateway::tls_files);
        if let Some(files) = &tls
            && !files.self_signed
        {
            secrets.user.insert(files.certificate.clone());
            secrets.user.insert(files.key.clone());
        }
        let made = tls
            .iter()
            .filter(|f| f.self_signed)
            .flat_map(|f| [f.certificate.clone(), f.key.clone()]);
        for name in secrets.names().into_iter().chain(made) {
            file.secrets.insert(
                name.clone(),
                Secret {
                    file: format!("${{STACKC_SECRETS_DIR:-./secrets}}/{name}"),
                },
            );
        }

        let yaml = crate::targets::yaml::to_string(&file);
        let header = format!(
            "# Generated by stackc from {}: stack `{}`{}. Do not edit.\n# Run: {}docker compose up --build\n",
            ctx.spec_file,
            model.name,
            model
                .env
                .as_deref()
                .map(|e| format!(" with --env {e}"))
                .unwrap_or_default(),
            if file.secrets.is_empty() {
                ""
            } else {
                "sh init-secrets.sh && "
            },
        );
        artifacts.insert("compose/compose.yaml".into(), header + &yaml);
        // docker compose and docker-compose 1.29 both read the project name from here.
        artifacts.insert(
            "compose/.env".into(),
            format!("COMPOSE_PROJECT_NAME={}\n", model.targets.compose.project),
        );
        if let Some(script) = secrets::script(&secrets, tls.as_ref(), &ctx.spec_file) {
            artifacts.insert("compose/init-secrets.sh".into(), script);
            artifacts.insert(
                "compose/.gitignore".into(),
                "# Secret values: never commit them.\nsecrets/\n".into(),
            );
        }
        artifacts
    }
}

/// A spec health check as a compose healthcheck, probing with the busybox at `busybox`.
fn healthcheck(health: &crate::model::Health, busybox: &str) -> file::Healthcheck {
    let mut test = vec!["CMD".to_owned()];
    test.extend(probe::probe_command(health, busybox));
    file::Healthcheck {
        test,
        interval: health.interval.to_string(),
        timeout: health.timeout.to_string(),
        retries: health.retries,
        start_period: (health.start_period.as_millis() > 0)
            .then(|| health.start_period.to_string()),
    }
}

fn condition(c: Condition) -> &'static str {
    match c {
        Condition::Started => "service_started",
        Condition::Healthy => "service_healthy",
        Condition::Completed => "service_completed_successfully",
    }
}

/// Compose resource limits from the spec's CPU and memory.
fn limits(cpu: Option<MilliCpu>, memory: Option<&ByteSize>) -> Option<Limits> {
    if cpu.is_none() && memory.is_none() {
        return None;
    }
    Some(Limits {
        cpus: cpu.map(cpus),
        memory: memory.map(memory_units),
    })
}

fn cpus(cpu: MilliCpu) -> String {
    let m = cpu.millis();
    let text = format!("{}.{:03}", m / 1000, m % 1000);
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// Docker's units are binary: `512M` is 512 MiB.
fn memory_units(size: &ByteSize) -> String {
    let b = size.bytes();
    for (unit, factor) in [("G", 1u64 << 30), ("M", 1 << 20), ("K", 1 << 10)] {
        if b.is_multiple_of(factor) {
            return format!("{}{unit}", b / factor);
        }
    }
    format!("{b}b")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_and_memory_spelling() {
        assert_eq!(cpus("500m".parse().unwrap()), "0.5");
        assert_eq!(cpus("2".parse().unwrap()), "2");
        assert_eq!(cpus("1250m".parse().unwrap()), "1.25");
        assert_eq!(memory_units(&"512Mi".parse().unwrap()), "512M");
        assert_eq!(memory_units(&"1Gi".parse().unwrap()), "1G");
        assert_eq!(memory_units(&"1G".parse().unwrap()), "1000000000b");
        assert_eq!(memory_units(&"2000Ki".parse().unwrap()), "2000K");
    }
}
