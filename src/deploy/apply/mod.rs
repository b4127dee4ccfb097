//! Carries out a plan: creates and updates in dependency order (a few at a time), jobs run to
//! completion before what waits for them, services awaited until stable, then deletions in reverse.
//! Every create carries the stack's tags, so an interrupted run is found and finished by the next.

mod delete;
mod network;
mod storage;
mod workloads;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use futures::StreamExt;
use serde_json::Value;

use super::aws::{Clients, Failure, Result, code_of, failed};
use super::desired::Desired;
use super::json::{self, Names, int_of, str_of, strings_of};
use super::live::{DIGEST_TAG, Live, RAN_TAG, STACK_TAG};
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
    // Rules first: a rule of a renamed route frees its priority before the new one takes it; and
    // the redirect listener of TLS being turned off frees the port the main listener moves to.
    let early: Vec<&Change> = deletes
        .iter()
        .copied()
        .filter(|c| {
            matches!(
                c.step,
                Step::Rule(_) | Step::Listener | Step::RedirectListener
            )
        })
        .collect();
    run.delete_early(&early).await?;
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

/// `timeout` from now, or a time so far ahead that it never comes when that does not fit.
fn deadline(timeout: Duration) -> Instant {
    let now = Instant::now();
    now.checked_add(timeout)
        .or_else(|| now.checked_add(Duration::from_hours(24 * 365)))
        .unwrap_or(now)
}

impl Run<'_> {
    /// A service's name in the cluster: the one read as the stack's, else its document's.
    pub(super) fn service_name(&self, name: &str) -> String {
        self.live
            .services
            .get(name)
            .map(|s| s.name.clone())
            .or_else(|| {
                self.desired
                    .services
                    .get(name)
                    .and_then(|d| str_of(d, "serviceName"))
            })
            .unwrap_or_else(|| name.to_owned())
    }

    fn phase_of(&self, step: &Step) -> Option<u8> {
        Some(match step {
            Step::Namespace | Step::LogGroup | Step::Group(_) => 0,
            Step::Parameter(name) => {
                let derived = self.desired.parameters.iter().any(|p| {
                    str_of(p, "name").as_deref() == Some(name)
                        && str_of(p, "source").as_deref() == Some("derived")
                });
                u8::from(derived)
            }
            // The cluster after the namespace: naming one that does not exist makes ECS create its own.
            Step::Cluster | Step::Ingress(_) | Step::Efs => 1,
            Step::MountTarget(_)
            | Step::AccessPoint(_)
            | Step::LoadBalancer
            | Step::TargetGroup(_) => 2,
            Step::Listener => 3,
            Step::Rule(_) | Step::RedirectListener => 4,
            Step::TaskDefinition(_) => 5,
            Step::Job(_) | Step::Service(_) => return None,
        })
    }

    pub(super) fn say(&self, what: &str) {
        crate::tell!("[{:>4}s] {what}", self.started.elapsed().as_secs());
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

    /// Calls `check` every poll interval until it gives a value (or fails); past the timeout,
    /// `resource` fails with `waiting`.
    async fn poll<T, F, Fut>(&self, resource: &str, waiting: &str, mut check: F) -> Result<T>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<Option<T>>>,
    {
        let deadline = deadline(self.options.timeout);
        loop {
            if let Some(value) = check().await? {
                return Ok(value);
            }
            if Instant::now() > deadline {
                return Err(Failure {
                    resource: resource.to_owned(),
                    message: format!("{waiting} after {} s", self.options.timeout.as_secs()),
                    call: None,
                });
            }
            tokio::time::sleep(self.options.poll).await;
        }
    }

    fn fill(&self, doc: &Value, resource: &str) -> Result<Value> {
        json::fill(doc, &self.names, false).map_err(|message| Failure {
            resource: resource.to_owned(),
            message,
            call: None,
        })
    }

    async fn step(&self, change: &Change) -> Result<Made> {
        let resource = change.resource.as_str();
        let update = change.action == Action::Update;
        match &change.step {
            Step::Cluster => self.create_cluster(resource).await,
            Step::Namespace => self.create_namespace(resource).await,
            Step::LogGroup => self.log_group(update, resource).await,
            Step::Parameter(name) => self.parameter(name, update, resource).await,
            Step::Group(owner) => self.create_group(owner, resource).await,
            Step::Ingress(owner) => self.ingress(owner, resource).await,
            Step::Efs => self.create_efs(resource).await,
            Step::MountTarget(subnet) => self.mount_target(subnet, resource).await,
            Step::AccessPoint(volume) => self.access_point(volume, resource).await,
            Step::LoadBalancer => self.load_balancer(update, resource).await,
            Step::TargetGroup(service) => self.target_group(service, update, resource).await,
            Step::Listener => self.listener("listener", update, resource).await,
            Step::RedirectListener => self.listener("redirectListener", update, resource).await,
            // A move in priority alone was made by `rule_priorities`.
            Step::Rule(_) if update && change.fields.iter().all(|f| f.field == "Priority") => {
                Ok(Made::default())
            }
            Step::Rule(tag) => self.rule(tag, update, resource).await,
            Step::TaskDefinition(name) => self.register(name, resource).await,
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
}
