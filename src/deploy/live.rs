//! What exists on AWS: only what carries the tags `stackc:stack = <stack>` and `stackc:env = <env>`
//! counts as the deployment's (decided by [`Owner::of`]); what has a name stackc would use but is not the stack's is listed in
//! [`Live::foreign`], for `plan` to report and `destroy` to leave alone.

use std::collections::BTreeMap;

use serde_json::Value;

use super::aws::{Clients, Failure, Result, code_of, failed};
use super::desired::Desired;
use super::json::{Names, int_of, list_of, str_of};
pub use super::owner::{ENV_TAG, RESOURCE_TAG, STACK_TAG};
use super::owner::{Foreign, Owner};
use super::{ecs_api, elb_api};
use crate::targets::ecs::{Identity, NameKind, REDIRECT_LISTENER};
pub const DIGEST_TAG: &str = "stackc:digest";
/// On a job's task definition revision once a run of it succeeded.
pub const RAN_TAG: &str = "stackc:ran";

#[derive(Debug, Default)]
pub struct Live {
    /// Placeholder values: the environment (region, VPC, subnets...) and ids of what exists.
    pub names: Names,
    pub namespace: Option<Owned>,
    pub cluster: Option<Owned>,
    pub log_group: Option<LogGroup>,
    /// By full parameter name.
    pub parameters: BTreeMap<String, Parameter>,
    /// By owner.
    pub groups: BTreeMap<String, Group>,
    pub load_balancer: Option<Item>,
    pub listener: Option<Item>,
    /// With TLS: the HTTP listener that redirects to HTTPS.
    pub redirect_listener: Option<Item>,
    /// Rules on the redirect listener that are not the stack's, with their priorities (the listener
    /// and the load balancer are then not deleted).
    pub redirect_other_rules: Vec<(String, i64)>,
    /// Listeners on the stack's load balancer that are not the stack's, with their ports (the load
    /// balancer is then not deleted, and their ports not taken).
    pub other_listeners: Vec<(String, i64)>,
    /// By service.
    pub target_groups: BTreeMap<String, Item>,
    /// By the rule's resource tag.
    pub rules: BTreeMap<String, Item>,
    pub efs: Option<Owned>,
    /// By subnet.
    pub mount_targets: BTreeMap<String, String>,
    /// By volume.
    pub access_points: BTreeMap<String, String>,
    pub task_definitions: BTreeMap<String, TaskDefinition>,
    /// Families of the stack no longer in the spec.
    pub stale_families: Vec<String>,
    /// Families whose latest revision is not the stack's, with the stack's own ACTIVE revisions in them.
    pub shadowed_families: BTreeMap<String, Vec<String>>,
    pub services: BTreeMap<String, Service>,
    /// Services in the cluster that are not the stack's (the cluster is then not deleted).
    pub other_services: Vec<String>,
    /// Access points in the stack's file system that are not the stack's (it is then not deleted).
    pub other_access_points: Vec<String>,
    /// Rules on the stack's listener that are not the stack's, with their priorities (the load
    /// balancer is then not deleted, and their priorities are not taken).
    pub other_rules: Vec<(String, i64)>,
    /// Resources with names stackc would use that are not the stack's.
    pub foreign: Vec<Foreign>,
    /// A deployment of the stack from before environments were deployments, beside this one.
    pub legacy: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Owned {
    pub id: String,
    pub owner: Owner,
}

impl Owned {
    #[must_use]
    pub fn owned(&self) -> bool {
        self.owner.is_this()
    }
}

#[derive(Debug, Clone)]
pub struct LogGroup {
    pub arn: String,
    pub retention: Option<i32>,
    pub owner: Owner,
}

#[derive(Debug, Clone)]
pub struct Parameter {
    pub value: String,
    pub owner: Owner,
}

#[derive(Debug, Clone)]
pub struct Group {
    pub id: String,
    /// Ingress rules as `tcp <from>-<to> <source>`, sources by id.
    pub rules: BTreeMap<String, aws_sdk_ec2::types::IpPermission>,
}

#[derive(Debug, Clone)]
pub struct Item {
    pub arn: String,
    pub view: Value,
}

#[derive(Debug, Clone)]
pub struct TaskDefinition {
    pub family: String,
    pub arn: String,
    pub digest: Option<String>,
    pub ran: bool,
    /// What AWS holds, when it was read: not for a revision the tag index shows up to date.
    pub view: Option<Value>,
}

#[derive(Debug, Clone)]
pub struct Service {
    /// Its name in the cluster.
    pub name: String,
    pub arn: String,
    pub task_definition: String,
    pub view: Value,
}

fn tag_value<'a>(tags: impl IntoIterator<Item = (&'a str, &'a str)>, key: &str) -> Option<String> {
    tags.into_iter()
        .find(|(k, _)| *k == key)
        .map(|(_, v)| v.to_owned())
}

fn ecs_pairs(tags: &[aws_sdk_ecs::types::Tag]) -> impl Iterator<Item = (&str, &str)> {
    tags.iter().filter_map(|t| Some((t.key()?, t.value()?)))
}

/// The name in `stackc:resource = <prefix><name>` of an ECS resource tagged as the stack's.
fn ecs_resource(
    tags: &[aws_sdk_ecs::types::Tag],
    who: Identity<'_>,
    prefix: &str,
) -> Option<String> {
    if !Owner::of(ecs_pairs(tags), who).is_this() {
        return None;
    }
    tag_value(ecs_pairs(tags), RESOURCE_TAG).and_then(|r| r.strip_prefix(prefix).map(str::to_owned))
}

