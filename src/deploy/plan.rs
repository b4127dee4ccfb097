//! The difference between the documents and what exists: the changes `apply` makes, in a form to
//! read (and `--format json`).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use serde::Serialize;
use serde_json::Value;

use super::desired::Desired;
use super::json::{self, Names, flatten, str_of, tags_of};
use super::live::{Live, Owned, ingress_rules, symbolize};
use super::{ecs_api, elb_api};
use crate::targets::ecs::Identity;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Create,
    Update,
    Run,
    Delete,
}

/// What a change acts on; the order of the variants is the order `apply` creates them in.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Step {
    Namespace,
    Cluster,
    LogGroup,
    Parameter(String),
    Group(String),
    Ingress(String),
    Efs,
    MountTarget(String),
    AccessPoint(String),
    LoadBalancer,
    TargetGroup(String),
    Listener,
    /// With TLS: the HTTP listener redirecting to HTTPS (after the main listener, which may have
    /// just left its port).
    RedirectListener,
    Rule(String),
    TaskDefinition(String),
    Job(String),
    Service(String),
}

impl Step {
    #[must_use]
    pub fn resource(&self) -> String {
        match self {
            Step::Namespace => "namespace".into(),
            Step::Cluster => "cluster".into(),
            Step::LogGroup => "log-group".into(),
            Step::Parameter(n) => format!("parameter {n}"),
            Step::Group(o) => format!("security-group/{o}"),
            Step::Ingress(o) => format!("security-group/{o} ingress"),
            Step::Efs => "efs".into(),
            Step::MountTarget(s) => format!("efs mount-target/{s}"),
            Step::AccessPoint(v) => format!("efs access-point/{v}"),
            Step::LoadBalancer => "load-balancer".into(),
            Step::TargetGroup(s) => format!("target-group/{s}"),
            Step::Listener => "listener".into(),
            Step::RedirectListener => crate::targets::ecs::REDIRECT_LISTENER.into(),
            Step::Rule(r) => r.clone(),
            Step::TaskDefinition(n) => format!("task-definition/{n}"),
            Step::Job(n) => format!("job/{n}"),
            Step::Service(n) => format!("service/{n}"),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct FieldChange {
    pub field: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub before: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Change {
    pub action: Action,
    pub resource: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldChange>,
    /// A deletion that destroys data (see [`super::data`]): only with `--allow-data-loss`.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub data_loss: bool,
    /// What is lost, when `data_loss`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub loses: Option<String>,
    #[serde(skip)]
    pub step: Step,
}

#[derive(Debug, Default, Serialize)]
pub struct Plan {
    pub changes: Vec<Change>,
    /// What stops an apply: a parameter only you can write, a change AWS cannot make in place, a
    /// resource with a name stackc uses that is not the stack's.
    pub problems: Vec<String>,
    /// What `destroy` leaves alone although it carries the stack's names, and why; and the data it
    /// keeps without `--allow-data-loss`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub kept: Vec<String>,
    /// What the plan does not act on but you should know: an old deployment of the stack beside it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl Plan {
    fn add(&mut self, action: Action, step: Step, fields: Vec<FieldChange>) {
        self.changes.push(Change {
            action,
            resource: step.resource(),
            fields,
            data_loss: false,
            loses: None,
            step,
        });
    }

    #[must_use]
    pub fn has(&self, step: &Step) -> bool {
        self.changes.iter().any(|c| &c.step == step)
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    #[must_use]
    pub fn render_human(&self) -> String {
        let mut out = String::new();
        for c in &self.changes {
            let sign = match c.action {
                Action::Create => "+ create",
                Action::Update => "~ update",
                Action::Run => "> run   ",
                Action::Delete if c.data_loss => "-! delete",
                Action::Delete => "- delete",
            };
            match &c.loses {
                Some(what) => {
                    let _ = writeln!(out, "{sign} {} (destroys data: {what})", c.resource);
                }
                None => {
                    let _ = writeln!(out, "{sign} {}", c.resource);
                }
            }
            for f in &c.fields {
                let show = |v: &Option<String>| v.clone().unwrap_or_else(|| "(none)".into());
                let _ = writeln!(
                    out,
                    "      {}: {} -> {}",
                    f.field,
                    show(&f.before),
                    show(&f.after)
                );
            }
        }
        for k in &self.kept {
            let _ = writeln!(out, "= {k}");
        }
        for p in &self.problems {
            let _ = writeln!(out, "! {p}");
        }
        for n in &self.notes {
            let _ = writeln!(out, "note: {n}");
        }
        let count = |a: Action| self.changes.iter().filter(|c| c.action == a).count();
        if self.changes.is_empty() {
            out.push_str("No changes: the stack matches the spec.\n");
        } else {
            let _ = writeln!(
                out,
                "Plan: {} to create, {} to update, {} to run, {} to delete.",
                count(Action::Create),
                count(Action::Update),
                count(Action::Run),
                count(Action::Delete)
            );
        }
        out
    }
}

/// `path: before -> after` for every field that differs (lists keyed by item names).
#[must_use]
pub fn field_diff(desired: &Value, live: &Value) -> Vec<FieldChange> {
    let (d, l) = (flatten(desired), flatten(live));
    let keys: BTreeSet<&String> = d.keys().chain(l.keys()).collect();
    keys.into_iter()
        .filter(|k| d.get(*k) != l.get(*k))
        .map(|k| FieldChange {
            field: k.clone(),
            before: l.get(k).cloned(),
            after: d.get(k).cloned(),
        })
        .collect()
}

fn secret_change() -> Vec<FieldChange> {
    vec![FieldChange {
        field: "value".into(),
        before: Some("(secret)".into()),
        after: Some("(secret, changed)".into()),
    }]
}

/// A document with the placeholders of things not created yet left as their names.
#[must_use]
pub fn symbolic(doc: &Value, names: &Names) -> Value {
    json::fill(doc, names, true).unwrap_or_else(|_| doc.clone())
}

/// The derived value of a parameter, from the live values of those it is made of.
#[must_use]
pub fn derived_value(
    param: &Value,
    live: &Live,
    fresh: &BTreeMap<String, String>,
) -> Option<String> {
    let mut value = String::new();
    for part in json::list_of(param, "from") {
        let part = part.as_str()?;
        if let Some(name) = part.strip_prefix("{{").and_then(|p| p.strip_suffix("}}")) {
            let v = fresh
                .get(name)
                .or_else(|| live.parameters.get(name).map(|p| &p.value))?;
            value.push_str(v);
        } else {
            value.push_str(part);
        }
    }
    Some(value)
}

#[must_use]
pub fn live_rule_keys(live: &Live, owner: &str) -> BTreeSet<String> {
    live.groups
        .get(owner)
        .map(|g| {
            g.rules
                .keys()
                .map(|k| {
                    // The source is the last word: an id to show by name.
                    let (head, source) = k.rsplit_once(' ').unwrap_or((k, ""));
                    let source = live
                        .names
                        .symbol_of(source)
                        .unwrap_or_else(|| source.to_owned());
                    format!("{head} {source}")
                })
                .collect()
        })
        .unwrap_or_default()
}

fn resource_tag(doc: &Value, key: &str) -> Option<String> {
    tags_of(doc, key)
        .into_iter()
        .find(|(k, _)| k == super::live::RESOURCE_TAG)
        .map(|(_, v)| v)
}

/// The digest a task definition is registered with (its `stackc:digest` tag): of the document as the
/// spec asks for it, placeholders by name, tags left out.
#[must_use]
pub fn task_definition_digest(doc: &Value, names: &Names) -> String {
    json::digest(&untagged(&symbolic(doc, names)))
}

/// Without the tags: they are how stackc finds things, not what it compares.
fn untagged(doc: &Value) -> Value {
    let mut doc = doc.clone();
    if let Some(m) = doc.as_object_mut() {
        m.remove("tags");
        m.remove("Tags");
    }
    doc
}

#[must_use]
pub fn compute(desired: &Desired, live: &Live) -> Plan {
    let mut plan = Plan::default();
    let names = &live.names;
    if live.namespace.is_none() {
        plan.add(Action::Create, Step::Namespace, Vec::new());
    }
    if live.cluster.is_none() {
        plan.add(Action::Create, Step::Cluster, Vec::new());
    }
    match &live.log_group {
        None => plan.add(Action::Create, Step::LogGroup, Vec::new()),
        // Retention only on the stack's own: on another's group it would expire their logs.
        Some(g) if g.owner.is_this() && g.retention != Some(desired.log_retention) => plan.add(
            Action::Update,
            Step::LogGroup,
            vec![FieldChange {
                field: "retentionInDays".into(),
                before: g.retention.map(|r| r.to_string()),
                after: Some(desired.log_retention.to_string()),
            }],
        ),
        Some(_) => {}
    }
    parameters(&mut plan, desired, live);
    groups(&mut plan, desired, live);
    efs(&mut plan, desired, live);
    load_balancer(&mut plan, desired, live);
    let mut new_revisions = BTreeSet::new();
    for (name, doc) in &desired.task_definitions {
        let doc = untagged(&symbolic(doc, names));
        let step = Step::TaskDefinition(name.clone());
        match live.task_definitions.get(name) {
            None => {
                plan.add(Action::Create, step, Vec::new());
                new_revisions.insert(name.clone());
            }
            Some(td) => {
                let fields = td
                    .view
                    .as_ref()
                    .map(|view| field_diff(&doc, &symbolize(view, names)))
                    .unwrap_or_default();
                if td.digest.as_deref() != Some(json::digest(&doc).as_str()) || !fields.is_empty() {
                    plan.add(Action::Update, step, fields);
                    new_revisions.insert(name.clone());
                }
            }
        }
    }
    for family in &live.stale_families {
        plan.add(
            Action::Delete,
            Step::TaskDefinition(family.clone()),
            Vec::new(),
        );
    }
    for job in &desired.jobs {
        let ran = live.task_definitions.get(job).is_some_and(|t| t.ran);
        if new_revisions.contains(job) || !ran {
            plan.add(Action::Run, Step::Job(job.clone()), Vec::new());
        }
    }
    services(&mut plan, desired, live, &new_revisions);
    refuse_foreign(&mut plan, desired, live);
    super::data::mark(&mut plan, live);
    plan.notes.clone_from(&live.legacy);
    plan
}

/// Foreign resources stop the apply: each is a problem, and nothing is planned for it.
fn refuse_foreign(plan: &mut Plan, desired: &Desired, live: &Live) {
    let blocked: BTreeSet<&str> = live.foreign.iter().map(|f| f.resource.as_str()).collect();
    plan.changes
        .retain(|c| !blocked.contains(c.resource.as_str()));
    plan.problems
        .extend(live.foreign.iter().map(|f| f.problem(desired.identity())));
}

fn services(plan: &mut Plan, desired: &Desired, live: &Live, new_revisions: &BTreeSet<String>) {
    let names = &live.names;
    for (name, doc) in &desired.services {
        let step = Step::Service(name.clone());
        let Some(service) = live.services.get(name) else {
            plan.add(Action::Create, step, Vec::new());
            continue;
        };
        let mut want = ecs_api::service_doc_view(&symbolic(doc, names));
        let mut have = symbolize(&service.view, names);
        // What the service API does not report back (some emulators leave these out) cannot differ.
        for key in ["deploymentConfiguration", "healthCheckGracePeriodSeconds"] {
            if have.get(key).is_none()
                && let Some(m) = want.as_object_mut()
            {
                m.remove(key);
            }
        }
        ecs_api::sort_sets(&mut want);
        ecs_api::sort_sets(&mut have);
        let mut fields = field_diff(&want, &have);
        let latest = live.task_definitions.get(name).map(|t| t.arn.as_str());
        if new_revisions.contains(name) || latest != Some(service.task_definition.as_str()) {
            fields.push(FieldChange {
                field: "taskDefinition".into(),
                before: Some(short_arn(&service.task_definition)),
                after: Some(if new_revisions.contains(name) {
                    "(new revision)".into()
                } else {
                    latest.map(short_arn).unwrap_or_default()
                }),
            });
        }
        if !fields.is_empty() {
            plan.add(Action::Update, step, fields);
        }
    }
    for name in live.services.keys() {
        if !desired.services.contains_key(name) {
            plan.add(Action::Delete, Step::Service(name.clone()), Vec::new());
        }
    }
}

fn short_arn(arn: &str) -> String {
    arn.rsplit('/').next().unwrap_or(arn).to_owned()
}

fn parameters(plan: &mut Plan, desired: &Desired, live: &Live) {
    let mut wanted = BTreeSet::new();
    for p in &desired.parameters {
        let name = str_of(p, "name").unwrap_or_default();
        wanted.insert(name.clone());
        let existing = live.parameters.get(&name);
        let step = Step::Parameter(name.clone());
        match str_of(p, "source").as_deref() {
            Some("user") => {
                if existing.is_none() {
                    plan.problems.push(format!(
                        "parameter {name} is yours to write: aws ssm put-parameter --type SecureString --name {name} --value …"
                    ));
                }
            }
            Some("derived") => match (existing, derived_value(p, live, &BTreeMap::new())) {
                (None, _) => plan.add(Action::Create, step, Vec::new()),
                // Not the stack's: never overwritten (a problem, see `refuse_foreign`).
                (Some(e), _) if !e.owner.is_this() => {}
                (Some(e), Some(v)) if e.value == v => {}
                (Some(_), _) => plan.add(Action::Update, step, secret_change()),
            },
            _ => {
                if existing.is_none() {
                    plan.add(Action::Create, step, Vec::new());
                }
            }
        }
    }
    for (name, p) in &live.parameters {
        if p.owner.is_this() && !wanted.contains(name) {
            plan.add(Action::Delete, Step::Parameter(name.clone()), Vec::new());
        }
    }
}

fn groups(plan: &mut Plan, desired: &Desired, live: &Live) {
    for (owner, group) in &desired.groups {
        if !live.groups.contains_key(owner) {
            plan.add(Action::Create, Step::Group(owner.clone()), Vec::new());
        }
        let want: BTreeSet<String> = group
            .ingress
            .as_ref()
            .map(|i| {
                ingress_rules(&symbolic(i, &live.names))
                    .into_keys()
                    .collect()
            })
            .unwrap_or_default();
        let have = live_rule_keys(live, owner);
        let mut fields: Vec<FieldChange> = want
            .difference(&have)
            .map(|k| FieldChange {
                field: "ingress".into(),
                before: None,
                after: Some(k.clone()),
            })
            .collect();
        fields.extend(have.difference(&want).map(|k| FieldChange {
            field: "ingress".into(),
            before: Some(k.clone()),
            after: None,
        }));
        if !fields.is_empty() {
            plan.add(Action::Update, Step::Ingress(owner.clone()), fields);
        }
    }
    for owner in live.groups.keys() {
        let in_use = owner == crate::targets::ecs::ALB_OWNER
            && desired.load_balancer.is_none()
            && load_balancer_kept(live);
        if !desired.groups.contains_key(owner) && !in_use {
            plan.add(Action::Delete, Step::Group(owner.clone()), Vec::new());
        }
    }
}

fn efs(plan: &mut Plan, desired: &Desired, live: &Live) {
    let Some(doc) = &desired.efs else {
        if live.efs.as_ref().is_some_and(Owned::owned) && live.other_access_points.is_empty() {
            plan.add(Action::Delete, Step::Efs, Vec::new());
        }
        return;
    };
    match &live.efs {
        None => plan.add(Action::Create, Step::Efs, Vec::new()),
        // Another's file system: nothing is made in it (a problem, see `refuse_foreign`).
        Some(e) if !e.owned() => return,
        Some(_) => {}
    }
    let doc = symbolic(doc, &live.names);
    for subnet in json::strings_of(&doc["mountTargets"], "SubnetIds").unwrap_or_default() {
        if !live.mount_targets.contains_key(&subnet) {
            plan.add(Action::Create, Step::MountTarget(subnet), Vec::new());
        }
    }
    if let Some(points) = doc["accessPoints"].as_object() {
        for volume in points.keys() {
            if !live.access_points.contains_key(volume) {
                plan.add(
                    Action::Create,
                    Step::AccessPoint(volume.clone()),
                    Vec::new(),
                );
            }
        }
    }
}

fn load_balancer(plan: &mut Plan, desired: &Desired, live: &Live) {
    let names = &live.names;
    let Some(doc) = &desired.load_balancer else {
        for service in live.target_groups.keys() {
            plan.add(
                Action::Delete,
                Step::TargetGroup(service.clone()),
                Vec::new(),
            );
        }
        retire_load_balancer(plan, live);
        return;
    };
    let doc = symbolic(doc, names);
    match &live.load_balancer {
        None => plan.add(Action::Create, Step::LoadBalancer, Vec::new()),
        Some(lb) => {
            let mut want = elb_api::load_balancer_doc_view(&doc["loadBalancer"]);
            let mut have = symbolize(&lb.view, names);
            elb_api::sort_sets(&mut want);
            elb_api::sort_sets(&mut have);
            let fields = field_diff(&want, &have);
            if fields
                .iter()
                .any(|f| f.field == "Scheme" || f.field == "Type")
            {
                plan.problems.push(
                    "the load balancer's scheme or type changed, which AWS cannot change in place: run `stackc destroy`, then apply".into(),
                );
            } else if !fields.is_empty() {
                plan.add(Action::Update, Step::LoadBalancer, fields);
            }
        }
    }
    // ACM certificates are regional; a spec without `region` learns the deployment's only now.
    if let Some(region) = names.get("region") {
        for cert in json::list_of(&doc["listener"], "Certificates") {
            let arn = cert["CertificateArn"].as_str().unwrap_or_default();
            if let Some(theirs) =
                crate::model::resolve::checks::acm_certificate_region(arn).filter(|r| *r != region)
            {
                plan.problems.push(format!(
                    "listener: the ACM certificate {arn} is in {theirs}, the deployment in {region}: a load balancer serves certificates of its own region only"
                ));
            }
        }
    }
    // The HTTPS listener's attributes are compared as part of it.
    let mut main = doc["listener"].clone();
    if let Some(attributes) = doc.get("listenerAttributes") {
        main["Attributes"] = attributes["Attributes"].clone();
    }
    listener(
        plan,
        Step::Listener,
        Some(&main),
        live.listener.as_ref(),
        live,
    );
    listener(
        plan,
        Step::RedirectListener,
        doc.get("redirectListener"),
        live.redirect_listener.as_ref(),
        live,
    );
    let groups = doc["targetGroups"].as_object().cloned().unwrap_or_default();
    for (service, group) in &groups {
        let step = Step::TargetGroup(service.clone());
        match live.target_groups.get(service) {
            None => plan.add(Action::Create, step, Vec::new()),
            Some(tg) => {
                let fields = field_diff(
                    &elb_api::target_group_doc_view(group),
                    &symbolize(&tg.view, names),
                );
                let fixed: Vec<&FieldChange> = fields
                    .iter()
                    .filter(|f| elb_api::TARGET_GROUP_FIXED.iter().any(|k| f.field == *k))
                    .collect();
                if let Some(f) = fixed.first() {
                    plan.problems.push(format!(
                        "target-group/{service}: {} changed ({} -> {}), which needs a new target group: run `stackc destroy`, then apply",
                        f.field,
                        f.before.as_deref().unwrap_or("none"),
                        f.after.as_deref().unwrap_or("none"),
                    ));
                } else if !fields.is_empty() {
                    plan.add(Action::Update, step, fields);
                }
            }
        }
    }
    let mut wanted_rules = BTreeSet::new();
    for rule in json::list_of(&doc, "rules") {
        let Some(resource) = resource_tag(rule, "Tags") else {
            continue;
        };
        let priority = rule["Priority"].as_i64().unwrap_or_default();
        if let Some((arn, _)) = live.other_rules.iter().find(|(_, p)| *p == priority) {
            plan.problems.push(format!(
                "{resource}: priority {priority} on the stack's listener is taken by a rule that is not the stack's ({arn}): delete that rule, or move it to another priority"
            ));
        }
        wanted_rules.insert(resource.clone());
        let step = Step::Rule(resource.clone());
        match live.rules.get(&resource) {
            None => plan.add(Action::Create, step, Vec::new()),
            Some(r) => {
                let fields = field_diff(&elb_api::rule_doc_view(rule), &symbolize(&r.view, names));
                if !fields.is_empty() {
                    plan.add(Action::Update, step, fields);
                }
            }
        }
    }
    for resource in live.rules.keys() {
        if !wanted_rules.contains(resource) {
            plan.add(Action::Delete, Step::Rule(resource.clone()), Vec::new());
        }
    }
    for service in live.target_groups.keys() {
        if !groups.contains_key(service) {
            plan.add(
                Action::Delete,
                Step::TargetGroup(service.clone()),
                Vec::new(),
            );
        }
    }
}

/// A listener: created, updated in place (`ModifyListener` changes protocol, port and certificate;
/// the rules stay on it) or deleted; a port taken by a listener that is not the stack's is a problem.
fn listener(
    plan: &mut Plan,
    step: Step,
    want: Option<&Value>,
    have: Option<&super::live::Item>,
    live: &Live,
) {
    let port = want.and_then(|w| w["Port"].as_i64());
    if let Some((arn, _)) = live.other_listeners.iter().find(|(_, p)| Some(*p) == port) {
        plan.problems.push(format!(
            "{}: port {} of the stack's load balancer is taken by a listener that is not the stack's ({arn}): delete that listener, or change the gateway's port",
            step.resource(),
            port.unwrap_or_default()
        ));
    }
    match (want, have) {
        (None, None) => {}
        (None, Some(_))
            if step == Step::RedirectListener && !live.redirect_other_rules.is_empty() =>
        {
            plan.problems.push(format!(
                "{}: the redirect listener is no longer wanted but holds rules that are not the stack's ({}): delete or move them, then apply",
                step.resource(),
                live.redirect_other_rules
                    .iter()
                    .map(|(arn, _)| arn.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        (None, Some(_)) => plan.add(Action::Delete, step, Vec::new()),
        // A redirect moving to another port is made anew: deleted first (with the rule
        // deletions), its port free for the main listener, then created on its new port.
        (Some(w), Some(h))
            if step == Step::RedirectListener
                && w["Port"] != h.view["Port"]
                && live.redirect_other_rules.is_empty() =>
        {
            plan.add(Action::Delete, step.clone(), Vec::new());
            plan.add(Action::Create, step, Vec::new());
        }
        (Some(_), None) => plan.add(Action::Create, step, Vec::new()),
        (Some(want), Some(have)) => {
            let fields = field_diff(
                &elb_api::listener_doc_view(want),
                &symbolize(&have.view, &live.names),
            );
            if !fields.is_empty() {
                plan.add(Action::Update, step, fields);
            }
        }
    }
}

/// Listeners and rules on the stack's load balancer that are not the stack's.
fn not_the_stacks(live: &Live) -> Vec<&str> {
    live.other_rules
        .iter()
        .chain(&live.redirect_other_rules)
        .chain(&live.other_listeners)
        .map(|(arn, _)| arn.as_str())
        .collect()
}

/// Whether retiring the load balancer keeps it (someone else's listeners or rules are on it).
fn load_balancer_kept(live: &Live) -> bool {
    live.load_balancer.is_some() && !not_the_stacks(live).is_empty()
}

/// The load balancer is deleted with its listeners, unless it holds listeners or rules that are not
/// the stack's: then it is kept (and its security group, which it uses), and only the stack's own
/// listeners that hold no one else's rules are deleted.
fn retire_load_balancer(plan: &mut Plan, live: &Live) {
    let Some(lb) = &live.load_balancer else {
        return;
    };
    let others = not_the_stacks(live);
    if others.is_empty() {
        plan.add(Action::Delete, Step::LoadBalancer, Vec::new());
        return;
    }
    if live.listener.is_some() && live.other_rules.is_empty() {
        plan.add(Action::Delete, Step::Listener, Vec::new());
    }
    if live.redirect_listener.is_some() && live.redirect_other_rules.is_empty() {
        plan.add(Action::Delete, Step::RedirectListener, Vec::new());
    }
    plan.kept.push(format!(
        "load balancer {} has listeners or listener rules that are not the stack's ({}): left alone, with its security group security-group/{}",
        lb.arn,
        others.join(", "),
        crate::targets::ecs::ALB_OWNER,
    ));
}

/// Everything the stack owns, to delete; what carries its names but is not its own is kept, and said.
#[must_use]
pub fn destroy(live: &Live, who: Identity<'_>) -> Plan {
    let stack = who.stack;
    let mut plan = Plan::default();
    for name in live.services.keys() {
        plan.add(Action::Delete, Step::Service(name.clone()), Vec::new());
    }
    for resource in live.rules.keys() {
        plan.add(Action::Delete, Step::Rule(resource.clone()), Vec::new());
    }
    retire_load_balancer(&mut plan, live);
    for service in live.target_groups.keys() {
        plan.add(
            Action::Delete,
            Step::TargetGroup(service.clone()),
            Vec::new(),
        );
    }
    let families: BTreeSet<&String> = live
        .task_definitions
        .values()
        .map(|td| &td.family)
        .chain(&live.stale_families)
        .chain(live.shadowed_families.keys())
        .collect();
    for family in families {
        plan.add(
            Action::Delete,
            Step::TaskDefinition(family.clone()),
            Vec::new(),
        );
    }
    if let Some(efs) = live.efs.as_ref().filter(|e| e.owned()) {
        if live.other_access_points.is_empty() {
            plan.add(Action::Delete, Step::Efs, Vec::new());
        } else {
            plan.kept.push(format!(
                "EFS file system {} holds access points that are not the stack's ({}): left alone, with its data",
                efs.id,
                live.other_access_points.join(", ")
            ));
        }
    }
    for owner in live.groups.keys() {
        if owner == crate::targets::ecs::ALB_OWNER && load_balancer_kept(live) {
            continue;
        }
        plan.add(Action::Delete, Step::Group(owner.clone()), Vec::new());
    }
    for (name, p) in &live.parameters {
        if p.owner.is_this() {
            plan.add(Action::Delete, Step::Parameter(name.clone()), Vec::new());
        }
    }
    if live.log_group.as_ref().is_some_and(|g| g.owner.is_this()) {
        plan.add(Action::Delete, Step::LogGroup, Vec::new());
    }
    match &live.cluster {
        Some(c) if c.owned() && live.other_services.is_empty() => {
            plan.add(Action::Delete, Step::Cluster, Vec::new());
        }
        Some(c) if c.owned() => plan.kept.push(format!(
            "ECS cluster {} also runs services that are not the stack's ({}): left alone",
            c.id,
            live.other_services.join(", ")
        )),
        Some(c) => plan.kept.push(format!(
            "ECS cluster {} is not the stack's (not tagged {}={stack}): only the stack's services in it are deleted",
            c.id,
            super::owner::STACK_TAG
        )),
        None => {}
    }
    if live.namespace.as_ref().is_some_and(Owned::owned) {
        plan.add(Action::Delete, Step::Namespace, Vec::new());
    }
    plan.kept.extend(live.foreign.iter().map(|f| f.kept(who)));
    super::data::mark(&mut plan, live);
    plan.notes.clone_from(&live.legacy);
    plan
}
