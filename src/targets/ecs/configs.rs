//! Configs on ECS. Fargate mounts no files from anywhere but EFS, so a config travels in the task
//! definition itself: a non-essential init container (`stackc-config`, busybox) writes each file,
//! base64 in its environment, into a task-scoped volume, which the workload's container mounts
//! read-only once the init container has succeeded. The task definition is the one document ECS
//! keeps per revision, so a changed config is a new revision and a rolling deployment, as on the
//! other targets. Limits: configs ride in a task definition (64 KiB in all), so a workload's configs
//! are kept to [`MAX_BYTES`]; and a volume is a folder, so a config must be a folder too.

use base64::Engine as _;

use super::types::{ContainerDefinition, ContainerDependency, KeyValue, MountPoint, Volume};
use crate::compile::Compiled;
use crate::diagnostics::{Code, Diagnostic};
use crate::model::{Config, MountSource, Workload};
use crate::targets::{images, shell};

pub const CONTAINER: &str = "stackc-config";
/// Where the init container writes config `i` (its volume `stackc-config-<i>`).
const STAGING: &str = "/stackc-config";
/// Bytes the init container may take in the task definition (its environment and script as JSON):
/// the rest of the definition needs room within ECS's 64 KiB.
pub const MAX_BYTES: usize = 40 * 1024;

fn configs(w: &Workload) -> impl Iterator<Item = (&str, &Config, std::ops::Range<usize>)> {
    w.mounts.iter().filter_map(|(path, m)| match &m.source {
        MountSource::Config(c) => Some((path.as_str(), c, m.span.clone())),
        _ => None,
    })
}

/// The volumes, the workload's mount points and the init container for its configs, if it has any.
pub fn init_container(
    w: &Workload,
    log_configuration: super::types::LogConfiguration,
) -> Option<(
    Vec<Volume>,
    Vec<MountPoint>,
    ContainerDefinition,
    ContainerDependency,
)> {
    let mut volumes = Vec::new();
    let mut mounts = Vec::new();
    let mut init_mounts = Vec::new();
    let mut environment = Vec::new();
    let mut script = vec!["set -e".to_owned()];
    let mut folders = std::collections::BTreeSet::new();
    for (i, (path, config, _)) in configs(w).enumerate() {
        let volume = format!("{CONTAINER}-{i}");
        let staging = format!("{STAGING}/{i}");
        volumes.push(Volume {
            name: volume.clone(),
            efs_volume_configuration: None,
        });
        mounts.push(MountPoint {
            source_volume: volume.clone(),
            container_path: path.to_owned(),
            read_only: true,
        });
        init_mounts.push(MountPoint {
            source_volume: volume,
            container_path: staging.clone(),
            read_only: false,
        });
        for (j, file) in config.files.iter().enumerate() {
            let var = format!("STACKC_CONFIG_{i}_{j}");
            let dest = format!("{staging}/{}", file.path);
            if let Some((folder, _)) = dest.rsplit_once('/')
                && folders.insert(folder.to_owned())
            {
                script.push(format!("mkdir -p {}", shell::word(folder)));
            }
            script.push(format!(
                "printf %s \"${var}\" | base64 -d > {}",
                shell::word(&dest)
            ));
            if file.executable {
                script.push(format!("chmod +x {}", shell::word(&dest)));
            }
            environment.push(KeyValue {
                name: var,
                value: base64::engine::general_purpose::STANDARD.encode(&file.contents),
            });
        }
    }
    if volumes.is_empty() {
        return None;
    }
    let init = ContainerDefinition {
        name: CONTAINER.into(),
        image: images::BUSYBOX.into(),
        essential: false,
        command: Some(vec!["sh".into(), "-c".into(), script.join("\n")]),
        environment,
        mount_points: init_mounts,
        log_configuration: Some(log_configuration),
        ..ContainerDefinition::default()
    };
    let dependency = ContainerDependency {
        container_name: CONTAINER.into(),
        condition: "SUCCESS",
    };
    Some((volumes, mounts, init, dependency))
}

/// Configs ECS cannot carry: a single file (a volume is a folder), or too much for a task definition.
#[must_use]
pub fn unsupported(compiled: &Compiled) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for w in compiled.model.workloads() {
        let mut last_span = None;
        for (path, config, span) in configs(w) {
            last_span = Some(span.clone());
            if !config.folder {
                out.push(
                    Diagnostic::error(
                        Code::UnsupportedMount,
                        format!(
                            "{} mounts the single file `{}` at `{path}`: ECS mounts folders only",
                            w.label(),
                            config.path.escape_debug()
                        ),
                    )
                    .at(span, "a single-file config")
                    .help("put the file in a folder of its own and mount the folder where the container looks for it (`\"/etc/app\" = { config = \"./conf\" }`), or build it into the image"),
                );
            }
        }
        // Measured as ECS counts it: what the init container adds to the task definition.
        let total = init_container(
            w,
            super::types::LogConfiguration {
                log_driver: "awslogs",
                options: std::collections::BTreeMap::new(),
            },
        )
        .and_then(|(_, _, init, _)| serde_json::to_string(&init).ok())
        .map_or(0, |json| json.len());
        if total > MAX_BYTES {
            out.push(
                Diagnostic::error(
                    Code::ConfigTooLarge,
                    format!(
                        "the configs of {} take {total} bytes of its task definition on ECS (base64, one variable and line per file); at most {MAX_BYTES} fit",
                        w.label()
                    ),
                )
                .at(last_span.unwrap_or(0..0), "too much config for ECS")
                .help("build large files into the image, or keep them on a volume (EFS)"),
            );
        }
    }
    out
}