/// An `AuthorizeSecurityGroupIngress` document's rules, one per source, by key (see [`rule_key`]).
pub fn ingress_rules(doc: &Value) -> BTreeMap<String, aws_sdk_ec2::types::IpPermission> {
    permissions(doc).iter().flat_map(split_permission).collect()
}

fn permissions(doc: &Value) -> Vec<aws_sdk_ec2::types::IpPermission> {
    use aws_sdk_ec2::types as t;
    list_of(doc, "IpPermissions")
        .iter()
        .map(|p| {
            let mut b = t::IpPermission::builder()
                .set_ip_protocol(str_of(p, "IpProtocol"))
                .set_from_port(int_of(p, "FromPort"))
                .set_to_port(int_of(p, "ToPort"));
            for r in list_of(p, "IpRanges") {
                b = b.ip_ranges(
                    t::IpRange::builder()
                        .set_cidr_ip(str_of(r, "CidrIp"))
                        .set_description(str_of(r, "Description"))
                        .build(),
                );
            }
            for g in list_of(p, "UserIdGroupPairs") {
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

/// The key of an ingress permission, with one source: how rules are compared and revoked.
pub fn rule_key(protocol: &str, from: i32, to: i32, source: &str) -> String {
    format!("{protocol} {from}-{to} from {source}")
}

/// One permission per source, so each can be added or revoked alone.
pub fn split_permission(
    p: &aws_sdk_ec2::types::IpPermission,
) -> Vec<(String, aws_sdk_ec2::types::IpPermission)> {
    use aws_sdk_ec2::types::IpPermission;
    let protocol = p.ip_protocol().unwrap_or("-1");
    let (from, to) = (p.from_port().unwrap_or(-1), p.to_port().unwrap_or(-1));
    let base = || {
        IpPermission::builder()
            .ip_protocol(protocol)
            .from_port(from)
            .to_port(to)
    };
    let mut out = Vec::new();
    for r in p.ip_ranges() {
        let cidr = r.cidr_ip().unwrap_or_default();
        out.push((
            rule_key(protocol, from, to, cidr),
            base().ip_ranges(r.clone()).build(),
        ));
    }
    for g in p.user_id_group_pairs() {
        let id = g.group_id().unwrap_or_default();
        out.push((
            rule_key(protocol, from, to, id),
            base().user_id_group_pairs(g.clone()).build(),
        ));
    }
    out
}

impl Live {
    pub async fn read(aws: &Clients, desired: &Desired) -> Result<Self> {
        let mut live = Live::default();
        live.environment(aws, desired).await?;
        let who = desired.identity();
        let vpc = live.names.get("vpc").unwrap_or_default().to_owned();
        let tags = TagIndex::read(aws, who.stack).await;
        let (namespace, cluster, log_group, parameters, groups, same_named) = tokio::try_join!(
            read_namespace(aws, desired),
            read_cluster(aws, desired),
            read_log_group(aws, desired),
            read_parameters(aws, desired, &tags),
            read_groups(aws, who),
            read_same_named_groups(aws, desired, &vpc),
        )?;
        if let Some(ns) = &namespace {
            let name = desired.namespace["Name"].as_str().unwrap_or_default();
            live.claim("Cloud Map namespace", name, &ns.owner, "namespace");
        }
        if let Some(g) = &log_group {
            let name = desired.log_group["logGroupName"]
                .as_str()
                .unwrap_or_default();
            live.claim("log group", name, &g.owner, "log-group");
        }
        for p in &desired.parameters {
            let name = str_of(p, "name").unwrap_or_default();
            // The user's own secrets are theirs to write: read, never written.
            if str_of(p, "source").as_deref() != Some("user")
                && let Some(existing) = parameters.get(&name)
            {
                live.claim(
                    "SSM parameter",
                    &name,
                    &existing.owner,
                    &format!("parameter {name}"),
                );
            }
        }
        for (owner, (name, whose)) in &same_named {
            live.claim(
                "security group",
                name,
                whose,
                &format!("security-group/{owner}"),
            );
        }
        live.namespace = namespace;
        live.cluster = cluster;
        live.log_group = log_group;
        live.parameters = parameters;
        live.groups = groups;
        for (owner, g) in &live.groups {
            live.names
                .set(format!("security-group:{owner}"), g.id.clone());
        }
        live.legacy = super::legacy::beside(aws, desired).await?;
        live.read_efs(aws, desired).await?;
        live.read_load_balancer(aws, desired).await?;
        // Services first: the revisions they run spare describing their families.
        if live.cluster.is_some() {
            live.read_services(aws, desired).await?;
        }
        live.read_task_definitions(aws, desired, &tags).await?;
        Ok(live)
    }

    /// Whether a resource with a name stackc uses is the stack's; if not, it is listed as foreign
    /// (what `plan` reports and `destroy` leaves), with the plan `resource` it blocks.
    fn claim(&mut self, kind: &'static str, name: &str, owner: &Owner, resource: &str) -> bool {
        if owner.is_this() {
            return true;
        }
        self.foreign
            .push(Foreign::new(kind, name, owner.clone(), resource));
        false
    }

    /// Region, account, roles, registry, VPC and subnets: what the placeholders of the environment are.
    async fn environment(&mut self, aws: &Clients, desired: &Desired) -> Result<()> {
        use aws_sdk_ec2::types::Filter;
        let names = &mut self.names;
        names.set("region", aws.region.clone());
        let identity = aws
            .sts
            .get_caller_identity()
            .send()
            .await
            .map_err(failed("account"))?;
        let account = identity.account().unwrap_or_default().to_owned();
        names.set(
            "execution-role",
            format!("arn:aws:iam::{account}:role/ecsTaskExecutionRole"),
        );
        names.set(
            "registry",
            format!("{account}.dkr.ecr.{}.amazonaws.com", aws.region),
        );
        names.set("account", account);
        let subnets_of = |vpc_filter: Filter| {
            aws.ec2
                .describe_subnets()
                .filters(vpc_filter)
                .filters(
                    Filter::builder()
                        .name("default-for-az")
                        .values("true")
                        .build(),
                )
                .send()
        };
        if desired.own_subnets {
            let first = desired
                .services
                .values()
                .find_map(|s| {
                    s["networkConfiguration"]["awsvpcConfiguration"]["subnets"][0]
                        .as_str()
                        .map(str::to_owned)
                })
                .or_else(|| {
                    desired
                        .load_balancer
                        .as_ref()
                        .and_then(|l| l["loadBalancer"]["Subnets"][0].as_str().map(str::to_owned))
                });
            if let Some(subnet) = first {
                let out = aws
                    .ec2
                    .describe_subnets()
                    .subnet_ids(&subnet)
                    .send()
                    .await
                    .map_err(failed(format!("subnet {subnet}")))?;
                let vpc = out
                    .subnets()
                    .first()
                    .and_then(|s| s.vpc_id())
                    .ok_or_else(|| Failure {
                        resource: format!("subnet {subnet}"),
                        message: "not found".into(),
                        call: None,
                    })?;
                names.set("vpc", vpc);
            }
        } else {
            let vpcs = aws
                .ec2
                .describe_vpcs()
                .filters(Filter::builder().name("is-default").values("true").build())
                .send()
                .await
                .map_err(failed("default VPC"))?;
            let vpc = vpcs
                .vpcs()
                .first()
                .and_then(|v| v.vpc_id())
                .ok_or_else(|| Failure {
                    resource: "default VPC".into(),
                    message: format!(
                        "the account has no default VPC in {}: name `subnets` in [targets.ecs]",
                        aws.region
                    ),
                    call: None,
                })?
                .to_owned();
            let out = subnets_of(Filter::builder().name("vpc-id").values(&vpc).build())
                .await
                .map_err(failed("default subnets"))?;
            let mut subnets: Vec<String> = out
                .subnets()
                .iter()
                .filter_map(|s| s.subnet_id().map(str::to_owned))
                .collect();
            subnets.sort();
            names.set_many("default-subnets", subnets);
            names.set("vpc", vpc);
        }
        Ok(())
    }

    async fn read_efs(&mut self, aws: &Clients, desired: &Desired) -> Result<()> {
        let token = desired.identity().name(NameKind::FileSystemToken);
        let out = aws
            .efs
            .describe_file_systems()
            .creation_token(&token)
            .send()
            .await
            .map_err(failed("efs"))?;
        let Some(fs) = out.file_systems().first() else {
            return Ok(());
        };
        let id = fs.file_system_id().to_owned();
        let owner = Owner::of(
            fs.tags().iter().map(|t| (t.key(), t.value())),
            desired.identity(),
        );
        // Not the stack's: nothing in it is read, so nothing in it is changed.
        if !self.claim(
            "EFS file system",
            &format!("{id} (creation token {token})"),
            &owner,
            "efs",
        ) {
            self.efs = Some(Owned { id, owner });
            return Ok(());
        }
        self.names.set("efs", id.clone());
        let mounts = aws
            .efs
            .describe_mount_targets()
            .file_system_id(&id)
            .send()
            .await
            .map_err(failed("efs mount targets"))?;
        for m in mounts.mount_targets() {
            self.mount_targets
                .insert(m.subnet_id().to_owned(), m.mount_target_id().to_owned());
        }
        let points = aws
            .efs
            .describe_access_points()
            .file_system_id(&id)
            .send()
            .await
            .map_err(failed("efs access points"))?;
        for p in points.access_points() {
            let pairs = || p.tags().iter().map(|t| (t.key(), t.value()));
            if !Owner::of(pairs(), desired.identity()).is_this() {
                self.other_access_points
                    .push(p.access_point_id().unwrap_or_default().to_owned());
                continue;
            }
            let resource = tag_value(pairs(), RESOURCE_TAG);
            if let (Some(volume), Some(ap)) = (
                resource
                    .as_deref()
                    .and_then(|r| r.strip_prefix("efs-access-point/")),
                p.access_point_id(),
            ) {
                self.names.set(format!("efs-access-point:{volume}"), ap);
                self.access_points.insert(volume.to_owned(), ap.to_owned());
            }
        }
        self.efs = Some(Owned { id, owner });
        Ok(())
    }

    async fn read_load_balancer(&mut self, aws: &Clients, desired: &Desired) -> Result<()> {
        let Some(doc) = &desired.load_balancer else {
            return self.read_orphan_elb(aws, desired).await;
        };
        let name = doc["loadBalancer"]["Name"].as_str().unwrap_or_default();
        let found = aws.elb.describe_load_balancers().names(name).send().await;
        let lb = match found {
            Ok(out) => out.load_balancers().first().cloned(),
            Err(e) if code_of(&e) == Some("LoadBalancerNotFound") => None,
            Err(e) => return Err(failed(format!("load balancer {name}"))(e)),
        };
        if let Some(lb) = lb {
            let arn = lb.load_balancer_arn().unwrap_or_default().to_owned();
            let owner = self.elb_owner(aws, &arn, desired.identity()).await?;
            if !self.claim("load balancer", name, &owner, "load-balancer") {
                return self.read_target_groups(aws, desired).await;
            }
            self.names.set("load-balancer", arn.clone());
            self.load_balancer = Some(Item {
                arn: arn.clone(),
                view: elb_api::load_balancer_view(&lb),
            });
            self.read_listeners(aws, &arn, desired).await?;
        }
        self.read_target_groups(aws, desired).await
    }

    /// Without routes there is no load balancer in the spec, but one may be left from before.
    async fn read_orphan_elb(&mut self, aws: &Clients, desired: &Desired) -> Result<()> {
        let name = desired.identity().name(NameKind::LoadBalancer);
        match aws.elb.describe_load_balancers().names(&name).send().await {
            Ok(out) => {
                if let Some(lb) = out.load_balancers().first() {
                    let arn = lb.load_balancer_arn().unwrap_or_default().to_owned();
                    if self
                        .elb_owner(aws, &arn, desired.identity())
                        .await?
                        .is_this()
                    {
                        self.names.set("load-balancer", arn.clone());
                        self.load_balancer = Some(Item {
                            arn,
                            view: elb_api::load_balancer_view(lb),
                        });
                    }
                }
            }
            Err(e) if code_of(&e) == Some("LoadBalancerNotFound") => {}
            Err(e) => return Err(failed(format!("load balancer {name}"))(e)),
        }
        self.read_target_groups(aws, desired).await
    }

    /// The load balancer's listeners: the stack's by their resource tag (`listener`, and with TLS
    /// `listener/redirect`); one without a stackc tag on the main listener's port is taken as the
    /// stack's main listener (made before listeners were tagged); any other is not the stack's.
    async fn read_listeners(&mut self, aws: &Clients, lb: &str, desired: &Desired) -> Result<()> {
        let out = aws
            .elb
            .describe_listeners()
            .load_balancer_arn(lb)
            .send()
            .await
            .map_err(failed("listener"))?;
        let listeners = out.listeners();
        let arns: Vec<String> = listeners
            .iter()
            .filter_map(|l| l.listener_arn().map(str::to_owned))
            .collect();
        let tags = elb_tags(aws, &arns).await?;
        // Where a listener from before listeners were tagged may be: the main listener's port,
        // or (TLS just turned on) the port the redirect listener takes over.
        let ports = [
            desired.lb()["listener"]["Port"].as_i64(),
            desired.lb()["redirectListener"]["Port"].as_i64(),
        ];
        let mut untagged = Vec::new();
        for l in listeners {
            let arn = l.listener_arn().unwrap_or_default().to_owned();
            let t = tags.get(&arn).cloned().unwrap_or_default();
            let pairs = || t.iter().map(|(k, v)| (k.as_str(), v.as_str()));
            let ours = Owner::of(pairs(), desired.identity()).is_this();
            let resource = tag_value(pairs(), RESOURCE_TAG);
            match resource.as_deref() {
                Some("listener") if ours => self.listener = Some(self.listener_item(aws, l).await?),
                Some(REDIRECT_LISTENER) if ours => {
                    self.redirect_listener = Some(self.listener_item(aws, l).await?);
                }
                None if !t.contains_key(STACK_TAG) => untagged.push(l),
                _ => self
                    .other_listeners
                    .push((arn, l.port().map(i64::from).unwrap_or_default())),
            }
        }
        let legacy = if self.listener.is_none() {
            ports.iter().flatten().find_map(|port| {
                untagged
                    .iter()
                    .position(|l| l.port().map(i64::from) == Some(*port))
            })
        } else {
            None
        };
        if let Some(i) = legacy {
            let l = untagged.remove(i);
            self.listener = Some(self.listener_item(aws, l).await?);
        }
        for l in untagged {
            self.other_listeners.push((
                l.listener_arn().unwrap_or_default().to_owned(),
                l.port().map(i64::from).unwrap_or_default(),
            ));
        }
        if let Some(l) = &self.listener {
            self.names.set("listener", l.arn.clone());
            let arn = l.arn.clone();
            self.read_rules(aws, &arn, desired.identity()).await?;
        }
        if let Some(l) = &self.redirect_listener {
            // The redirect listener has no rules of the stack; anyone else's are kept (and keep
            // the listener and the load balancer).
            let arn = l.arn.clone();
            let mut mine = Live::default();
            mine.read_rules(aws, &arn, desired.identity()).await?;
            self.redirect_other_rules = mine.other_rules;
        }
        Ok(())
    }

    /// A listener as the plan compares it; an HTTPS listener's attributes (HSTS) are read too.
    async fn listener_item(
        &self,
        aws: &Clients,
        l: &aws_sdk_elasticloadbalancingv2::types::Listener,
    ) -> Result<Item> {
        let arn = l.listener_arn().unwrap_or_default().to_owned();
        let mut view = elb_api::listener_view(l);
        if l.protocol() == Some(&aws_sdk_elasticloadbalancingv2::types::ProtocolEnum::Https) {
            let out = aws
                .elb
                .describe_listener_attributes()
                .listener_arn(&arn)
                .send()
                .await
                .map_err(failed("listener attributes"))?;
            elb_api::add_attributes(&mut view, out.attributes());
        }
        Ok(Item { arn, view })
    }

    async fn elb_owner(&self, aws: &Clients, arn: &str, who: Identity<'_>) -> Result<Owner> {
        let tags = elb_tags(aws, &[arn.to_owned()]).await?;
        Ok(Owner::of(
            tags.get(arn)
                .into_iter()
                .flatten()
                .map(|(k, v)| (k.as_str(), v.as_str())),
            who,
        ))
    }

    async fn read_rules(&mut self, aws: &Clients, listener: &str, who: Identity<'_>) -> Result<()> {
        let out = aws
            .elb
            .describe_rules()
            .listener_arn(listener)
            .send()
            .await
            .map_err(failed("listener rules"))?;
        let rules: Vec<_> = out
            .rules()
            .iter()
            .filter(|r| r.is_default() != Some(true))
            .collect();
        let arns: Vec<String> = rules
            .iter()
            .filter_map(|r| r.rule_arn().map(str::to_owned))
            .collect();
        let tags = elb_tags(aws, &arns).await?;
        for r in rules {
            let arn = r.rule_arn().unwrap_or_default();
            let t = tags.get(arn).cloned().unwrap_or_default();
            if !Owner::of(t.iter().map(|(k, v)| (k.as_str(), v.as_str())), who).is_this() {
                let priority = r
                    .priority()
                    .and_then(|p| p.parse().ok())
                    .unwrap_or_default();
                self.other_rules.push((arn.to_owned(), priority));
                continue;
            }
            if let Some(resource) = t.get(RESOURCE_TAG) {
                self.rules.insert(
                    resource.clone(),
                    Item {
                        arn: arn.to_owned(),
                        view: elb_api::rule_view(r),
                    },
                );
            }
        }
        Ok(())
    }

    async fn read_target_groups(&mut self, aws: &Clients, desired: &Desired) -> Result<()> {
        let prefix = desired.identity().target_group_prefix();
        let mut groups = Vec::new();
        let mut pages = aws.elb.describe_target_groups().into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(failed("target groups"))?;
            groups.extend(page.target_groups().iter().cloned());
        }
        // Name -> routed service.
        let wanted: BTreeMap<String, String> = desired
            .load_balancer
            .as_ref()
            .and_then(|l| l["targetGroups"].as_object())
            .map(|m| {
                m.iter()
                    .filter_map(|(service, g)| {
                        Some((g["Name"].as_str()?.to_owned(), service.clone()))
                    })
                    .collect()
            })
            .unwrap_or_default();
        // Ours by name (desired) or by prefix (left from before); ownership decided by the tags.
        let candidates: Vec<_> = groups
            .into_iter()
            .filter(|g| {
                g.target_group_name()
                    .is_some_and(|n| wanted.contains_key(n) || n.starts_with(&prefix))
            })
            .collect();
        let arns: Vec<String> = candidates
            .iter()
            .filter_map(|g| g.target_group_arn().map(str::to_owned))
            .collect();
        let tags = elb_tags(aws, &arns).await?;
        for g in candidates {
            let arn = g.target_group_arn().unwrap_or_default();
            let t = tags.get(arn).cloned().unwrap_or_default();
            let resource = t
                .get(RESOURCE_TAG)
                .and_then(|r| r.strip_prefix("target-group/"));
            let owner = Owner::of(
                t.iter().map(|(k, v)| (k.as_str(), v.as_str())),
                desired.identity(),
            );
            let name = g.target_group_name().unwrap_or_default();
            match (owner.is_this(), resource) {
                (true, Some(service)) => {
                    self.names.set(format!("target-group:{service}"), arn);
                    self.target_groups.insert(
                        service.to_owned(),
                        Item {
                            arn: arn.to_owned(),
                            view: elb_api::target_group_view(&g),
                        },
                    );
                }
                _ => {
                    if let Some(service) = wanted.get(name) {
                        self.claim(
                            "target group",
                            name,
                            &owner,
                            &format!("target-group/{service}"),
                        );
                    }
                }
            }
        }
        Ok(())
    }

    /// The stack's task definition families, each with its latest ACTIVE revision. A service that
    /// runs a revision the tag index holds as the stack's, tagged with the digest of what the spec asks
    /// for now, is up to date: its family is not described (a no-op plan describes none). Any other
    /// family is described by name (its latest revision), so a revision someone else registered above
    /// the stack's is seen whenever stackc would act on that family. Must run after `read_services`.
    async fn read_task_definitions(
        &mut self,
        aws: &Clients,
        desired: &Desired,
        index: &TagIndex,
    ) -> Result<()> {
        let who = desired.identity();
        let prefix = who.family_prefix();
        let mut families = Vec::new();
        let mut pages = aws
            .ecs
            .list_task_definition_families()
            .family_prefix(&prefix)
            .status(aws_sdk_ecs::types::TaskDefinitionFamilyStatus::Active)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            families.extend(
                page.map_err(failed("task definition families"))?
                    .families()
                    .iter()
                    // The base's prefix starts its environments' families too: not its own.
                    .filter(|f| who.is_family(f))
                    .cloned(),
            );
        }
        for family in families {
            let short = family.strip_prefix(&prefix).unwrap_or(&family).to_owned();
            if let Some(td) = self.indexed_task_definition(desired, index, &family, &short) {
                self.task_definitions.insert(short, td);
                continue;
            }
            self.describe_task_definition(aws, desired, &family, &short)
                .await?;
        }
        Ok(())
    }

    /// The revision a service runs, known from the tag index alone: the stack's, of this name, with
    /// the digest the spec asks for. Jobs are always described: their `ran` tag is added after
    /// registration, and an index that lags behind it would run a job twice.
    fn indexed_task_definition(
        &self,
        desired: &Desired,
        index: &TagIndex,
        family: &str,
        short: &str,
    ) -> Option<TaskDefinition> {
        if desired.jobs.contains(short) {
            return None;
        }
        let arn = self.services.get(short)?.task_definition.as_str();
        if family_of(arn) != Some(family) {
            return None;
        }
        let tags = index.get(arn)?;
        let pairs = || tags.iter().map(|(k, v)| (k.as_str(), v.as_str()));
        let who = desired.identity();
        let resource = tag_value(pairs(), RESOURCE_TAG)?;
        if !Owner::of(pairs(), who).is_this()
            || resource.strip_prefix("task-definition/") != Some(short)
        {
            return None;
        }
        let want =
            super::plan::task_definition_digest(desired.task_definitions.get(short)?, &self.names);
        let digest = tag_value(pairs(), DIGEST_TAG).filter(|d| *d == want)?;
        Some(TaskDefinition {
            family: family.to_owned(),
            arn: arn.to_owned(),
            digest: Some(digest),
            ran: tag_value(pairs(), RAN_TAG).is_some(),
            view: None,
        })
    }

    async fn describe_task_definition(
        &mut self,
        aws: &Clients,
        desired: &Desired,
        family: &str,
        short: &str,
    ) -> Result<()> {
        let out = match aws
            .ecs
            .describe_task_definition()
            .task_definition(family)
            .include(aws_sdk_ecs::types::TaskDefinitionField::Tags)
            .send()
            .await
        {
            Ok(out) => out,
            // Every revision deregistered since it was listed.
            Err(e) if code_of(&e) == Some("ClientException") => return Ok(()),
            Err(e) => return Err(failed(format!("task definition {family}"))(e)),
        };
        let Some(td) = out
            .task_definition()
            .filter(|t| t.status() != Some(&aws_sdk_ecs::types::TaskDefinitionStatus::Inactive))
        else {
            return Ok(());
        };
        let Some(name) = ecs_resource(out.tags(), desired.identity(), "task-definition/") else {
            // The latest revision is someone else's: the stack's own may be below it.
            let owner = Owner::of(ecs_pairs(out.tags()), desired.identity());
            let ours: Vec<String> = revisions(aws, family, desired.identity())
                .await?
                .into_iter()
                .filter(|(_, o)| o.is_this())
                .map(|(arn, _)| arn)
                .collect();
            if desired.task_definitions.contains_key(short) {
                let latest = td.task_definition_arn().unwrap_or_default();
                let latest = latest.rsplit('/').next().unwrap_or(latest);
                self.claim(
                    "task definition revision",
                    latest,
                    &owner,
                    &format!("task-definition/{short}"),
                );
            }
            if !ours.is_empty() {
                self.shadowed_families.insert(family.to_owned(), ours);
            }
            return Ok(());
        };
        let tags: Vec<(&str, &str)> = ecs_pairs(out.tags()).collect();
        if !desired.task_definitions.contains_key(&name) {
            self.stale_families.push(family.to_owned());
            return Ok(());
        }
        self.task_definitions.insert(
            name,
            TaskDefinition {
                family: family.to_owned(),
                arn: td.task_definition_arn().unwrap_or_default().to_owned(),
                digest: tag_value(tags.iter().copied(), DIGEST_TAG),
                ran: tag_value(tags.iter().copied(), RAN_TAG).is_some(),
                view: Some(ecs_api::task_definition_view(td)),
            },
        );
        Ok(())
    }

    /// The stack's services in the cluster by their resource tag; a service with the name one of
    /// them would have that is not the stack's is foreign, any other is someone else's.
    async fn read_services(&mut self, aws: &Clients, desired: &Desired) -> Result<()> {
        let mut arns = Vec::new();
        let mut pages = aws
            .ecs
            .list_services()
            .cluster(&desired.cluster_name)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            arns.extend(
                page.map_err(failed("services"))?
                    .service_arns()
                    .iter()
                    .cloned(),
            );
        }
        // Service name -> its name in the spec.
        let wanted: BTreeMap<String, String> = desired
            .services
            .iter()
            .filter_map(|(short, doc)| Some((str_of(doc, "serviceName")?, short.clone())))
            .collect();
        for chunk in arns.chunks(10) {
            let out = aws
                .ecs
                .describe_services()
                .cluster(&desired.cluster_name)
                .set_services(Some(chunk.to_vec()))
                .include(aws_sdk_ecs::types::ServiceField::Tags)
                .send()
                .await
                .map_err(failed("services"))?;
            for s in out.services() {
                if s.status() != Some("ACTIVE") {
                    continue;
                }
                let full = s.service_name().unwrap_or_default();
                let Some(name) = ecs_resource(s.tags(), desired.identity(), "service/") else {
                    let owner = Owner::of(ecs_pairs(s.tags()), desired.identity());
                    if let Some(short) = wanted.get(full) {
                        self.claim("ECS service", full, &owner, &format!("service/{short}"));
                    }
                    self.other_services.push(full.to_owned());
                    continue;
                };
                self.services.insert(
                    name,
                    Service {
                        name: full.to_owned(),
                        arn: s.service_arn().unwrap_or_default().to_owned(),
                        task_definition: s.task_definition().unwrap_or_default().to_owned(),
                        view: ecs_api::service_view(s),
                    },
                );
            }
        }
        Ok(())
    }
}

/// The family of a task definition ARN (`…:task-definition/<family>:<revision>`).
fn family_of(arn: &str) -> Option<&str> {
    arn.rsplit('/')
        .next()?
        .rsplit_once(':')
        .map(|(family, _)| family)
}

/// The ACTIVE revisions of exactly this family, each with its owner (one call per revision: only for
/// `destroy` and for a family whose latest revision is not the stack's).
pub async fn revisions(
    aws: &Clients,
    family: &str,
    who: Identity<'_>,
) -> Result<Vec<(String, Owner)>> {
    let mut arns = Vec::new();
    let mut pages = aws
        .ecs
        .list_task_definitions()
        .family_prefix(family)
        .status(aws_sdk_ecs::types::TaskDefinitionStatus::Active)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        arns.extend(
            page.map_err(failed(format!("task definition {family}")))?
                .task_definition_arns()
                .iter()
                .filter(|a| family_of(a) == Some(family))
                .cloned(),
        );
    }
    let mut out = Vec::new();
    for arn in arns {
        let described = aws
            .ecs
            .describe_task_definition()
            .task_definition(&arn)
            .include(aws_sdk_ecs::types::TaskDefinitionField::Tags)
            .send()
            .await
            .map_err(failed(format!("task definition {arn}")))?;
        out.push((arn, Owner::of(ecs_pairs(described.tags()), who)));
    }
    Ok(out)
}

