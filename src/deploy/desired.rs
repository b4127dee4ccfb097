//! What the stack should be on AWS: exactly the ECS target's artifacts (the files `stackc build`
//! writes and reviewers read), plus the start-up layers of the graph.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::json::{list_of, str_of, tags_of};
use super::live::RESOURCE_TAG;
use crate::compile::Compiled;
use crate::model::WorkloadKind;
use crate::targets::{RenderContext, Target, ecs::EcsTarget, ecs::Identity};

#[derive(Debug)]
pub struct Desired {
    pub stack: String,
    /// The environment of the deployment (`None`: the base).
    pub env: Option<String>,
    pub region: Option<String>,
    pub cluster_name: String,
    /// Whether the spec names its subnets (else: the default VPC's, and public IPs).
    pub own_subnets: bool,
    pub namespace: Value,
    pub cluster: Value,
    pub log_group: Value,
    pub log_retention: i32,
    /// By owner, in the artifact's order.
    pub groups: BTreeMap<String, Group>,
    pub load_balancer: Option<Value>,
    pub efs: Option<Value>,
    pub task_definitions: BTreeMap<String, Value>,
    pub services: BTreeMap<String, Value>,
    pub jobs: BTreeSet<String>,
    pub parameters: Vec<Value>,
    /// What runs, in layers: everything in a layer waits only for earlier layers.
    pub layers: Vec<Vec<String>>,
}

#[derive(Debug, Clone)]
pub struct Group {
    pub create: Value,
    pub ingress: Option<Value>,
}

impl Desired {
    /// The deployment: what its names are made of and whose tags make a resource its own.
    #[must_use]
    pub fn identity(&self) -> Identity<'_> {
        Identity {
            stack: &self.stack,
            env: self.env.as_deref(),
        }
    }

    /// `load-balancer.json`, or null when nothing is routed.
    #[must_use]
    pub fn lb(&self) -> &Value {
        self.load_balancer.as_ref().unwrap_or(&Value::Null)
    }

    /// `efs.json`, or null when nothing keeps data.
    #[must_use]
    pub fn efs(&self) -> &Value {
        self.efs.as_ref().unwrap_or(&Value::Null)
    }

    /// The listener rule tagged `stackc:resource = <resource>`, or null.
    #[must_use]
    pub fn rule(&self, resource: &str) -> &Value {
        list_of(self.lb(), "rules")
            .iter()
            .find(|r| {
                tags_of(r, "Tags")
                    .iter()
                    .any(|(k, v)| k == RESOURCE_TAG && v == resource)
            })
            .unwrap_or(&Value::Null)
    }

    pub fn from_compiled(compiled: &Compiled) -> Result<Self, String> {
        let model = &compiled.model;
        let settings = model
            .targets
            .ecs
            .as_ref()
            .ok_or("the spec has no [targets.ecs] (region, cluster, ...): nothing to deploy")?;
        let context = RenderContext::new(
            std::path::Path::new("stack.toml"),
            std::path::Path::new("dist"),
        );
        let files = EcsTarget.render(compiled, &context);
        let doc = |path: &str| -> Option<Value> {
            files
                .get(path)
                .map(|text| serde_json::from_str(text).expect("stackc writes valid JSON"))
        };
        let cluster_doc = doc("ecs/cluster.json").ok_or("no ecs/cluster.json")?;
        let mut groups = BTreeMap::new();
        if let Some(sg) = doc("ecs/security-groups.json") {
            for g in list_of(&sg, "groups") {
                let owner = str_of(g, "owner").unwrap_or_default();
                groups.insert(
                    owner,
                    Group {
                        create: g["create"].clone(),
                        ingress: g.get("ingress").cloned(),
                    },
                );
            }
        }
        let mut task_definitions = BTreeMap::new();
        let mut services = BTreeMap::new();
        for (path, text) in &files {
            let value = || serde_json::from_str::<Value>(text).expect("stackc writes valid JSON");
            if let Some(name) = path
                .strip_prefix("ecs/")
                .and_then(|p| p.strip_suffix(".taskdef.json"))
            {
                task_definitions.insert(name.to_owned(), value());
            } else if let Some(name) = path
                .strip_prefix("ecs/")
                .and_then(|p| p.strip_suffix(".service.json"))
            {
                services.insert(name.to_owned(), value());
            }
        }
        let jobs = model
            .workloads()
            .filter(|w| w.kind == WorkloadKind::Job)
            .map(|w| w.name.to_string())
            .collect();
        Ok(Self {
            stack: model.name.to_string(),
            env: model.deployment.env.as_ref().map(ToString::to_string),
            region: settings.region.clone(),
            cluster_name: settings.cluster.clone(),
            own_subnets: !settings.subnets.is_empty(),
            log_group: cluster_doc["logGroup"].clone(),
            log_retention: cluster_doc["logRetentionInDays"]
                .as_i64()
                .and_then(|n| i32::try_from(n).ok())
                .unwrap_or(30),
            namespace: cluster_doc["namespace"].clone(),
            cluster: cluster_doc["cluster"].clone(),
            groups,
            load_balancer: doc("ecs/load-balancer.json"),
            efs: doc("ecs/efs.json"),
            task_definitions,
            services,
            jobs,
            parameters: doc("ecs/parameters.json")
                .and_then(|v| v.as_array().cloned())
                .unwrap_or_default(),
            layers: layers(compiled),
        })
    }
}

/// Start-up layers of what runs (`startup_order` holds nothing else): a node's layer is one more than
/// the deepest of what it waits for.
fn layers(compiled: &Compiled) -> Vec<Vec<String>> {
    let graph = &compiled.graph;
    let mut depth: BTreeMap<String, usize> = BTreeMap::new();
    for name in graph.startup_order() {
        let d = graph
            .dependencies(name)
            .iter()
            .filter_map(|(dep, _)| depth.get(dep.as_str()))
            .map(|d| d + 1)
            .max()
            .unwrap_or(0);
        depth.insert(name.to_string(), d);
    }
    let mut out: Vec<Vec<String>> = Vec::new();
    for (name, d) in depth {
        if out.len() <= d {
            out.resize(d + 1, Vec::new());
        }
        out[d].push(name);
    }
    out
}
