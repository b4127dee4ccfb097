//! Deleting what the stack owns, in reverse dependency order: services, then what routes to them,
//! then the load balancer, task definitions, storage, security groups, secrets, logs and cluster.

use std::time::Instant;

use super::Run;
use crate::deploy::aws::{Result, code_of, failed};
use crate::deploy::live::revisions;
use crate::deploy::plan::{Change, Step};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;

impl Run<'_> {
    pub(super) async fn deletions(&self, deletes: &[&Change]) -> Result<()> {
        let of = |pick: fn(&Step) -> bool| -> Vec<&Change> {
            deletes.iter().copied().filter(|c| pick(&c.step)).collect()
        };
        let services = of(|s| matches!(s, Step::Service(_)));
        for c in &services {
            self.say(&format!("delete {} ...", c.resource));
            if let Step::Service(name) = &c.step {
                self.delete_service(name, &c.resource).await?;
            }
        }
        self.wait_gone(&services).await?;
        for c in of(|s| matches!(s, Step::LoadBalancer)) {
            self.say(&format!("delete {} ...", c.resource));
            if let Some(lb) = &self.live.load_balancer {
                self.aws
                    .elb
                    .delete_load_balancer()
                    .load_balancer_arn(&lb.arn)
                    .send()
                    .await
                    .map_err(failed(&c.resource))?;
            }
        }
        for c in of(|s| matches!(s, Step::TargetGroup(_))) {
            self.say(&format!("delete {} ...", c.resource));
            if let Step::TargetGroup(service) = &c.step
                && let Some(tg) = self.live.target_groups.get(service)
            {
                self.retry_in_use(&c.resource, || async {
                    self.aws
                        .elb
                        .delete_target_group()
                        .target_group_arn(&tg.arn)
                        .send()
                        .await
                        .map(|_| ())
                })
                .await?;
            }
        }
        for c in of(|s| matches!(s, Step::TaskDefinition(_))) {
            self.say(&format!("delete {} ...", c.resource));
            if let Step::TaskDefinition(family) = &c.step {
                self.deregister_family(family, &c.resource).await?;
            }
        }
        for c in of(|s| matches!(s, Step::Efs)) {
            self.say(&format!("delete {} ...", c.resource));
            self.delete_efs(&c.resource).await?;
        }
        let groups = of(|s| matches!(s, Step::Group(_)));
        // Rules between the groups go first: a group another one refers to cannot be deleted.
        for c in &groups {
            if let Step::Group(owner) = &c.step
                && let Some(g) = self.live.groups.get(owner)
                && !g.rules.is_empty()
            {
                match self
                    .aws
                    .ec2
                    .revoke_security_group_ingress()
                    .group_id(&g.id)
                    .set_ip_permissions(Some(g.rules.values().cloned().collect()))
                    .send()
                    .await
                {
                    Ok(_) => {}
                    Err(e) if code_of(&e) == Some("InvalidPermission.NotFound") => {}
                    Err(e) => return Err(failed(&c.resource)(e)),
                }
            }
        }
        self.revoke_rules_naming(&groups).await?;
        for c in &groups {
            self.say(&format!("delete {} ...", c.resource));
            if let Step::Group(owner) = &c.step
                && let Some(g) = self.live.groups.get(owner)
            {
                self.retry_in_use(&c.resource, || async {
                    match self
                        .aws
                        .ec2
                        .delete_security_group()
                        .group_id(&g.id)
                        .send()
                        .await
                    {
                        Err(e) if code_of(&e) == Some("InvalidGroup.NotFound") => Ok(()),
                        other => other.map(|_| ()),
                    }
                })
                .await?;
            }
        }
        for c in of(|s| matches!(s, Step::Parameter(_))) {
            self.say(&format!("delete {} ...", c.resource));
            if let Step::Parameter(name) = &c.step {
                match self.aws.ssm.delete_parameter().name(name).send().await {
                    Ok(_) => {}
                    Err(e) if code_of(&e) == Some("ParameterNotFound") => {}
                    Err(e) => return Err(failed(&c.resource)(e)),
                }
            }
        }
        for c in of(|s| matches!(s, Step::LogGroup)) {
            self.say(&format!("delete {} ...", c.resource));
            let name = self.desired.log_group["logGroupName"]
                .as_str()
                .unwrap_or_default();
            match self
                .aws
                .logs
                .delete_log_group()
                .log_group_name(name)
                .send()
                .await
            {
                Ok(_) => {}
                Err(e) if code_of(&e) == Some("ResourceNotFoundException") => {}
                Err(e) => return Err(failed(&c.resource)(e)),
            }
        }
        for c in of(|s| matches!(s, Step::Cluster)) {
            self.say(&format!("delete {} ...", c.resource));
            self.retry_in_use(&c.resource, || async {
                self.aws
                    .ecs
                    .delete_cluster()
                    .cluster(&self.desired.cluster_name)
                    .send()
                    .await
                    .map(|_| ())
            })
            .await?;
        }
        for c in of(|s| matches!(s, Step::Namespace)) {
            self.say(&format!("delete {} ...", c.resource));
            if let Some(ns) = &self.live.namespace {
                // ECS removes the Cloud Map services of deleted services a little later: until
                // then the namespace is in use.
                let operation = std::cell::RefCell::new(None);
                self.retry_in_use(&c.resource, || async {
                    match self.aws.sd.delete_namespace().id(&ns.id).send().await {
                        Ok(out) => {
                            *operation.borrow_mut() = out.operation_id().map(str::to_owned);
                            Ok(())
                        }
                        Err(e) if code_of(&e) == Some("NamespaceNotFound") => Ok(()),
                        Err(e) => Err(e),
                    }
                })
                .await?;
                if let Some(id) = operation.into_inner() {
                    self.await_operation(&id, &c.resource).await?;
                }
            }
        }
        Ok(())
    }

    /// In the groups that stay (the file system's, kept with its data), the rules whose source is a
    /// group being deleted: a group another one refers to cannot be deleted.
    async fn revoke_rules_naming(&self, deleted: &[&Change]) -> Result<()> {
        let gone: Vec<&str> = deleted
            .iter()
            .filter_map(|c| match &c.step {
                Step::Group(owner) => self.live.groups.get(owner).map(|g| g.id.as_str()),
                _ => None,
            })
            .collect();
        for (owner, g) in &self.live.groups {
            if deleted.iter().any(|c| c.step == Step::Group(owner.clone())) {
                continue;
            }
            let naming: Vec<_> = g
                .rules
                .iter()
                .filter(|(key, _)| key.rsplit(' ').next().is_some_and(|s| gone.contains(&s)))
                .map(|(_, p)| p.clone())
                .collect();
            if naming.is_empty() {
                continue;
            }
            self.say(&format!(
                "revoke the rules of security-group/{owner} that name deleted groups ..."
            ));
            match self
                .aws
                .ec2
                .revoke_security_group_ingress()
                .group_id(&g.id)
                .set_ip_permissions(Some(naming))
                .send()
                .await
            {
                Ok(_) => {}
                Err(e) if code_of(&e) == Some("InvalidPermission.NotFound") => {}
                Err(e) => return Err(failed(format!("security-group/{owner}"))(e)),
            }
        }
        Ok(())
    }

    /// Deletes listener rules and the redirect listener, before anything is created: a freed
    /// priority or port may be taken again.
    pub(super) async fn delete_early(&self, rules: &[&Change]) -> Result<()> {
        for c in rules {
            self.say(&format!("delete {} ...", c.resource));
            let listener = match c.step {
                Step::Listener => self.live.listener.as_ref(),
                Step::RedirectListener => self.live.redirect_listener.as_ref(),
                _ => None,
            };
            if let Some(listener) = listener {
                match self
                    .aws
                    .elb
                    .delete_listener()
                    .listener_arn(&listener.arn)
                    .send()
                    .await
                {
                    Ok(_) => {}
                    Err(e) if code_of(&e) == Some("ListenerNotFound") => {}
                    Err(e) => return Err(failed(&c.resource)(e)),
                }
            }
            if let Step::Rule(tag) = &c.step
                && let Some(rule) = self.live.rules.get(tag)
            {
                match self.aws.elb.delete_rule().rule_arn(&rule.arn).send().await {
                    Ok(_) => {}
                    Err(e) if code_of(&e) == Some("RuleNotFound") => {}
                    Err(e) => return Err(failed(&c.resource)(e)),
                }
            }
        }
        Ok(())
    }

    async fn delete_service(&self, name: &str, resource: &str) -> Result<()> {
        // Only a service read as the stack's (by its tags) is deleted, by its ARN.
        let Some(service) = self.live.services.get(name) else {
            return Ok(());
        };
        match self
            .aws
            .ecs
            .delete_service()
            .cluster(&self.desired.cluster_name)
            .service(&service.arn)
            .force(true)
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if code_of(&e) == Some("ServiceNotFoundException") => Ok(()),
            Err(e) => Err(failed(resource)(e)),
        }
    }

    /// Waits until deleted services have drained (their target groups are then free).
    async fn wait_gone(&self, services: &[&Change]) -> Result<()> {
        let names: Vec<String> = services
            .iter()
            .filter_map(|c| match &c.step {
                Step::Service(n) => Some(self.service_name(n)),
                _ => None,
            })
            .collect();
        if names.is_empty() {
            return Ok(());
        }
        self.poll(
            &format!("service/{}", names.join(", service/")),
            "still draining",
            || async {
                let services = self.describe_services(&names).await?;
                let draining: Vec<&str> = services
                    .iter()
                    .filter(|s| s.status() != Some("INACTIVE"))
                    .filter_map(|s| s.service_name())
                    .collect();
                if draining.is_empty() {
                    return Ok(Some(()));
                }
                Ok(None)
            },
        )
        .await
    }

    /// Deregisters the family's revisions that are the stack's; revisions someone else registered
    /// in it stay.
    async fn deregister_family(&self, family: &str, resource: &str) -> Result<()> {
        for (arn, owner) in revisions(self.aws, family, self.desired.identity()).await? {
            if !owner.is_this() {
                self.say(&format!(
                    "keep {}: not tagged as the stack's",
                    arn.rsplit('/').next().unwrap_or(&arn)
                ));
                continue;
            }
            self.aws
                .ecs
                .deregister_task_definition()
                .task_definition(&arn)
                .send()
                .await
                .map_err(failed(resource))?;
        }
        Ok(())
    }

    async fn delete_efs(&self, resource: &str) -> Result<()> {
        let Some(efs) = &self.live.efs else {
            return Ok(());
        };
        for ap in self.live.access_points.values() {
            self.aws
                .efs
                .delete_access_point()
                .access_point_id(ap)
                .send()
                .await
                .map_err(failed(resource))?;
        }
        for mt in self.live.mount_targets.values() {
            self.aws
                .efs
                .delete_mount_target()
                .mount_target_id(mt)
                .send()
                .await
                .map_err(failed(resource))?;
        }
        self.retry_in_use(resource, || async {
            match self
                .aws
                .efs
                .delete_file_system()
                .file_system_id(&efs.id)
                .send()
                .await
            {
                Err(e) if code_of(&e) == Some("FileSystemNotFound") => Ok(()),
                other => other.map(|_| ()),
            }
        })
        .await
    }

    /// Retries a delete while AWS still sees the thing in use (network interfaces of a deleted
    /// load balancer or task take minutes to go).
    async fn retry_in_use<F, Fut, E>(&self, resource: &str, call: F) -> Result<()>
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = std::result::Result<(), SdkError<E, HttpResponse>>>,
        E: std::error::Error + aws_smithy_types::error::metadata::ProvideErrorMetadata + 'static,
    {
        let deadline = super::deadline(self.options.timeout);
        loop {
            match call().await {
                Ok(()) => return Ok(()),
                Err(e)
                    if matches!(
                        code_of(&e),
                        Some(
                            "DependencyViolation"
                                | "ResourceInUse"
                                | "ClusterContainsServicesException"
                                | "ClusterContainsTasksException"
                                | "FileSystemInUse"
                        )
                    ) && Instant::now() < deadline =>
                {
                    tokio::time::sleep(self.options.poll).await;
                }
                Err(e) => return Err(failed(resource)(e)),
            }
        }
    }
}