/// Tags of ELB resources by ARN (at most 20 a call).
pub async fn elb_tags(
    aws: &Clients,
    arns: &[String],
) -> Result<BTreeMap<String, BTreeMap<String, String>>> {
    let mut out = BTreeMap::new();
    for chunk in arns.chunks(20) {
        let res = aws
            .elb
            .describe_tags()
            .set_resource_arns(Some(chunk.to_vec()))
            .send()
            .await
            .map_err(failed("load balancer tags"))?;
        for d in res.tag_descriptions() {
            let tags = d
                .tags()
                .iter()
                .filter_map(|t| Some((t.key()?.to_owned(), t.value()?.to_owned())))
                .collect();
            out.insert(d.resource_arn().unwrap_or_default().to_owned(), tags);
        }
    }
    Ok(out)
}

/// The Service Connect namespace, by name (Cloud Map lets several share one; the tagged one is ours).
async fn read_namespace(aws: &Clients, desired: &Desired) -> Result<Option<Owned>> {
    let name = desired.namespace["Name"].as_str().unwrap_or_default();
    let mut found = Vec::new();
    let mut pages = aws.sd.list_namespaces().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(failed(format!("namespace {name}")))?;
        found.extend(
            page.namespaces()
                .iter()
                .filter(|n| n.name() == Some(name))
                .filter_map(|n| Some((n.id()?.to_owned(), n.arn()?.to_owned()))),
        );
    }
    let mut first = None;
    for (id, arn) in found {
        let tags = aws
            .sd
            .list_tags_for_resource()
            .resource_arn(&arn)
            .send()
            .await
            .map_err(failed(format!("namespace {name}")))?;
        let owner = Owner::of(
            tags.tags().iter().map(|t| (t.key(), t.value())),
            desired.identity(),
        );
        if owner.is_this() {
            return Ok(Some(Owned { id, owner }));
        }
        first.get_or_insert(Owned { id, owner });
    }
    Ok(first)
}

