//! Pod specs under the Pod Security Standards' "restricted" profile, shared by Deployments, Jobs and
//! `StatefulSets`: non-root uid ≥ 10000, no privilege escalation, every capability dropped, seccomp
//! `RuntimeDefault`, read-only root with a writable `/tmp`, no service-account token in the app.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{
    Capabilities, ConfigMapEnvSource, Container, ContainerPort, EmptyDirVolumeSource,
    EnvFromSource, EnvVar, EnvVarSource, ExecAction, HTTPGetAction, PodSecurityContext, PodSpec,
    Probe, ProjectedVolumeSource, ResourceRequirements, SeccompProfile, SecretKeySelector,
    SecurityContext, ServiceAccountTokenProjection, TCPSocketAction, Volume, VolumeMount,
    VolumeProjection,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use crate::model::{Health, Probe as SpecProbe};

/// The uid of pods whose spec names none.
pub const DEFAULT_USER: i64 = 10001;

pub fn pod_security(uid: i64) -> PodSecurityContext {
    PodSecurityContext {
        run_as_non_root: Some(true),
        run_as_user: Some(uid),
        run_as_group: Some(uid),
        fs_group: Some(uid),
        seccomp_profile: Some(SeccompProfile {
            type_: "RuntimeDefault".into(),
            ..SeccompProfile::default()
        }),
        ..PodSecurityContext::default()
    }
}

pub fn container_security(uid: i64) -> SecurityContext {
    SecurityContext {
        allow_privilege_escalation: Some(false),
        privileged: Some(false),
        read_only_root_filesystem: Some(true),
        run_as_non_root: Some(true),
        run_as_user: Some(uid),
        run_as_group: Some(uid),
        capabilities: Some(Capabilities {
            drop: Some(vec!["ALL".into()]),
            ..Capabilities::default()
        }),
        seccomp_profile: Some(SeccompProfile {
            type_: "RuntimeDefault".into(),
            ..SeccompProfile::default()
        }),
        ..SecurityContext::default()
    }
}

/// CPU and memory: requests as the spec says, limits equal to them (defaults when absent).
pub fn resources(cpu: Option<String>, memory: Option<String>) -> ResourceRequirements {
    let cpu = Quantity(cpu.unwrap_or_else(|| "100m".into()));
    let memory = Quantity(memory.unwrap_or_else(|| "128Mi".into()));
    let both: BTreeMap<String, Quantity> =
        [("cpu".to_owned(), cpu), ("memory".to_owned(), memory)].into();
    ResourceRequirements {
        requests: Some(both.clone()),
        limits: Some(both),
        ..ResourceRequirements::default()
    }
}

/// Readiness and liveness from the spec's health check; a startup probe covers `start_period`.
pub fn probes(health: &Health) -> (Probe, Probe, Option<Probe>) {
    let secs =
        |d: crate::units::Duration| i32::try_from(d.as_secs_ceil()).unwrap_or(i32::MAX).max(1);
    let base = Probe {
        period_seconds: Some(secs(health.interval)),
        timeout_seconds: Some(secs(health.timeout)),
        failure_threshold: Some(i32::try_from(health.retries).unwrap_or(3)),
        ..probe_action(&health.probe)
    };
    let startup = (health.start_period.as_millis() > 0).then(|| Probe {
        failure_threshold: Some(
            i32::try_from(
                health
                    .start_period
                    .as_secs_ceil()
                    .div_ceil(health.interval.as_secs_ceil().max(1)),
            )
            .unwrap_or(30)
            .max(1)
                + 1,
        ),
        ..base.clone()
    });
    (base.clone(), base, startup)
}

fn probe_action(probe: &SpecProbe) -> Probe {
    match probe {
        SpecProbe::Http { path, port } => Probe {
            http_get: Some(HTTPGetAction {
                path: Some(path.clone()),
                port: IntOrString::Int(i32::from(port.get())),
                ..HTTPGetAction::default()
            }),
            ..Probe::default()
        },
        SpecProbe::Tcp { port } => Probe {
            tcp_socket: Some(TCPSocketAction {
                port: IntOrString::Int(i32::from(port.get())),
                ..TCPSocketAction::default()
            }),
            ..Probe::default()
        },
        SpecProbe::Exec { command } => Probe {
            exec: Some(ExecAction {
                command: Some(command.iter().map(|a| literal(a)).collect()),
            }),
            ..Probe::default()
        },
    }
}

/// A probe for a workload that declares no health check: its port accepts connections, or else its
/// main process runs.
pub fn default_probe(port: Option<u16>, busybox: Option<&str>) -> Probe {
    let action = match (port, busybox) {
        (Some(port), _) => Probe {
            tcp_socket: Some(TCPSocketAction {
                port: IntOrString::Int(i32::from(port)),
                ..TCPSocketAction::default()
            }),
            ..Probe::default()
        },
        (None, Some(busybox)) => Probe {
            exec: Some(ExecAction {
                command: Some(vec![busybox.into(), "kill".into(), "-0".into(), "1".into()]),
            }),
            ..Probe::default()
        },
        (None, None) => Probe {
            exec: Some(ExecAction {
                command: Some(vec!["sh".into(), "-c".into(), "kill -0 1".into()]),
            }),
            ..Probe::default()
        },
    };
    Probe {
        period_seconds: Some(10),
        failure_threshold: Some(3),
        ..action
    }
}

