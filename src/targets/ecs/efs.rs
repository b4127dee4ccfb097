//! `ecs/efs.json`: the stack's EFS file system, where stack-run resources and volumes keep their data.
//! One file system per stack, one access point per volume (it creates the volume's directory), and a
//! mount target in each subnet guarded by the `efs` security group.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::types::AwsTag;
use super::{Ecs, NameKind, placeholder};
use crate::model::{Model, ResourceKind};

/// The security group (and owner name) of the file system's mount targets.
/// `stackc-` is reserved, so no service can own the same name.
pub const OWNER: &str = "stackc-efs";

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Efs {
    /// EFS `CreateFileSystem` input; the creation token makes a retried create return the same one.
    pub file_system: CreateFileSystem,
    /// EFS `CreateMountTarget`, once per subnet.
    pub mount_targets: MountTargets,
    /// EFS `CreateAccessPoint` input per volume.
    pub access_points: BTreeMap<String, CreateAccessPoint>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateFileSystem {
    pub creation_token: String,
    pub performance_mode: &'static str,
    pub encrypted: bool,
    pub tags: Vec<AwsTag>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct MountTargets {
    pub file_system_id: String,
    pub subnet_ids: Vec<String>,
    pub security_groups: Vec<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateAccessPoint {
    pub client_token: String,
    pub file_system_id: String,
    pub root_directory: RootDirectory,
    pub tags: Vec<AwsTag>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RootDirectory {
    pub path: String,
    pub creation_info: CreationInfo,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreationInfo {
    pub owner_uid: u32,
    pub owner_gid: u32,
    pub permissions: &'static str,
}

/// Who mounts which EFS volumes: workloads their volume resources, stack-run resources `<name>-data`.
#[must_use]
pub fn users(model: &Model) -> BTreeMap<String, BTreeSet<String>> {
    let mut users: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for w in model.workloads() {
        let volumes: BTreeSet<String> = w.volume_mounts().map(|(_, v, _)| v.to_string()).collect();
        if !volumes.is_empty() {
            users.insert(w.name.to_string(), volumes);
        }
    }
    for r in model
        .resources
        .values()
        .filter(|r| r.external.is_none() && r.kind != ResourceKind::Volume)
    {
        users.insert(
            r.name.to_string(),
            BTreeSet::from([format!("{}-data", r.name)]),
        );
    }
    users
}

pub fn file_system(ecs: &Ecs, model: &Model) -> Option<Efs> {
    let volumes: BTreeSet<String> = users(model).into_values().flatten().collect();
    if volumes.is_empty() {
        return None;
    }
    let access_points = volumes
        .into_iter()
        .map(|v| {
            let point = CreateAccessPoint {
                client_token: ecs.name(NameKind::AccessPointToken(&v)),
                file_system_id: placeholder("efs"),
                root_directory: RootDirectory {
                    path: format!("/{}/{v}", ecs.stack),
                    // Root-owned like a fresh Docker volume: images chown their data directory at start.
                    creation_info: CreationInfo {
                        owner_uid: 0,
                        owner_gid: 0,
                        permissions: "0755",
                    },
                },
                tags: ecs.aws_tags(&format!("efs-access-point/{v}")),
            };
            (v, point)
        })
        .collect();
    Some(Efs {
        file_system: CreateFileSystem {
            creation_token: ecs.name(NameKind::FileSystemToken),
            performance_mode: "generalPurpose",
            encrypted: true,
            tags: ecs.aws_tags("efs"),
        },
        mount_targets: MountTargets {
            file_system_id: placeholder("efs"),
            subnet_ids: ecs.subnets(),
            security_groups: vec![placeholder(&format!("security-group:{OWNER}"))],
        },
        access_points,
    })
}
