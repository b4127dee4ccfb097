//! Services and jobs as compose services.

use std::collections::BTreeMap;

use super::file::{
    self, BindMount, Build, DependsOn, Deploy, Resources, Service, VolumeMount, WatchRule,
};
use super::{
    DATA_NETWORK, EDGE_NETWORK, PROBE_SERVICE, PROBE_VOLUME, condition, healthcheck, limits,
};
use crate::compile::Compiled;
use crate::graph::{NodeKind, StackGraph};
use crate::model::{Develop, ImageSource, MountSource, Runtime, Workload, WorkloadKind};
use crate::targets::RenderContext;
use crate::targets::outputs::{ByName, EnvSource, SecretLedger, env_source};
use crate::targets::probe;

/// Whether stackc wrote the image's Dockerfile (and so knows its entrypoint, probe and CMD).
#[must_use]
pub fn stackc_built(w: &Workload) -> bool {
    matches!(&w.source, ImageSource::Build(b) if b.runtime != Runtime::Dockerfile)
}

/// The workload's service, and whether it needs the probe volume (its image is not one stackc built).
pub fn service(
    compiled: &Compiled,
    ctx: &RenderContext,
    w: &Workload,
    secrets: &mut SecretLedger,
) -> (Service, bool) {
    let model = &compiled.model;
    let built = stackc_built(w);
    let mut svc = Service {
        restart: if w.kind == WorkloadKind::Job {
            "no"
        } else {
            "unless-stopped"
        },
        ..Service::default()
    };

    match &w.source {
        ImageSource::Image(image) => svc.image = Some(image.clone()),
        ImageSource::Build(b) => {
            let context = ctx.context_dir(&b.context);
            let dockerfile = match &b.dockerfile {
                Some(own) if b.runtime == Runtime::Dockerfile => own.clone(),
                _ => RenderContext::relative(
                    &context,
                    &ctx.out_dir
                        .join("dockerfiles")
                        .join(w.name.as_str())
                        .join("Dockerfile"),
                ),
            };
            svc.build = Some(Build {
                context: RenderContext::relative(&ctx.out_dir.join("compose"), &context),
                dockerfile,
            });
        }
    }
    // Images stackc builds have the command baked in; any other image gets it here. (Values are
    // escaped for compose's interpolation when the file is written: `file::literal_values`.)
    if !built {
        svc.command.clone_from(&w.command);
        svc.user = w.user.map(|u| format!("{u}:{u}"));
    }

    // Environment: literal values as they are, secret ones from files.
    let mut secret_env = Vec::new();
    for (var, value) in &w.env {
        let source = env_source(model, &ByName, &w.name, var.as_str(), value);
        if let EnvSource::Literal(text) = &source {
            svc.environment.insert(var.to_string(), text.clone());
        }
        let Some(secret) = secrets.env(model, &ByName, source) else {
            continue;
        };
        secret_env.push((var.to_string(), secret));
    }
    for secret in &w.secrets {
        secrets.user.insert(secret.to_string());
        secret_env.push((secret.env_var(), secret.to_string()));
    }
    if built {
        // The image's entrypoint exports each listed file as the variable.
        let pairs: Vec<String> = secret_env
            .iter()
            .map(|(var, s)| format!("{var}=/run/secrets/{s}"))
            .collect();
        if !pairs.is_empty() {
            svc.environment
                .insert("STACKC_SECRET_ENV".into(), pairs.join(" "));
        }
    } else {
        // Other images: the `<VAR>_FILE` convention of official images.
        for (var, s) in &secret_env {
            svc.environment
                .insert(format!("{var}_FILE"), format!("/run/secrets/{s}"));
        }
    }
    let mut names: Vec<String> = secret_env.into_iter().map(|(_, s)| s).collect();
    names.sort();
    names.dedup();
    svc.secrets = names;

    svc.ports = published_ports(w);
    // Docker lowers the limit to 0 by itself; other runtimes (Podman, rootless setups) may not.
    if let Some(port) = crate::targets::ports::unprivileged_from(w) {
        svc.sysctls
            .insert(crate::targets::ports::SYSCTL.to_owned(), port.to_string());
    }
    svc.volumes = mounts(ctx, w);
    if let Some(develop) = &w.develop {
        svc.develop = develop_rules(ctx, develop);
        svc.init = true;
        if develop.command.is_some() {
            // Also for an image stackc built: the command replaces its CMD, its entrypoint stays.
            svc.command.clone_from(&develop.command);
        }
    }

    let needs_probe = !built && w.health.as_ref().is_some_and(probe::needs_probe);
    if let Some(h) = &w.health {
        let busybox = if built {
            probe::IN_IMAGE
        } else {
            probe::FROM_VOLUME
        };
        svc.healthcheck = Some(healthcheck(h, busybox));
    }
    if needs_probe {
        svc.volumes
            .push(VolumeMount::Short(format!("{PROBE_VOLUME}:/stackc:ro")));
        svc.depends_on.insert(
            PROBE_SERVICE.into(),
            DependsOn {
                condition: "service_completed_successfully",
            },
        );
    }
    let data = depends_on(&compiled.graph, w, &mut svc.depends_on);

    let replicas = (w.kind == WorkloadKind::Service && w.replicas != 1).then_some(w.replicas);
    let resources = limits(w.cpu, w.memory.as_ref()).map(|limits| Resources { limits });
    if replicas.is_some() || resources.is_some() {
        svc.deploy = Some(Deploy {
            replicas,
            resources,
        });
    }
    svc.security_opt = vec!["no-new-privileges:true"];
    if built {
        svc.cap_drop = vec!["ALL"];
    }
    svc.networks = if data {
        vec![DATA_NETWORK.into(), EDGE_NETWORK.into()]
    } else {
        vec![EDGE_NETWORK.into()]
    };
    (svc, needs_probe)
}

