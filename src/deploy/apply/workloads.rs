//! Task definitions, one-off job tasks and services, and waiting for them.

use super::{
    DIGEST_TAG, Failure, Made, RAN_TAG, Result, Run, STACK_TAG, ecs_api, failed, int_of, json,
    str_of, strings_of,
};

impl Run<'_> {
    pub(super) async fn register(&self, name: &str, resource: &str) -> Result<Made> {
        let (aws, d) = (self.aws, self.desired);
        // The same digest `plan` compares with, from the same function.
        let digest = crate::deploy::plan::task_definition_digest(
            &d.task_definitions[name],
            &self.live.names,
        );
        let doc = self.fill(&d.task_definitions[name], resource)?;
        let extra = vec![
            aws_sdk_ecs::types::Tag::builder()
                .key(DIGEST_TAG)
                .value(digest)
                .build(),
        ];
        let out = ecs_api::register(&aws.ecs, &doc, extra)
            .map_err(|message| Failure {
                resource: resource.into(),
                message,
                call: None,
            })?
            .send()
            .await
            .map_err(failed(resource))?;
        let arn = out
            .task_definition()
            .and_then(|t| t.task_definition_arn())
            .unwrap_or_default();
        Ok(Made::name(format!("task-definition:{name}"), arn))
    }

    pub(super) fn job_network(
        &self,
        name: &str,
    ) -> Result<aws_sdk_ecs::types::NetworkConfiguration> {
        let subnets = if self.desired.own_subnets {
            self.desired
                .services
                .values()
                .find_map(|s| {
                    strings_of(&s["networkConfiguration"]["awsvpcConfiguration"], "subnets")
                })
                .unwrap_or_default()
        } else {
            match self.names.filled("default-subnets") {
                Some(json::Filled::Many(list)) => list.clone(),
                _ => Vec::new(),
            }
        };
        let group = self
            .names
            .get(&format!("security-group:{name}"))
            .unwrap_or_default();
        let doc = serde_json::json!({"networkConfiguration": {"awsvpcConfiguration": {
            "subnets": subnets,
            "securityGroups": [group],
            "assignPublicIp": if self.desired.own_subnets { "DISABLED" } else { "ENABLED" },
        }}});
        ecs_api::network(&doc).map_err(|message| Failure {
            resource: format!("job/{name}"),
            message,
            call: None,
        })
    }

    /// Runs a job's task and waits for it; a task of the same revision already running is awaited
    /// instead of starting a second one. Success is remembered on the revision.
    pub(super) async fn run_job(&self, name: &str, resource: &str) -> Result<Made> {
        let arn = self.task_definition_arn(name).ok_or_else(|| Failure {
            resource: resource.into(),
            message: "its task definition is not registered".into(),
            call: None,
        })?;
        let cluster = &self.desired.cluster_name;
        let started_by = self
            .desired
            .identity()
            .name(crate::targets::ecs::NameKind::JobRun(
                arn.rsplit('/').next().unwrap_or(name),
            ));
        let running = self
            .aws
            .ecs
            .list_tasks()
            .cluster(cluster)
            .started_by(&started_by)
            .desired_status(aws_sdk_ecs::types::DesiredStatus::Running)
            .send()
            .await
            .map_err(failed(resource))?;
        let task = if let Some(task) = running.task_arns().first() {
            task.clone()
        } else {
            let out = self
                .aws
                .ecs
                .run_task()
                .cluster(cluster)
                .task_definition(&arn)
                .launch_type(aws_sdk_ecs::types::LaunchType::Fargate)
                .network_configuration(self.job_network(name)?)
                .started_by(&started_by)
                .count(1)
                .tags(
                    aws_sdk_ecs::types::Tag::builder()
                        .key(STACK_TAG)
                        .value(&self.desired.stack)
                        .build(),
                )
                .tags(
                    aws_sdk_ecs::types::Tag::builder()
                        .key(crate::deploy::owner::ENV_TAG)
                        .value(self.desired.identity().env_tag())
                        .build(),
                )
                .send()
                .await
                .map_err(failed(resource))?;
            if let Some(f) = out.failures().first() {
                return Err(Failure {
                    resource: resource.into(),
                    message: format!(
                        "could not start: {}",
                        f.reason().unwrap_or("unknown reason")
                    ),
                    call: None,
                });
            }
            out.tasks()
                .first()
                .and_then(|t| t.task_arn())
                .unwrap_or_default()
                .to_owned()
        };
        self.poll(resource, "still running", || async {
            let out = self
                .aws
                .ecs
                .describe_tasks()
                .cluster(cluster)
                .tasks(&task)
                .send()
                .await
                .map_err(failed(resource))?;
            if let Some(t) = out.tasks().first()
                && t.last_status() == Some("STOPPED")
            {
                let codes: Vec<Option<i32>> = t
                    .containers()
                    .iter()
                    .map(aws_sdk_ecs::types::Container::exit_code)
                    .collect();
                let ok = !codes.is_empty() && codes.iter().all(|c| *c == Some(0));
                if !ok {
                    return Err(Failure {
                        resource: resource.into(),
                        message: format!(
                            "the task stopped without success (exit codes {codes:?}): {}",
                            t.stopped_reason().unwrap_or("no reason given")
                        ),
                        call: None,
                    });
                }
                return Ok(Some(()));
            }
            Ok(None)
        })
        .await?;
        self.aws
            .ecs
            .tag_resource()
            .resource_arn(&arn)
            .tags(
                aws_sdk_ecs::types::Tag::builder()
                    .key(RAN_TAG)
                    .value("succeeded")
                    .build(),
            )
            .send()
            .await
            .map_err(failed(resource))?;
        Ok(Made::default())
    }

    pub(super) async fn service(&self, name: &str, update: bool, resource: &str) -> Result<Made> {
        let doc = self.fill(&self.desired.services[name], resource)?;
        let arn = self.task_definition_arn(name).ok_or_else(|| Failure {
            resource: resource.into(),
            message: "its task definition is not registered".into(),
            call: None,
        })?;
        let network = ecs_api::network(&doc).map_err(|message| Failure {
            resource: resource.into(),
            message,
            call: None,
        })?;
        if update {
            self.aws
                .ecs
                .update_service()
                .set_cluster(str_of(&doc, "cluster"))
                // The one read as the stack's (by its tags), whatever its name.
                .set_service(self.live.services.get(name).map(|s| s.arn.clone()))
                .task_definition(&arn)
                .set_desired_count(int_of(&doc, "desiredCount"))
                .network_configuration(network)
                .set_load_balancers(Some(ecs_api::load_balancers(&doc)))
                .deployment_configuration(ecs_api::deployment(&doc))
                .set_health_check_grace_period_seconds(int_of(
                    &doc,
                    "healthCheckGracePeriodSeconds",
                ))
                .send()
                .await
                .map_err(failed(resource))?;
            return Ok(Made::default());
        }
        self.aws
            .ecs
            .create_service()
            .set_cluster(str_of(&doc, "cluster"))
            .set_service_name(str_of(&doc, "serviceName"))
            .task_definition(&arn)
            .set_desired_count(int_of(&doc, "desiredCount"))
            .set_launch_type(str_of(&doc, "launchType").map(|s| s.as_str().into()))
            .network_configuration(network)
            .set_load_balancers(Some(ecs_api::load_balancers(&doc)))
            .set_health_check_grace_period_seconds(int_of(&doc, "healthCheckGracePeriodSeconds"))
            .deployment_configuration(ecs_api::deployment(&doc))
            .set_service_connect_configuration(ecs_api::service_connect(&doc).map_err(
                |message| Failure {
                    resource: resource.into(),
                    message,
                    call: None,
                },
            )?)
            .set_enable_ecs_managed_tags(json::bool_of(&doc, "enableECSManagedTags"))
            .set_propagate_tags(str_of(&doc, "propagateTags").map(|s| s.as_str().into()))
            .set_tags(Some(ecs_api::tags(&doc)))
            .send()
            .await
            .map_err(failed(resource))?;
        Ok(Made::default())
    }

    /// The services of the cluster by their names in it (ECS describes at most ten a call).
    pub(super) async fn describe_services(
        &self,
        names: &[String],
    ) -> Result<Vec<aws_sdk_ecs::types::Service>> {
        let mut services = Vec::new();
        for chunk in names.chunks(10) {
            let out = self
                .aws
                .ecs
                .describe_services()
                .cluster(&self.desired.cluster_name)
                .set_services(Some(chunk.to_vec()))
                .send()
                .await
                .map_err(failed("services"))?;
            services.extend(out.services().iter().cloned());
        }
        Ok(services)
    }

    /// Waits until each service runs its one deployment at the desired count; a rolled-back
    /// deployment (the circuit breaker) is a failure.
    pub(super) async fn wait_stable(&self, services: &[String]) -> Result<()> {
        if services.is_empty() {
            return Ok(());
        }
        let names: Vec<String> = services.iter().map(|s| self.service_name(s)).collect();
        self.poll(
            &format!("service/{}", services.join(", service/")),
            "not stable",
            || async {
                let mut waiting = Vec::new();
                for s in &self.describe_services(&names).await? {
                    let name = s.service_name().unwrap_or_default();
                    let deployments = s.deployments();
                    if let Some(d) = deployments.iter().find(|d| d.status() == Some("PRIMARY"))
                        && d.rollout_state()
                            .map(aws_sdk_ecs::types::DeploymentRolloutState::as_str)
                            == Some("FAILED")
                    {
                        return Err(Failure {
                            resource: format!("service/{name}"),
                            message: format!(
                                "the deployment failed and was rolled back: {}",
                                d.rollout_state_reason().unwrap_or("no reason given")
                            ),
                            call: None,
                        });
                    }
                    let completed = deployments.len() == 1
                        && (s.running_count() >= s.desired_count()
                            || deployments[0]
                                .rollout_state()
                                .map(aws_sdk_ecs::types::DeploymentRolloutState::as_str)
                                == Some("COMPLETED"));
                    if !completed {
                        waiting.push(name.to_owned());
                    }
                }
                if waiting.is_empty() {
                    self.say(&format!("stable: {}", services.join(", ")));
                    return Ok(Some(()));
                }
                Ok(None)
            },
        )
        .await
    }
}
