//! The cluster, its log group and namespace, secrets in SSM, and the EFS file system.

use super::{
    Failure, Made, Result, Run, STACK_TAG, code_of, derived_value, ecs_api, failed, json, str_of,
    strings_of,
};

impl Run<'_> {
    pub(super) async fn create_cluster(&self, resource: &str) -> Result<Made> {
        let (aws, d) = (self.aws, self.desired);
        let doc = &d.cluster;
        let mut b = aws
            .ecs
            .create_cluster()
            .set_cluster_name(str_of(doc, "clusterName"))
            .set_tags(Some(ecs_api::tags(doc)));
        for s in json::list_of(doc, "settings") {
            b = b.settings(
                aws_sdk_ecs::types::ClusterSetting::builder()
                    .set_name(str_of(s, "name").map(|n| n.as_str().into()))
                    .set_value(str_of(s, "value"))
                    .build(),
            );
        }
        if let Some(ns) = doc["serviceConnectDefaults"]["namespace"].as_str() {
            b = b.service_connect_defaults(
                aws_sdk_ecs::types::ClusterServiceConnectDefaultsRequest::builder()
                    .namespace(ns)
                    .build()
                    .map_err(|e| Failure {
                        resource: resource.into(),
                        message: e.to_string(),
                        call: None,
                    })?,
            );
        }
        b.send().await.map_err(failed(resource))?;
        Ok(Made::default())
    }

    pub(super) async fn log_group(&self, update: bool, resource: &str) -> Result<Made> {
        let (aws, d) = (self.aws, self.desired);
        let name = str_of(&d.log_group, "logGroupName").unwrap_or_default();
        if !update {
            let tags = d.log_group["tags"].as_object().map(|m| {
                m.iter()
                    .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
                    .collect()
            });
            match aws
                .logs
                .create_log_group()
                .log_group_name(&name)
                .set_tags(tags)
                .send()
                .await
            {
                Ok(_) => {}
                Err(e) if code_of(&e) == Some("ResourceAlreadyExistsException") => {}
                Err(e) => return Err(failed(resource)(e)),
            }
        }
        aws.logs
            .put_retention_policy()
            .log_group_name(&name)
            .retention_in_days(d.log_retention)
            .send()
            .await
            .map_err(failed(resource))?;
        Ok(Made::default())
    }

    pub(super) async fn mount_target(&self, subnet: &str, resource: &str) -> Result<Made> {
        let (aws, d) = (self.aws, self.desired);
        let doc = self.fill(&d.efs()["mountTargets"], resource)?;
        match aws
            .efs
            .create_mount_target()
            .set_file_system_id(str_of(&doc, "FileSystemId"))
            .subnet_id(subnet)
            .set_security_groups(strings_of(&doc, "SecurityGroups"))
            .send()
            .await
        {
            Ok(_) => Ok(Made::default()),
            Err(e) if code_of(&e) == Some("MountTargetConflict") => Ok(Made::default()),
            Err(e) => Err(failed(resource)(e)),
        }
    }

    pub(super) async fn access_point(&self, volume: &str, resource: &str) -> Result<Made> {
        let (aws, d) = (self.aws, self.desired);
        let doc = self.fill(&d.efs()["accessPoints"][volume], resource)?;
        let root = &doc["RootDirectory"];
        let info = &root["CreationInfo"];
        let tags = efs_tags(&doc);
        let out = aws
            .efs
            .create_access_point()
            .set_client_token(str_of(&doc, "ClientToken"))
            .set_file_system_id(str_of(&doc, "FileSystemId"))
            .root_directory(
                aws_sdk_efs::types::RootDirectory::builder()
                    .set_path(str_of(root, "Path"))
                    .set_creation_info(
                        aws_sdk_efs::types::CreationInfo::builder()
                            .set_owner_uid(info["OwnerUid"].as_i64())
                            .set_owner_gid(info["OwnerGid"].as_i64())
                            .set_permissions(str_of(info, "Permissions"))
                            .build()
                            .ok(),
                    )
                    .build(),
            )
            .set_tags(Some(tags))
            .send()
            .await
            .map_err(failed(resource))?;
        Ok(Made::name(
            format!("efs-access-point:{volume}"),
            out.access_point_id().unwrap_or_default(),
        ))
    }

    pub(super) async fn parameter(&self, name: &str, update: bool, resource: &str) -> Result<Made> {
        let doc = self
            .desired
            .parameters
            .iter()
            .find(|p| str_of(p, "name").as_deref() == Some(name))
            .cloned()
            .unwrap_or_default();
        let generated = str_of(&doc, "source").as_deref() == Some("generated");
        let value = if generated {
            password().map_err(|message| Failure {
                resource: resource.into(),
                message,
                call: None,
            })?
        } else {
            derived_value(&doc, self.live, &self.fresh).ok_or_else(|| Failure {
                resource: resource.into(),
                message: "a parameter it is made of does not exist".into(),
                call: None,
            })?
        };
        let mut b = self
            .aws
            .ssm
            .put_parameter()
            .name(name)
            .value(&value)
            .r#type(aws_sdk_ssm::types::ParameterType::SecureString);
        if update {
            b = b.overwrite(true);
        } else {
            // The deployment's tags, in the create call (a put with `overwrite` takes none).
            for (key, value) in [
                (STACK_TAG, self.desired.stack.as_str()),
                (
                    crate::deploy::owner::ENV_TAG,
                    self.desired.identity().env_tag(),
                ),
            ] {
                b = b.tags(
                    aws_sdk_ssm::types::Tag::builder()
                        .key(key)
                        .value(value)
                        .build()
                        .map_err(|e| Failure {
                            resource: resource.into(),
                            message: e.to_string(),
                            call: None,
                        })?,
                );
            }
        }
        match b.send().await {
            Ok(_) => {}
            // A generated secret is never replaced: the one already there stays (and is read back).
            Err(e) if generated && code_of(&e) == Some("ParameterAlreadyExists") => {
                let got = self
                    .aws
                    .ssm
                    .get_parameter()
                    .name(name)
                    .with_decryption(true)
                    .send()
                    .await
                    .map_err(failed(resource))?;
                let existing = got.parameter().and_then(|p| p.value()).unwrap_or_default();
                return Ok(Made {
                    names: Vec::new(),
                    secret: Some((name.to_owned(), existing.to_owned())),
                });
            }
            Err(e) => return Err(failed(resource)(e)),
        }
        Ok(Made {
            names: Vec::new(),
            secret: Some((name.to_owned(), value)),
        })
    }

    pub(super) async fn create_namespace(&self, resource: &str) -> Result<Made> {
        let doc = &self.desired.namespace;
        let tags = json::tags_of(doc, "Tags")
            .into_iter()
            .filter_map(|(k, v)| {
                aws_sdk_servicediscovery::types::Tag::builder()
                    .key(k)
                    .value(v)
                    .build()
                    .ok()
            })
            .collect();
        let out = self
            .aws
            .sd
            .create_http_namespace()
            .set_name(str_of(doc, "Name"))
            .set_creator_request_id(str_of(doc, "CreatorRequestId"))
            .set_description(str_of(doc, "Description"))
            .set_tags(Some(tags))
            .send()
            .await
            .map_err(failed(resource))?;
        self.await_operation(out.operation_id().unwrap_or_default(), resource)
            .await?;
        Ok(Made::default())
    }

    /// Cloud Map works in operations: waits for one to succeed.
    pub(super) async fn await_operation(&self, id: &str, resource: &str) -> Result<()> {
        self.poll(resource, "not done", || async {
            let out = self
                .aws
                .sd
                .get_operation()
                .operation_id(id)
                .send()
                .await
                .map_err(failed(resource))?;
            let operation = out.operation();
            let status = operation
                .and_then(|o| o.status())
                .map(aws_sdk_servicediscovery::types::OperationStatus::as_str);
            match status {
                Some("SUCCESS") => Ok(Some(())),
                Some("FAIL") => Err(Failure {
                    resource: resource.into(),
                    message: operation
                        .and_then(|o| o.error_message())
                        .unwrap_or("the operation failed")
                        .to_owned(),
                    call: None,
                }),
                _ => Ok(None),
            }
        })
        .await
    }

    pub(super) async fn create_efs(&self, resource: &str) -> Result<Made> {
        let doc = self.fill(&self.desired.efs()["fileSystem"], resource)?;
        let tags = efs_tags(&doc);
        let id = match self
            .aws
            .efs
            .create_file_system()
            .set_creation_token(str_of(&doc, "CreationToken"))
            .set_performance_mode(str_of(&doc, "PerformanceMode").map(|m| m.as_str().into()))
            .set_encrypted(json::bool_of(&doc, "Encrypted"))
            .set_tags(Some(tags))
            .send()
            .await
        {
            Ok(out) => out.file_system_id().to_owned(),
            Err(e) if code_of(&e) == Some("FileSystemAlreadyExists") => {
                let out = self
                    .aws
                    .efs
                    .describe_file_systems()
                    .set_creation_token(str_of(&doc, "CreationToken"))
                    .send()
                    .await
                    .map_err(failed(resource))?;
                out.file_systems()
                    .first()
                    .map(|f| f.file_system_id().to_owned())
                    .unwrap_or_default()
            }
            Err(e) => return Err(failed(resource)(e)),
        };
        // Mount targets need the file system available.
        self.poll(resource, "not available", || async {
            let out = self
                .aws
                .efs
                .describe_file_systems()
                .file_system_id(&id)
                .send()
                .await
                .map_err(failed(resource))?;
            if out
                .file_systems()
                .first()
                .map(|f| f.life_cycle_state().as_str())
                == Some("available")
            {
                return Ok(Some(()));
            }
            Ok(None)
        })
        .await?;
        Ok(Made::name("efs", id))
    }
}

/// 32 random letters and digits from the OS.
fn password() -> std::result::Result<String, String> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| format!("no randomness for a password: {e}"))?;
    Ok(bytes
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
        .collect())
}

fn efs_tags(doc: &serde_json::Value) -> Vec<aws_sdk_efs::types::Tag> {
    json::tags_of(doc, "Tags")
        .into_iter()
        .filter_map(|(k, v)| {
            aws_sdk_efs::types::Tag::builder()
                .key(k)
                .value(v)
                .build()
                .ok()
        })
        .collect()
}