pub fn port(name: &str, port: u16) -> ContainerPort {
    ContainerPort {
        name: Some(name.to_owned()),
        container_port: i32::from(port),
        protocol: Some("TCP".into()),
        ..ContainerPort::default()
    }
}

/// Kubernetes expands `$(VAR)` in a container's `command`, `args`, `env[].value` and exec probes, and
/// reads `$$` as `$` there: every `$` of a literal is written `$$`. (`ConfigMap` values reached through
/// `envFrom` are not expanded, and are written as they are.)
#[must_use]
pub fn literal(value: &str) -> String {
    value.replace('$', "$$")
}

pub fn env_literal(name: &str, value: String) -> EnvVar {
    EnvVar {
        name: name.to_owned(),
        value: Some(value),
        ..EnvVar::default()
    }
}

/// A variable read from the Secret `secret` (key `value`).
pub fn env_secret(name: &str, secret: &str) -> EnvVar {
    EnvVar {
        name: name.to_owned(),
        value_from: Some(EnvVarSource {
            secret_key_ref: Some(SecretKeySelector {
                name: secret.to_owned(),
                key: "value".into(),
                optional: Some(false),
            }),
            ..EnvVarSource::default()
        }),
        ..EnvVar::default()
    }
}

pub fn env_from_config(config_map: &str) -> EnvFromSource {
    EnvFromSource {
        config_map_ref: Some(ConfigMapEnvSource {
            name: config_map.to_owned(),
            optional: Some(false),
        }),
        ..EnvFromSource::default()
    }
}

/// The writable `/tmp` of a read-only root. Named with stackc's reserved prefix: a pod's claims are
/// named after volume resources, and a resource may be called `tmp`.
const TMP_VOLUME: &str = "stackc-tmp";

pub fn tmp_volume() -> (Volume, VolumeMount) {
    (
        Volume {
            name: TMP_VOLUME.into(),
            empty_dir: Some(EmptyDirVolumeSource::default()),
            ..Volume::default()
        },
        VolumeMount {
            name: TMP_VOLUME.into(),
            mount_path: "/tmp".into(),
            ..VolumeMount::default()
        },
    )
}

pub fn empty_dir(name: &str, path: &str) -> (Volume, VolumeMount) {
    (
        Volume {
            name: name.to_owned(),
            empty_dir: Some(EmptyDirVolumeSource::default()),
            ..Volume::default()
        },
        VolumeMount {
            name: name.to_owned(),
            mount_path: path.to_owned(),
            ..VolumeMount::default()
        },
    )
}

/// The service-account token, projected into the waiting init container only.
pub fn token_volume() -> (Volume, VolumeMount) {
    (
        Volume {
            name: "stackc-waiter-token".into(),
            projected: Some(ProjectedVolumeSource {
                sources: Some(vec![VolumeProjection {
                    service_account_token: Some(ServiceAccountTokenProjection {
                        path: "token".into(),
                        expiration_seconds: Some(3600),
                        ..ServiceAccountTokenProjection::default()
                    }),
                    ..VolumeProjection::default()
                }]),
                ..ProjectedVolumeSource::default()
            }),
            ..Volume::default()
        },
        VolumeMount {
            name: "stackc-waiter-token".into(),
            mount_path: "/var/run/secrets/kubernetes.io/serviceaccount".into(),
            read_only: Some(true),
            ..VolumeMount::default()
        },
    )
}

/// A pod spec with the restricted profile around the given containers.
pub fn pod(
    uid: i64,
    containers: Vec<Container>,
    init: Vec<Container>,
    volumes: Vec<Volume>,
    restart: &str,
    service_account: Option<String>,
) -> PodSpec {
    PodSpec {
        automount_service_account_token: Some(false),
        service_account_name: service_account,
        security_context: Some(pod_security(uid)),
        containers,
        init_containers: (!init.is_empty()).then_some(init),
        volumes: (!volumes.is_empty()).then_some(volumes),
        restart_policy: Some(restart.to_owned()),
        enable_service_links: Some(false),
        ..PodSpec::default()
    }
}

#[cfg(test)]
mod tests {
    use super::literal;

    /// Kubernetes' expansion of `command`, `args` and `env[].value` (`third_party/forked/golang/expansion`),
    /// with every variable defined: `$$` is `$`, `$(NAME)` is the variable's value, any other `$` stays.
    fn expand(input: &str) -> String {
        let mut out = String::new();
        let mut rest = input;
        while let Some(i) = rest.find('$') {
            out.push_str(&rest[..i]);
            let after = &rest[i + 1..];
            if let Some(tail) = after.strip_prefix('$') {
                out.push('$');
                rest = tail;
            } else if let Some(close) = after.strip_prefix('(').and_then(|a| a.find(')')) {
                out.push_str("<expanded>");
                rest = &after[close + 2..];
            } else {
                out.push('$');
                rest = after;
            }
        }
        out + rest
    }

    #[test]
    fn literals_survive_expansion() {
        for text in [
            "$(HOME)",
            "$$",
            "echo $$ $(id) $HOME",
            "a$",
            "$($(X))",
            "$(unclosed",
        ] {
            assert_eq!(expand(&literal(text)), text);
        }
        assert_ne!(expand("$(HOME)"), "$(HOME)", "the emulation expands");
    }
}