async fn read_cluster(aws: &Clients, desired: &Desired) -> Result<Option<Owned>> {
    let out = aws
        .ecs
        .describe_clusters()
        .clusters(&desired.cluster_name)
        .include(aws_sdk_ecs::types::ClusterField::Tags)
        .send()
        .await
        .map_err(failed(format!("cluster {}", desired.cluster_name)))?;
    Ok(out
        .clusters()
        .iter()
        .find(|c| c.status() == Some("ACTIVE"))
        .map(|c| Owned {
            id: c.cluster_arn().unwrap_or_default().to_owned(),
            owner: Owner::of(ecs_pairs(c.tags()), desired.identity()),
        }))
}

async fn read_log_group(aws: &Clients, desired: &Desired) -> Result<Option<LogGroup>> {
    let name = desired.log_group["logGroupName"]
        .as_str()
        .unwrap_or_default();
    log_group(aws, name, desired.identity()).await
}

/// The log group named `name`, if it exists, with whose it is for `who`: the one lookup of a log
/// group's owner (also how an old, pre-environment deployment is found).
pub(super) async fn log_group(
    aws: &Clients,
    name: &str,
    who: Identity<'_>,
) -> Result<Option<LogGroup>> {
    let out = aws
        .logs
        .describe_log_groups()
        .log_group_name_prefix(name)
        .send()
        .await
        .map_err(failed(format!("log group {name}")))?;
    let Some(group) = out
        .log_groups()
        .iter()
        .find(|g| g.log_group_name() == Some(name))
    else {
        return Ok(None);
    };
    let arn = group
        .log_group_arn()
        .map(str::to_owned)
        .or_else(|| group.arn().map(|a| a.trim_end_matches(":*").to_owned()))
        .unwrap_or_default();
    let tags = aws
        .logs
        .list_tags_for_resource()
        .resource_arn(&arn)
        .send()
        .await
        .map_err(failed(format!("log group {name}")))?;
    let owner = Owner::of(
        tags.tags()
            .into_iter()
            .flatten()
            .map(|(k, v)| (k.as_str(), v.as_str())),
        who,
    );
    Ok(Some(LogGroup {
        arn,
        retention: group.retention_in_days(),
        owner,
    }))
}

