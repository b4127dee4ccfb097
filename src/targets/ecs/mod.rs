//! The ECS target: per service and job `ecs/<name>.taskdef.json` (`RegisterTaskDefinition` input), per
//! service and stack-run resource `ecs/<name>.service.json` (`CreateService` input), and the documented
//! `cluster.json`, `security-groups.json`, `load-balancer.json` and `parameters.json`. Values only known
//! once deployed are `{{stackc:…}}` placeholders that `stackc apply` fills (see the README).

mod configs;
mod efs;
mod fargate;
mod names;
mod network;
mod taskdef;
mod types;

use serde::Serialize;

use crate::compile::Compiled;
use crate::model::{EcsSettings, ResourceKind};
use crate::output::Artifacts;
use crate::targets::{RenderContext, Target};
use types::{AwsTag, Tag};

pub use efs::OWNER as EFS_OWNER;
pub use fargate::{fit as fargate_fit, is_valid as fargate_valid};
pub use names::{Identity, Kind as NameKind};
pub use network::{ALB as ALB_OWNER, HSTS_ATTRIBUTE, REDIRECT_LISTENER};

pub struct EcsTarget;

/// The naming identity of the model's deployment.
#[must_use]
pub fn identity(model: &crate::model::Model) -> Identity<'_> {
    Identity {
        stack: model.deployment.stack.as_str(),
        env: model
            .deployment
            .env
            .as_ref()
            .map(crate::units::Name::as_str),
    }
}

/// A value `stackc apply` fills in: `{{stackc:<what>}}`.
#[must_use]
pub fn placeholder(what: &str) -> String {
    format!("{{{{stackc:{what}}}}}")
}

/// What every renderer of this target needs: the deployment and its ECS settings.
pub struct Ecs<'a> {
    pub stack: &'a str,
    pub identity: Identity<'a>,
    pub settings: &'a EcsSettings,
}

/// The tag naming the stack of a resource.
pub const STACK_TAG: &str = "stackc:stack";
/// The tag naming the environment of a resource (`-`: the base deployment).
pub const ENV_TAG: &str = "stackc:env";

impl Ecs<'_> {
    /// The AWS name of what stackc creates (see [`names`]).
    fn name(&self, kind: NameKind<'_>) -> String {
        self.identity.name(kind)
    }

    /// The tags the apply step finds the deployment's resources by.
    fn tag_pairs(&self, resource: &str) -> [(String, String); 3] {
        [
            (STACK_TAG.into(), self.stack.to_owned()),
            (ENV_TAG.into(), self.identity.env_tag().to_owned()),
            ("stackc:resource".into(), resource.to_owned()),
        ]
    }

    fn tags(&self, resource: &str) -> Vec<Tag> {
        self.tag_pairs(resource)
            .into_iter()
            .map(|(key, value)| Tag { key, value })
            .collect()
    }

    fn aws_tags(&self, resource: &str) -> Vec<AwsTag> {
        self.tag_pairs(resource)
            .into_iter()
            .map(|(key, value)| AwsTag { key, value })
            .collect()
    }

    fn region(&self) -> String {
        self.settings
            .region
            .clone()
            .unwrap_or_else(|| placeholder("region"))
    }

    /// The spec's subnets, or the default VPC's (filled in at apply).
    fn subnets(&self) -> Vec<String> {
        if self.settings.subnets.is_empty() {
            vec![placeholder("default-subnets")]
        } else {
            self.settings.subnets.clone()
        }
    }

    /// The account, read from a role ARN of the settings when there is one.
    fn account(&self) -> String {
        [&self.settings.execution_role, &self.settings.task_role]
            .into_iter()
            .flatten()
            .find_map(|arn| arn.split(':').nth(4).map(str::to_owned))
            .unwrap_or_else(|| placeholder("account"))
    }

    /// Where a secret lives: an SSM `SecureString` parameter `/stackc/<stack>/<secret>`.
    fn parameter_arn(&self, secret: &str) -> String {
        format!(
            "arn:aws:ssm:{}:{}:parameter{}",
            self.region(),
            self.account(),
            self.parameter_name(secret)
        )
    }

    fn parameter_name(&self, secret: &str) -> String {
        self.name(NameKind::Parameter(secret))
    }

    fn log_group(&self) -> String {
        self.name(NameKind::LogGroup)
    }
}

