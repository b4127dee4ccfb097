//! Carries out a plan: creates and updates in dependency order (a few at a time), jobs run to
//! completion before what waits for them, services awaited until stable, then deletions in reverse.
//! Every create carries the stack's tags, so an interrupted run is found and finished by the next.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use futures::StreamExt;
use serde_json::Value;

use super::aws::{Clients, Failure, Result, code_of, failed};
use super::desired::Desired;
use super::json::{self, Names, int_of, str_of, strings_of};
use super::live::{DIGEST_TAG, Live, RAN_TAG, STACK_TAG, split_permission};
use super::plan::{Action, Change, Plan, Step, derived_value};
use super::{ecs_api, elb_api};

/// How many calls of one phase are in flight at once.
const CONCURRENCY: usize = 4;

pub struct Options {
    /// How long to wait for a service to become stable or a job to finish.
    pub timeout: Duration,
    /// Seconds between polls.
    pub poll: Duration,
}

pub(super) struct Run<'a> {
    pub(super) aws: &'a Clients,
    pub(super) desired: &'a Desired,
    pub(super) live: &'a Live,
    pub(super) options: &'a Options,
    names: Names,
    /// Values of the parameters generated in this run.
    fresh: BTreeMap<String, String>,
    started: Instant,
}

/// What a step made: placeholder values for later steps, and generated secrets.
#[derive(Default)]
struct Made {
    names: Vec<(String, String)>,
    secret: Option<(String, String)>,
}

impl Made {
    fn name(key: impl Into<String>, value: impl Into<String>) -> Self {
        Self {
            names: vec![(key.into(), value.into())],
            secret: None,
        }
    }
}

pub async fn execute(
    aws: &Clients,
    desired: &Desired,
    live: &Live,
    plan: &Plan,
    options: &Options,
) -> Result<()> {
    let mut run = Run {
        aws,
        desired,
        live,
        options,
        names: live.names.clone(),
        fresh: BTreeMap::new(),
        started: Instant::now(),
    };
    let (deletes, changes): (Vec<&Change>, Vec<&Change>) = plan
        .changes
        .iter()
        .partition(|c| c.action == Action::Delete);
    // Rules first: a rule of a renamed route frees its priority before the new one takes it.
    let early: Vec<&Change> = deletes
        .iter()
        .copied()
        .filter(|c| matches!(c.step, Step::Rule(_)))
        .collect();
    run.delete_rules(&early).await?;
    for phase in 0..6 {
        let steps: Vec<&Change> = changes
            .iter()
            .copied()
            .filter(|c| run.phase_of(&c.step) == Some(phase))
            .collect();
        if phase == 4 {
            run.rule_priorities(&steps).await?;
        }
        run.phase(&steps).await?;
    }
    for layer in &desired.layers {
        let steps: Vec<&Change> = changes
            .iter()
            .copied()
            .filter(|c| match &c.step {
                Step::Job(n) | Step::Service(n) => layer.contains(n),
                _ => false,
            })
            .collect();
        run.phase(&steps).await?;
        let services: Vec<String> = steps
            .iter()
            .filter_map(|c| match &c.step {
                Step::Service(n) => Some(n.clone()),
                _ => None,
            })
            .collect();
        run.wait_stable(&services).await?;
    }
    run.deletions(&deletes).await
}