async fn read_parameters(
    aws: &Clients,
    desired: &Desired,
    index: &TagIndex,
) -> Result<BTreeMap<String, Parameter>> {
    let who = desired.identity();
    let mut out = BTreeMap::new();
    let mut pages = aws
        .ssm
        .get_parameters_by_path()
        .path(format!(
            "{}/",
            who.name(NameKind::Parameter("")).trim_end_matches('/')
        ))
        .with_decryption(true)
        .into_paginator()
        .send();
    let mut found = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(failed("parameters"))?;
        found.extend(page.parameters().iter().cloned());
    }
    for p in found {
        let name = p.name().unwrap_or_default().to_owned();
        if let Some(pairs) = p.arn().and_then(|arn| index.get(arn)) {
            let owner = Owner::of(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())), who);
            let value = p.value().unwrap_or_default().to_owned();
            out.insert(name, Parameter { value, owner });
            continue;
        }
        let tags = aws
            .ssm
            .list_tags_for_resource()
            .resource_type(aws_sdk_ssm::types::ResourceTypeForTagging::Parameter)
            .resource_id(&name)
            .send()
            .await
            .map_err(failed(format!("parameter {name}")))?;
        let owner = Owner::of(tags.tag_list().iter().map(|t| (t.key(), t.value())), who);
        out.insert(
            name,
            Parameter {
                value: p.value().unwrap_or_default().to_owned(),
                owner,
            },
        );
    }
    Ok(out)
}

