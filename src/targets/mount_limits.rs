//! Mounts a cluster target cannot carry: one rule for Kubernetes and ECS, which both run on machines
//! that are not the developer's, so a host path there would be an empty (or someone else's) folder.

use crate::compile::Compiled;
use crate::diagnostics::{Code, Diagnostic};
use crate::model::{MountSource, Workload};

/// A host path mounted by a workload, refused for the target `target` (its display name).
#[must_use]
pub fn host_paths(compiled: &Compiled, target: &str) -> Vec<Diagnostic> {
    compiled
        .model
        .workloads()
        .flat_map(|w| host_mounts(w).map(move |(path, host, span)| (w, path, host, span)))
        .map(|(w, path, host, span)| {
            Diagnostic::error(
                Code::UnsupportedMount,
                format!(
                    "{} mounts the host path `{}` at `{path}`: {target} has no host folder to mount",
                    w.label(),
                    host.escape_debug()
                ),
            )
            .at(span, "a host path: Compose only")
            .help(format!(
                "host paths are for local development: mount them in a `dev` environment and keep the base (or `prod`) with the image's own files, a volume (`\"{path}\" = \"<volume>\"`) or a config (`{{ config = \"{}\" }}`, shipped with the deployment)",
                host.escape_debug()
            ))
        })
        .collect()
}

fn host_mounts(w: &Workload) -> impl Iterator<Item = (&str, &str, std::ops::Range<usize>)> {
    w.mounts.iter().filter_map(|(path, m)| match &m.source {
        MountSource::Host(host) => Some((path.as_str(), host.as_str(), m.span.clone())),
        _ => None,
    })
}

/// Configs whose folder holds the output folder: a config is copied into the artifacts, so it
/// would ship the Compose secrets written there, and grow with every build.
#[must_use]
pub fn output_in_configs(
    compiled: &Compiled,
    ctx: &crate::targets::RenderContext,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for w in compiled.model.workloads() {
        for (path, m) in &w.mounts {
            let MountSource::Config(config) = &m.source else {
                continue;
            };
            let folder = ctx.context_dir(&config.path);
            if config.folder && ctx.out_dir.starts_with(&folder) {
                out.push(
                    Diagnostic::error(
                        Code::InvalidMount,
                        format!(
                            "the config `{}` mounted at `{path}` by {} holds the output folder `{}`",
                            config.path.escape_debug(),
                            w.label(),
                            ctx.out_dir.display()
                        ),
                    )
                    .at(m.span.clone(), "holds the output folder")
                    .help("a config is copied into the artifacts, secrets of `compose/secrets/` included: build into a folder outside it (`-o`), or mount a narrower folder"),
                );
            }
        }
    }
    out
}