impl Run<'_> {
    fn phase_of(&self, step: &Step) -> Option<u8> {
        Some(match step {
            Step::Cluster | Step::LogGroup | Step::Group(_) => 0,
            Step::Parameter(name) => {
                let derived = self.desired.parameters.iter().any(|p| {
                    str_of(p, "name").as_deref() == Some(name)
                        && str_of(p, "source").as_deref() == Some("derived")
                });
                u8::from(derived)
            }
            Step::Ingress(_) | Step::Efs => 1,
            Step::MountTarget(_)
            | Step::AccessPoint(_)
            | Step::LoadBalancer
            | Step::TargetGroup(_) => 2,
            Step::Listener => 3,
            Step::Rule(_) => 4,
            Step::TaskDefinition(_) => 5,
            Step::Job(_) | Step::Service(_) => return None,
        })
    }

    pub(super) fn say(&self, what: &str) {
        eprintln!("[{:>4}s] {what}", self.started.elapsed().as_secs());
    }

    async fn phase(&mut self, changes: &[&Change]) -> Result<()> {
        if changes.is_empty() {
            return Ok(());
        }
        let this = &*self;
        let results: Vec<Result<Made>> =
            futures::stream::iter(changes.iter().map(|c| async move {
                this.say(&format!("{:?} {} ...", c.action, c.resource).to_lowercase());
                let made = this.step(c).await?;
                this.say(&format!("{} done", c.resource));
                Ok(made)
            }))
            .buffer_unordered(CONCURRENCY)
            .collect()
            .await;
        let mut first_error = None;
        for r in results {
            match r {
                Ok(made) => {
                    for (k, v) in made.names {
                        self.names.set(k, v);
                    }
                    if let Some((k, v)) = made.secret {
                        self.fresh.insert(k, v);
                    }
                }
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        first_error.map_or(Ok(()), Err)
    }

    fn fill(&self, doc: &Value, resource: &str) -> Result<Value> {
        json::fill(doc, &self.names, false).map_err(|message| Failure {
            resource: resource.to_owned(),
            message,
        })
    }

    async fn step(&self, change: &Change) -> Result<Made> {
        let resource = change.resource.as_str();
        let update = change.action == Action::Update;
        let aws = self.aws;
        let d = self.desired;
        match &change.step {
            Step::Cluster => {
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
                            })?,
                    );
                }
                b.send().await.map_err(failed(resource))?;
                Ok(Made::default())
            }
            Step::LogGroup => {
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
            Step::Parameter(name) => self.parameter(name, update, resource).await,
            Step::Group(owner) => {
                let doc = self.fill(&d.groups[owner].create, resource)?;
                let spec = &json::list_of(&doc, "TagSpecifications")[0];
                let tags = json::tags_of(spec, "Tags")
                    .into_iter()
                    .map(|(k, v)| aws_sdk_ec2::types::Tag::builder().key(k).value(v).build())
                    .collect();
                let out = aws
                    .ec2
                    .create_security_group()
                    .set_group_name(str_of(&doc, "GroupName"))
                    .set_description(str_of(&doc, "Description"))
                    .set_vpc_id(str_of(&doc, "VpcId"))
                    .tag_specifications(
                        aws_sdk_ec2::types::TagSpecification::builder()
                            .resource_type(aws_sdk_ec2::types::ResourceType::SecurityGroup)
                            .set_tags(Some(tags))
                            .build(),
                    )
                    .send()
                    .await
                    .map_err(failed(resource))?;
                Ok(Made::name(
                    format!("security-group:{owner}"),
                    out.group_id().unwrap_or_default(),
                ))
            }
            Step::Ingress(owner) => self.ingress(owner, resource).await,
            Step::Efs => self.create_efs(resource).await,
            Step::MountTarget(subnet) => {
                let doc =
                    self.fill(&d.efs.clone().unwrap_or_default()["mountTargets"], resource)?;
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
            Step::AccessPoint(volume) => {
                let doc = self.fill(
                    &d.efs.clone().unwrap_or_default()["accessPoints"][volume],
                    resource,
                )?;
                let root = &doc["RootDirectory"];
                let info = &root["CreationInfo"];
                let tags = json::tags_of(&doc, "Tags")
                    .into_iter()
                    .filter_map(|(k, v)| {
                        aws_sdk_efs::types::Tag::builder()
                            .key(k)
                            .value(v)
                            .build()
                            .ok()
                    })
                    .collect();
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
            Step::LoadBalancer => self.load_balancer(update, resource).await,
            Step::TargetGroup(service) => self.target_group(service, update, resource).await,
            Step::Listener => self.listener(update, resource).await,
            // A move in priority alone was made by `rule_priorities`.
            Step::Rule(_) if update && change.fields.iter().all(|f| f.field == "Priority") => {
                Ok(Made::default())
            }
            Step::Rule(tag) => self.rule(tag, update, resource).await,
            Step::TaskDefinition(name) => {
                let symbolic = super::plan::symbolic(&d.task_definitions[name], &self.live.names);
                let mut untagged = symbolic.clone();
                if let Some(m) = untagged.as_object_mut() {
                    m.remove("tags");
                }
                let digest = json::digest(&untagged);
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
            Step::Job(name) => self.run_job(name, resource).await,
            Step::Service(name) => self.service(name, update, resource).await,
        }
    }

    fn task_definition_arn(&self, name: &str) -> Option<String> {
        self.names
            .get(&format!("task-definition:{name}"))
            .map(str::to_owned)
            .or_else(|| self.live.task_definitions.get(name).map(|t| t.arn.clone()))
    }

    async fn parameter(&self, name: &str, update: bool, resource: &str) -> Result<Made> {
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
            })?
        } else {
            derived_value(&doc, self.live, &self.fresh).ok_or_else(|| Failure {
                resource: resource.into(),
                message: "a parameter it is made of does not exist".into(),
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
            b = b.tags(
                aws_sdk_ssm::types::Tag::builder()
                    .key(STACK_TAG)
                    .value(&self.desired.stack)
                    .build()
                    .map_err(|e| Failure {
                        resource: resource.into(),
                        message: e.to_string(),
                    })?,
            );
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

    async fn ingress(&self, owner: &str, resource: &str) -> Result<Made> {
        let group_id = self
            .names
            .get(&format!("security-group:{owner}"))
            .unwrap_or_default()
            .to_owned();
        let want: BTreeMap<String, aws_sdk_ec2::types::IpPermission> =
            match &self.desired.groups[owner].ingress {
                Some(doc) => {
                    let doc = self.fill(doc, resource)?;
                    let ingress = ec2_permissions(&doc);
                    ingress.iter().flat_map(split_permission).collect()
                }
                None => BTreeMap::new(),
            };
        let have = self
            .live
            .groups
            .get(owner)
            .map(|g| g.rules.clone())
            .unwrap_or_default();
        let add: Vec<_> = want
            .iter()
            .filter(|(k, _)| !have.contains_key(*k))
            .map(|(_, p)| p.clone())
            .collect();
        let remove: Vec<_> = have
            .iter()
            .filter(|(k, _)| !want.contains_key(*k))
            .map(|(_, p)| p.clone())
            .collect();
        if !add.is_empty() {
            match self
                .aws
                .ec2
                .authorize_security_group_ingress()
                .group_id(&group_id)
                .set_ip_permissions(Some(add))
                .send()
                .await
            {
                Ok(_) => {}
                Err(e) if code_of(&e) == Some("InvalidPermission.Duplicate") => {}
                Err(e) => return Err(failed(resource)(e)),
            }
        }
        if !remove.is_empty() {
            self.aws
                .ec2
                .revoke_security_group_ingress()
                .group_id(&group_id)
                .set_ip_permissions(Some(remove))
                .send()
                .await
                .map_err(failed(resource))?;
        }
        Ok(Made::default())
    }

    async fn create_efs(&self, resource: &str) -> Result<Made> {
        let doc = self.fill(
            &self.desired.efs.clone().unwrap_or_default()["fileSystem"],
            resource,
        )?;
        let tags = json::tags_of(&doc, "Tags")
            .into_iter()
            .filter_map(|(k, v)| {
                aws_sdk_efs::types::Tag::builder()
                    .key(k)
                    .value(v)
                    .build()
                    .ok()
            })
            .collect();
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
        let deadline = Instant::now() + self.options.timeout;
        loop {
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
                break;
            }
            if Instant::now() > deadline {
                return Err(Failure {
                    resource: resource.into(),
                    message: "not available in time".into(),
                });
            }
            tokio::time::sleep(self.options.poll).await;
        }
        Ok(Made::name("efs", id))
    }

    async fn load_balancer(&self, update: bool, resource: &str) -> Result<Made> {
        use aws_sdk_elasticloadbalancingv2::types as t;
        let lb = self.desired.load_balancer.clone().unwrap_or_default();
        let doc = self.fill(&lb["loadBalancer"], resource)?;
        if update {
            let arn = self.names.get("load-balancer").unwrap_or_default();
            self.aws
                .elb
                .set_subnets()
                .load_balancer_arn(arn)
                .set_subnets(strings_of(&doc, "Subnets"))
                .send()
                .await
                .map_err(failed(resource))?;
            self.aws
                .elb
                .set_security_groups()
                .load_balancer_arn(arn)
                .set_security_groups(strings_of(&doc, "SecurityGroups"))
                .send()
                .await
                .map_err(failed(resource))?;
            return Ok(Made::default());
        }
        let out = self
            .aws
            .elb
            .create_load_balancer()
            .set_name(str_of(&doc, "Name"))
            .set_subnets(strings_of(&doc, "Subnets"))
            .set_security_groups(strings_of(&doc, "SecurityGroups"))
            .set_scheme(str_of(&doc, "Scheme").map(|s| t::LoadBalancerSchemeEnum::from(s.as_str())))
            .set_type(str_of(&doc, "Type").map(|s| t::LoadBalancerTypeEnum::from(s.as_str())))
            .set_ip_address_type(
                str_of(&doc, "IpAddressType").map(|s| t::IpAddressType::from(s.as_str())),
            )
            .set_tags(Some(elb_api::tags(&doc)))
            .send()
            .await
            .map_err(failed(resource))?;
        let arn = out
            .load_balancers()
            .first()
            .and_then(|l| l.load_balancer_arn())
            .unwrap_or_default();
        Ok(Made::name("load-balancer", arn))
    }

    async fn target_group(&self, service: &str, update: bool, resource: &str) -> Result<Made> {
        use aws_sdk_elasticloadbalancingv2::types as t;
        let lb = self.desired.load_balancer.clone().unwrap_or_default();
        let doc = self.fill(&lb["targetGroups"][service], resource)?;
        let matcher = t::Matcher::builder()
            .set_http_code(str_of(&doc["Matcher"], "HttpCode"))
            .build();
        if update {
            let arn = self
                .names
                .get(&format!("target-group:{service}"))
                .unwrap_or_default();
            self.aws
                .elb
                .modify_target_group()
                .target_group_arn(arn)
                .set_health_check_protocol(
                    str_of(&doc, "HealthCheckProtocol").map(|s| t::ProtocolEnum::from(s.as_str())),
                )
                .set_health_check_path(str_of(&doc, "HealthCheckPath"))
                .set_health_check_interval_seconds(int_of(&doc, "HealthCheckIntervalSeconds"))
                .set_health_check_timeout_seconds(int_of(&doc, "HealthCheckTimeoutSeconds"))
                .set_healthy_threshold_count(int_of(&doc, "HealthyThresholdCount"))
                .set_unhealthy_threshold_count(int_of(&doc, "UnhealthyThresholdCount"))
                .matcher(matcher)
                .send()
                .await
                .map_err(failed(resource))?;
            return Ok(Made::default());
        }
        let out = self
            .aws
            .elb
            .create_target_group()
            .set_name(str_of(&doc, "Name"))
            .set_protocol(str_of(&doc, "Protocol").map(|s| t::ProtocolEnum::from(s.as_str())))
            .set_port(int_of(&doc, "Port"))
            .set_vpc_id(str_of(&doc, "VpcId"))
            .set_target_type(
                str_of(&doc, "TargetType").map(|s| t::TargetTypeEnum::from(s.as_str())),
            )
            .set_health_check_protocol(
                str_of(&doc, "HealthCheckProtocol").map(|s| t::ProtocolEnum::from(s.as_str())),
            )
            .set_health_check_path(str_of(&doc, "HealthCheckPath"))
            .set_health_check_interval_seconds(int_of(&doc, "HealthCheckIntervalSeconds"))
            .set_health_check_timeout_seconds(int_of(&doc, "HealthCheckTimeoutSeconds"))
            .set_healthy_threshold_count(int_of(&doc, "HealthyThresholdCount"))
            .set_unhealthy_threshold_count(int_of(&doc, "UnhealthyThresholdCount"))
            .matcher(matcher)
            .set_tags(Some(elb_api::tags(&doc)))
            .send()
            .await
            .map_err(failed(resource))?;
        let arn = out
            .target_groups()
            .first()
            .and_then(|g| g.target_group_arn())
            .unwrap_or_default();
        Ok(Made::name(format!("target-group:{service}"), arn))
    }

    async fn listener(&self, update: bool, resource: &str) -> Result<Made> {
        use aws_sdk_elasticloadbalancingv2::types as t;
        let lb = self.desired.load_balancer.clone().unwrap_or_default();
        let doc = self.fill(&lb["listener"], resource)?;
        let protocol = str_of(&doc, "Protocol").map(|s| t::ProtocolEnum::from(s.as_str()));
        if update {
            self.aws
                .elb
                .modify_listener()
                .listener_arn(self.names.get("listener").unwrap_or_default())
                .set_protocol(protocol)
                .set_port(int_of(&doc, "Port"))
                .set_default_actions(Some(elb_api::actions(&doc, "DefaultActions")))
                .send()
                .await
                .map_err(failed(resource))?;
            return Ok(Made::default());
        }
        let out = self
            .aws
            .elb
            .create_listener()
            .set_load_balancer_arn(str_of(&doc, "LoadBalancerArn"))
            .set_protocol(protocol)
            .set_port(int_of(&doc, "Port"))
            .set_default_actions(Some(elb_api::actions(&doc, "DefaultActions")))
            .set_tags(Some(elb_api::tags(&doc)))
            .send()
            .await
            .map_err(failed(resource))?;
        let arn = out
            .listeners()
            .first()
            .and_then(|l| l.listener_arn())
            .unwrap_or_default();
        Ok(Made::name("listener", arn))
    }

    async fn rule(&self, tag: &str, update: bool, resource: &str) -> Result<Made> {
        let lb = self.desired.load_balancer.clone().unwrap_or_default();
        let raw = json::list_of(&lb, "rules")
            .iter()
            .find(|r| json::tags_of(r, "Tags").iter().any(|(_, v)| v == tag))
            .cloned()
            .unwrap_or_default();
        let doc = self.fill(&raw, resource)?;
        if update {
            let current = &self.live.rules[tag];
            self.aws
                .elb
                .modify_rule()
                .rule_arn(&current.arn)
                .set_conditions(Some(elb_api::conditions(&doc)))
                .set_actions(Some(elb_api::actions(&doc, "Actions")))
                .set_transforms(elb_api::transforms(&doc))
                .send()
                .await
                .map_err(failed(resource))?;
            return Ok(Made::default());
        }
        self.aws
            .elb
            .create_rule()
            .set_listener_arn(str_of(&doc, "ListenerArn"))
            .set_priority(elb_api::int(&doc, "Priority"))
            .set_conditions(Some(elb_api::conditions(&doc)))
            .set_actions(Some(elb_api::actions(&doc, "Actions")))
            .set_transforms(elb_api::transforms(&doc))
            .set_tags(Some(elb_api::tags(&doc)))
            .send()
            .await
            .map_err(failed(resource))?;
        Ok(Made::default())
    }

    /// Moves existing rules to their new priorities in one call: AWS swaps them at once, where
    /// one by one they would collide with each other or with a new route's rule.
    async fn rule_priorities(&self, steps: &[&Change]) -> Result<()> {
        let lb = self.desired.load_balancer.clone().unwrap_or_default();
        let mut pairs = Vec::new();
        for c in steps.iter().filter(|c| c.action == Action::Update) {
            let Step::Rule(tag) = &c.step else { continue };
            let Some(current) = self.live.rules.get(tag) else {
                continue;
            };
            let wanted = json::list_of(&lb, "rules")
                .iter()
                .find(|r| json::tags_of(r, "Tags").iter().any(|(_, v)| v == tag))
                .and_then(|r| elb_api::int(r, "Priority"));
            let now = current.view["Priority"]
                .as_i64()
                .and_then(|p| i32::try_from(p).ok());
            if let (Some(now), Some(wanted)) = (now, wanted)
                && now != wanted
            {
                pairs.push((now, wanted, current.arn.clone()));
            }
        }
        if pairs.is_empty() {
            return Ok(());
        }
        // One at a time, in an order where each target priority is already free: rules moving down
        // the list from the far end first, then those moving up from the near end.
        let (mut down, mut up): (Vec<_>, Vec<_>) =
            pairs.into_iter().partition(|(now, wanted, _)| wanted > now);
        down.sort_by_key(|(_, wanted, _)| std::cmp::Reverse(*wanted));
        up.sort_by_key(|(_, wanted, _)| *wanted);
        self.say("set rule priorities ...");
        for (_, wanted, arn) in down.into_iter().chain(up) {
            self.aws
                .elb
                .set_rule_priorities()
                .rule_priorities(
                    aws_sdk_elasticloadbalancingv2::types::RulePriorityPair::builder()
                        .rule_arn(arn)
                        .priority(wanted)
                        .build(),
                )
                .send()
                .await
                .map_err(failed("listener rule priorities"))?;
        }
        Ok(())
    }

    fn job_network(&self, name: &str) -> Result<aws_sdk_ecs::types::NetworkConfiguration> {
        let subnets = if self.desired.own_subnets {
            self.desired
                .services
                .values()
                .find_map(|s| {
                    strings_of(&s["networkConfiguration"]["awsvpcConfiguration"], "subnets")
                })
                .unwrap_or_default()
        } else {
            match self.names.0.get("default-subnets") {
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
        })
    }

    /// Runs a job's task and waits for it; a task of the same revision already running is awaited
    /// instead of starting a second one. Success is remembered on the revision.
    async fn run_job(&self, name: &str, resource: &str) -> Result<Made> {
        let arn = self.task_definition_arn(name).ok_or_else(|| Failure {
            resource: resource.into(),
            message: "its task definition is not registered".into(),
        })?;
        let cluster = &self.desired.cluster_name;
        let started_by = format!("stackc/{}", arn.rsplit('/').next().unwrap_or(name));
        let started_by: String = started_by.chars().take(36).collect();
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
                });
            }
            out.tasks()
                .first()
                .and_then(|t| t.task_arn())
                .unwrap_or_default()
                .to_owned()
        };
        let deadline = Instant::now() + self.options.timeout;
        loop {
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
                    });
                }
                break;
            }
            if Instant::now() > deadline {
                return Err(Failure {
                    resource: resource.into(),
                    message: format!("still running after {:?}", self.options.timeout),
                });
            }
            tokio::time::sleep(self.options.poll).await;
        }
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

    async fn service(&self, name: &str, update: bool, resource: &str) -> Result<Made> {
        let doc = self.fill(&self.desired.services[name], resource)?;
        let arn = self.task_definition_arn(name).ok_or_else(|| Failure {
            resource: resource.into(),
            message: "its task definition is not registered".into(),
        })?;
        let network = ecs_api::network(&doc).map_err(|message| Failure {
            resource: resource.into(),
            message,
        })?;
        if update {
            self.aws
                .ecs
                .update_service()
                .set_cluster(str_of(&doc, "cluster"))
                .service(name)
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

    /// Waits until each service runs its one deployment at the desired count; a rolled-back
    /// deployment (the circuit breaker) is a failure.
    async fn wait_stable(&self, services: &[String]) -> Result<()> {
        if services.is_empty() {
            return Ok(());
        }
        let deadline = Instant::now() + self.options.timeout;
        loop {
            let out = self
                .aws
                .ecs
                .describe_services()
                .cluster(&self.desired.cluster_name)
                .set_services(Some(services.to_vec()))
                .send()
                .await
                .map_err(failed("services"))?;
            let mut waiting = Vec::new();
            for s in out.services() {
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
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(Failure {
                    resource: format!("service/{}", waiting.join(", service/")),
                    message: format!("not stable after {:?}", self.options.timeout),
                });
            }
            tokio::time::sleep(self.options.poll).await;
        }
    }
}

fn ec2_permissions(doc: &Value) -> Vec<aws_sdk_ec2::types::IpPermission> {
    use aws_sdk_ec2::types as t;
    json::list_of(doc, "IpPermissions")
        .iter()
        .map(|p| {
            let mut b = t::IpPermission::builder()
                .set_ip_protocol(str_of(p, "IpProtocol"))
                .set_from_port(int_of(p, "FromPort"))
                .set_to_port(int_of(p, "ToPort"));
            for r in json::list_of(p, "IpRanges") {
                b = b.ip_ranges(
                    t::IpRange::builder()
                        .set_cidr_ip(str_of(r, "CidrIp"))
                        .set_description(str_of(r, "Description"))
                        .build(),
                );
            }
            for g in json::list_of(p, "UserIdGroupPairs") {
                b = b.user_id_group_pairs(
                    t::UserIdGroupPair::builder()
                        .set_group_id(str_of(g, "GroupId"))
                        .set_description(str_of(g, "Description"))
                        .build(),
                );
            }
            b.build()
        })
        .collect()
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