impl Target for EcsTarget {
    fn name(&self) -> &'static str {
        "ecs"
    }

    fn folder(&self) -> &'static str {
        "ecs"
    }

    fn render(&self, compiled: &Compiled, _: &RenderContext) -> Artifacts {
        let model = &compiled.model;
        let mut out = Artifacts::new();
        // Without [targets.ecs] the stack is not meant for ECS: nothing to write.
        let Some(settings) = &model.targets.ecs else {
            return out;
        };
        let ecs = Ecs {
            stack: model.name.as_str(),
            identity: identity(model),
            settings,
        };
        let mut parameters = crate::targets::outputs::SecretLedger::default();
        for w in model.workloads() {
            let task = taskdef::workload(&ecs, compiled, w, &mut parameters);
            out.insert(
                format!("ecs/{}.taskdef.json", w.name),
                json(&task.definition),
            );
            if let Some(service) = task.service {
                out.insert(format!("ecs/{}.service.json", w.name), json(&service));
            }
        }
        for r in model
            .resources
            .values()
            .filter(|r| r.external.is_none() && r.kind != ResourceKind::Volume)
        {
            let task = taskdef::resource(&ecs, r, &mut parameters);
            out.insert(
                format!("ecs/{}.taskdef.json", r.name),
                json(&task.definition),
            );
            if let Some(service) = task.service {
                out.insert(format!("ecs/{}.service.json", r.name), json(&service));
            }
        }
        out.insert(
            "ecs/security-groups.json".into(),
            json(&network::security_groups(&ecs, compiled)),
        );
        if let Some(lb) = network::load_balancer(&ecs, compiled) {
            out.insert("ecs/load-balancer.json".into(), json(&lb));
        }
        if let Some(efs) = efs::file_system(&ecs, model) {
            out.insert("ecs/efs.json".into(), json(&efs));
        }
        out.insert("ecs/cluster.json".into(), json(&cluster(&ecs)));
        out.insert(
            "ecs/parameters.json".into(),
            json(&taskdef::parameters(&parameters, &ecs)),
        );
        out
    }

    fn unconfigured(&self, compiled: &Compiled) -> Option<String> {
        compiled
            .model
            .targets
            .ecs
            .is_none()
            .then(|| "the spec has no [targets.ecs] (region, cluster, registry, ...)".to_owned())
    }

    fn unsupported(&self, compiled: &Compiled) -> Vec<crate::diagnostics::Diagnostic> {
        let mut out = crate::targets::mount_limits::host_paths(compiled, "ECS");
        out.extend(configs::unsupported(compiled));
        out.extend(crate::targets::tls_limits::ecs(compiled));
        out.extend(crate::targets::host_limits::ecs(compiled));
        out
    }

    fn notes(&self, compiled: &Compiled) -> Vec<String> {
        let model = &compiled.model;
        if model.targets.ecs.is_none() {
            return Vec::new();
        }
        let mut notes = taskdef::size_notes(compiled);
        notes.extend(taskdef::health_notes(compiled));
        notes.extend(network::health_notes(compiled));
        // Application Load Balancer quotas (raisable on request): 100 rules and 100 target groups.
        let rules = model.routes.len()
            * model.gateway.as_ref().map_or(1, |g| {
                g.hosts.len().div_ceil(network::MAX_HOSTS_PER_RULE).max(1)
            });
        if rules > 100 || model.routes.len() > 100 {
            notes.push(format!(
                "ecs: {} routes make {rules} listener rules (one per route and three host names) and up to {} target groups; an Application Load Balancer allows 100 of each unless its quotas are raised",
                model.routes.len(),
                model.routes.len()
            ));
        }
        if model.gateway.as_ref().is_some_and(|g| g.cors.is_some()) {
            notes.push(
                "ecs: [gateway].cors is not applied by the Application Load Balancer, which cannot add CORS headers; answer CORS in the services".into(),
            );
        }
        notes
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Cluster {
    /// Cloud Map `CreateHttpNamespace` input: the Service Connect namespace, made (and tagged) by
    /// stackc so that `destroy` removes it; ECS would leave one it made itself behind.
    namespace: CreateHttpNamespace,
    /// ECS `CreateCluster` input.
    cluster: CreateCluster,
    /// `CloudWatch` Logs `CreateLogGroup` input.
    log_group: CreateLogGroup,
    /// Days the logs are kept (`PutRetentionPolicy`).
    log_retention_in_days: u32,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CreateCluster {
    cluster_name: String,
    settings: Vec<types::KeyValue>,
    service_connect_defaults: ServiceConnectDefaults,
    tags: Vec<Tag>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct CreateHttpNamespace {
    name: String,
    /// Makes a retried create return the first one's operation instead of failing.
    creator_request_id: String,
    description: String,
    tags: Vec<AwsTag>,
}

#[derive(Serialize)]
struct ServiceConnectDefaults {
    namespace: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CreateLogGroup {
    log_group_name: String,
    tags: std::collections::BTreeMap<String, String>,
}

fn cluster(ecs: &Ecs) -> Cluster {
    Cluster {
        namespace: CreateHttpNamespace {
            name: ecs.name(NameKind::Namespace),
            creator_request_id: ecs.name(NameKind::NamespaceToken),
            description: format!("stackc {}: Service Connect", ecs.identity.deployment()),
            tags: ecs.aws_tags("namespace"),
        },
        cluster: CreateCluster {
            cluster_name: ecs.settings.cluster.clone(),
            settings: vec![types::KeyValue {
                name: "containerInsights".into(),
                value: "enabled".into(),
            }],
            // Service Connect: services find each other by name in this Cloud Map namespace.
            service_connect_defaults: ServiceConnectDefaults {
                namespace: ecs.name(NameKind::Namespace),
            },
            tags: ecs.tags("cluster"),
        },
        log_group: CreateLogGroup {
            log_group_name: ecs.log_group(),
            tags: ecs.tag_pairs("log-group").into_iter().collect(),
        },
        log_retention_in_days: 30,
    }
}

fn json<T: Serialize>(value: &T) -> String {
    serde_json::to_string_pretty(value).expect("ECS inputs serialize") + "\n"
}