/// Volumes in the short syntax; host paths and configs as bind mounts, relative to the compose file.
fn mounts(ctx: &RenderContext, w: &Workload) -> Vec<VolumeMount> {
    w.mounts
        .iter()
        .map(|(target, m)| {
            let ro = if m.read_only { ":ro" } else { "" };
            match &m.source {
                MountSource::Volume(v) => VolumeMount::Short(format!("{v}:{target}{ro}")),
                MountSource::Host(path) => bind(ctx, path, target, m.read_only),
                MountSource::Config(c) => bind(ctx, &c.path, target, true),
            }
        })
        .collect()
}

fn bind(ctx: &RenderContext, path: &str, target: &str, read_only: bool) -> VolumeMount {
    VolumeMount::Bind(BindMount {
        kind: "bind",
        source: host_path(ctx, path),
        target: target.to_owned(),
        read_only,
    })
}

/// A path of the spec as the compose file (in `DIR/compose/`) reaches it: relative, starting with
/// `.` (Compose reads a bare name as a volume), or absolute as written.
fn host_path(ctx: &RenderContext, path: &str) -> String {
    if path.starts_with('/') {
        return path.to_owned();
    }
    let rel = RenderContext::relative(&ctx.out_dir.join("compose"), &ctx.context_dir(path));
    if rel.starts_with('.') {
        rel
    } else {
        format!("./{rel}")
    }
}

fn develop_rules(ctx: &RenderContext, develop: &Develop) -> Option<file::Develop> {
    (!develop.watch.is_empty()).then(|| file::Develop {
        watch: develop
            .watch
            .iter()
            .map(|w| WatchRule {
                action: w.action.as_str(),
                path: host_path(ctx, &w.path),
                target: w.target.clone(),
                ignore: w.ignore.clone(),
            })
            .collect(),
    })
}

/// `publish` as compose port mappings; several replicas take a range of host ports, one each.
fn published_ports(w: &Workload) -> Vec<String> {
    let replicas = if w.kind == WorkloadKind::Service {
        w.replicas.max(1)
    } else {
        1
    };
    let map = |host: u16, container: u16| {
        if replicas > 1 {
            let last = u32::from(host) + replicas - 1;
            format!("{host}-{last}:{container}")
        } else {
            format!("{host}:{container}")
        }
    };
    let main = w
        .publish
        .zip(w.port)
        .map(|(host, port)| map(host.get(), port.get()));
    let named = w
        .ports
        .iter()
        .filter_map(|p| p.publish.map(|host| map(host.get(), p.port.get())));
    main.into_iter().chain(named).collect()
}

/// The workload's dependencies as compose conditions; whether any is a resource the stack runs.
fn depends_on(graph: &StackGraph, w: &Workload, out: &mut BTreeMap<String, DependsOn>) -> bool {
    let mut data = false;
    for (target, cond) in graph.dependencies(&w.name) {
        match graph.kind(target) {
            // Not run by the stack: nothing to wait for.
            Some(NodeKind::Resource { external: true, .. }) => continue,
            Some(NodeKind::Resource { .. }) => data = true,
            _ => {}
        }
        out.insert(
            target.to_string(),
            DependsOn {
                condition: condition(cond),
            },
        );
    }
    data
}