async fn read_groups(aws: &Clients, who: Identity<'_>) -> Result<BTreeMap<String, Group>> {
    use aws_sdk_ec2::types::Filter;
    let out = aws
        .ec2
        .describe_security_groups()
        .filters(
            Filter::builder()
                .name(format!("tag:{STACK_TAG}"))
                .values(who.stack)
                .build(),
        )
        // Only this deployment's: another environment's groups are not even read.
        .filters(
            Filter::builder()
                .name(format!("tag:{ENV_TAG}"))
                .values(who.env_tag())
                .build(),
        )
        .send()
        .await
        .map_err(failed("security groups"))?;
    let mut groups = BTreeMap::new();
    for g in out.security_groups() {
        let resource = tag_value(
            g.tags().iter().filter_map(|t| Some((t.key()?, t.value()?))),
            RESOURCE_TAG,
        );
        let Some(owner) =
            resource.and_then(|r| r.strip_prefix("security-group/").map(str::to_owned))
        else {
            continue;
        };
        let rules = g
            .ip_permissions()
            .iter()
            .flat_map(split_permission)
            .collect();
        groups.insert(
            owner,
            Group {
                id: g.group_id().unwrap_or_default().to_owned(),
                rules,
            },
        );
    }
    Ok(groups)
}

/// Security groups in the VPC with the names the stack's would have, that are not tagged as its own
/// (by owner: name and whose).
async fn read_same_named_groups(
    aws: &Clients,
    desired: &Desired,
    vpc: &str,
) -> Result<BTreeMap<String, (String, Owner)>> {
    use aws_sdk_ec2::types::Filter;
    let by_name: BTreeMap<String, String> = desired
        .groups
        .iter()
        .filter_map(|(owner, g)| Some((str_of(&g.create, "GroupName")?, owner.clone())))
        .collect();
    let mut found = BTreeMap::new();
    let names: Vec<String> = by_name.keys().cloned().collect();
    // EC2 takes at most 200 values per filter.
    for chunk in names.chunks(200) {
        let out = aws
            .ec2
            .describe_security_groups()
            .filters(Filter::builder().name("vpc-id").values(vpc).build())
            .filters(
                Filter::builder()
                    .name("group-name")
                    .set_values(Some(chunk.to_vec()))
                    .build(),
            )
            .send()
            .await
            .map_err(failed("security groups"))?;
        for g in out.security_groups() {
            let owner = Owner::of(
                g.tags().iter().filter_map(|t| Some((t.key()?, t.value()?))),
                desired.identity(),
            );
            if let (false, Some(name)) = (owner.is_this(), g.group_name())
                && let Some(who) = by_name.get(name)
            {
                found.insert(who.clone(), (name.to_owned(), owner));
            }
        }
    }
    Ok(found)
}

