//! A workload's mounts as pod volumes: volume resources as their claims, configs as `ConfigMaps`
//! (a folder's files by `items`, a single file by `subPath`). Host paths have no equivalent in a
//! cluster: `Kubernetes::unsupported` refuses them before anything renders.

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::ByteString;
use k8s_openapi::api::core::v1::{
    ConfigMap, ConfigMapVolumeSource, KeyToPath, PersistentVolumeClaimVolumeSource, Volume,
    VolumeMount,
};

use super::meta;
use crate::model::{Config, Model, MountSource, Workload};

/// What a workload's mounts add to its pod.
#[derive(Default)]
pub struct PodMounts {
    pub volumes: Vec<Volume>,
    pub mounts: Vec<VolumeMount>,
    pub config_maps: Vec<ConfigMap>,
    /// SHA-256 of every config's contents: a pod-template annotation, so that a changed config
    /// rolls the pods (a `ConfigMap` mounted by `subPath` is never updated in a running pod).
    pub config_digest: Option<String>,
}

pub fn pod_mounts(model: &Model, w: &Workload, component: &str) -> PodMounts {
    let mut out = PodMounts::default();
    let mut claims = BTreeSet::new();
    // Every config's path, file names, lengths and contents, digested once at the end.
    let mut digested = Vec::new();
    let mut configs = 0usize;
    for (path, mount) in &w.mounts {
        match &mount.source {
            MountSource::Volume(v) => {
                // One pod volume per claim, however often it is mounted.
                if claims.insert(v.clone()) {
                    out.volumes.push(Volume {
                        name: v.to_string(),
                        persistent_volume_claim: Some(PersistentVolumeClaimVolumeSource {
                            claim_name: v.to_string(),
                            read_only: Some(false),
                        }),
                        ..Volume::default()
                    });
                }
                out.mounts.push(VolumeMount {
                    name: v.to_string(),
                    mount_path: path.clone(),
                    read_only: mount.read_only.then_some(true),
                    ..VolumeMount::default()
                });
            }
            MountSource::Config(config) => {
                // The ConfigMap is named for the workload; the pod's volume needs only be unique in
                // the pod (and a DNS label, which a long workload name plus a suffix may not be).
                let name = format!("{}-config-{configs}", w.name);
                let volume = format!("stackc-config-{configs}");
                configs += 1;
                let keys = keys(config);
                for part in [path.as_bytes()].into_iter().chain(
                    config
                        .files
                        .iter()
                        .flat_map(|f| [f.path.as_bytes(), &f.contents]),
                ) {
                    digested.extend((part.len() as u64).to_le_bytes());
                    digested.extend_from_slice(part);
                }
                out.config_maps
                    .push(config_map(model, &name, component, config, &keys));
                out.volumes.push(Volume {
                    name: volume.clone(),
                    config_map: Some(ConfigMapVolumeSource {
                        name,
                        items: config.folder.then(|| {
                            config
                                .files
                                .iter()
                                .zip(&keys)
                                .map(|(f, key)| KeyToPath {
                                    key: key.clone(),
                                    path: f.path.clone(),
                                    mode: f.executable.then_some(0o755),
                                })
                                .collect()
                        }),
                        // A single file mounted by `subPath` takes the volume's mode.
                        default_mode: (!config.folder && config.files.iter().any(|f| f.executable))
                            .then_some(0o755),
                        ..ConfigMapVolumeSource::default()
                    }),
                    ..Volume::default()
                });
                out.mounts.push(VolumeMount {
                    name: volume,
                    mount_path: path.clone(),
                    read_only: Some(true),
                    sub_path: (!config.folder).then(|| keys[0].clone()),
                    ..VolumeMount::default()
                });
            }
            // Refused by `Kubernetes::unsupported`.
            MountSource::Host(_) => {}
        }
    }
    if configs > 0 {
        out.config_digest = Some(crate::output::manifest::sha256(&digested));
    }
    out
}

fn config_map(
    model: &Model,
    name: &str,
    component: &str,
    config: &Config,
    keys: &[String],
) -> ConfigMap {
    let mut data = BTreeMap::new();
    let mut binary = BTreeMap::new();
    for (f, key) in config.files.iter().zip(keys) {
        match std::str::from_utf8(&f.contents) {
            Ok(text) => {
                data.insert(key.clone(), text.to_owned());
            }
            Err(_) => {
                binary.insert(key.clone(), ByteString(f.contents.clone()));
            }
        }
    }
    ConfigMap {
        metadata: meta(model, name, component),
        data: (!data.is_empty()).then_some(data),
        binary_data: (!binary.is_empty()).then_some(binary),
        immutable: None,
    }
}

/// `ConfigMap` keys for the files (`[-._a-zA-Z0-9]+`, not `.` or `..`): the path with other
/// characters (and `/`) made `_`, numbered where two would be the same.
fn keys(config: &Config) -> Vec<String> {
    let mut used = BTreeSet::new();
    config
        .files
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let base = if f.path.is_empty() {
                std::path::Path::new(&config.path)
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default()
            } else {
                f.path.clone()
            };
            let mut key: String = base
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_') {
                        c
                    } else {
                        '_'
                    }
                })
                .collect();
            // Keys are at most 253 characters and never `.`/`..`-led.
            if key.is_empty() || key.starts_with("..") || key == "." || key.len() > 253 {
                key = format!("file-{i}");
            }
            while !used.insert(key.clone()) {
                key = format!("{key}.{i}");
            }
            key
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ConfigFile;

    fn config(paths: &[&str]) -> Config {
        Config {
            path: "./conf".into(),
            folder: true,
            files: paths
                .iter()
                .map(|p| ConfigFile {
                    path: (*p).to_owned(),
                    contents: Vec::new(),
                    executable: false,
                })
                .collect(),
        }
    }

    #[test]
    fn keys_are_valid_and_unique() {
        let keys = keys(&config(&["a b", "a_b", "dir/x.yaml", "..hidden", "ü"]));
        assert_eq!(keys, ["a_b", "a_b.1", "dir_x.yaml", "file-3", "_"]);
        let single = Config {
            path: "./nginx/nginx.conf".into(),
            folder: false,
            files: vec![ConfigFile {
                path: String::new(),
                contents: b"x".to_vec(),
                executable: false,
            }],
        };
        assert_eq!(super::keys(&single), ["nginx.conf"]);
    }
}