/// Tags of the stack's task definition revisions and SSM parameters by ARN, from the tagging API: a
/// hundred resources a call, where ECS and SSM read tags one resource at a time. What it does not
/// hold (not tagged as the stack's, not yet indexed, the API not allowed) is read the per-resource
/// way, so it only ever saves calls.
#[derive(Debug, Default)]
pub struct TagIndex {
    by_arn: BTreeMap<String, Vec<(String, String)>>,
}

impl TagIndex {
    pub async fn read(aws: &Clients, stack: &str) -> Self {
        use aws_sdk_resourcegroupstagging::types::TagFilter;
        let mut index = Self::default();
        let mut pages = aws
            .tagging
            .get_resources()
            .tag_filters(TagFilter::builder().key(STACK_TAG).values(stack).build())
            .resource_type_filters("ssm:parameter")
            .resource_type_filters("ecs:task-definition")
            .resources_per_page(100)
            .tags_per_page(500)
            .into_paginator()
            .send();
        // A failed page ends the index; what it already holds is right.
        while let Some(Ok(page)) = pages.next().await {
            for r in page.resource_tag_mapping_list() {
                let Some(arn) = r.resource_arn() else {
                    continue;
                };
                let tags = r
                    .tags()
                    .iter()
                    .map(|t| (t.key().to_owned(), t.value().to_owned()))
                    .collect();
                index.insert(arn, tags);
            }
        }
        index
    }

    fn insert(&mut self, arn: &str, tags: Vec<(String, String)>) {
        self.by_arn.insert(arn.to_owned(), tags);
    }

    fn get(&self, arn: &str) -> Option<&Vec<(String, String)>> {
        self.by_arn.get(arn)
    }
}

/// Replaces every known id in a live view by its placeholder name, so it compares with documents.
pub fn symbolize(v: &Value, names: &Names) -> Value {
    match v {
        Value::String(s) => names.symbol_of(s).map_or_else(|| v.clone(), Value::String),
        Value::Array(items) => Value::Array(items.iter().map(|i| symbolize(i, names)).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, i)| (k.clone(), symbolize(i, names)))
                .collect(),
        ),
        other => other.clone(),
    }
}
