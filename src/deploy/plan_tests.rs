//! Plans computed from a compiled spec and a hand-made live state: no AWS involved.

use serde_json::json;

use super::desired::Desired;
use super::json;
use super::live::{self, Live};
use super::owner::{Foreign, Owner};
use super::plan::{self, Action, Step, field_diff, symbolic};

const SPEC: &str = r#"
[stack]
name = "demo"

[services.api]
image = "example/api:1"
port = 8000
env = { DATABASE_URL = "${resources.db.url}", LOG_LEVEL = "info" }
depends_on = { migrate = "completed" }
secrets = ["api-key"]

[jobs.migrate]
image = "example/api:1"
command = ["migrate"]
depends_on = ["db"]

[resources.db]
type = "postgres"
version = "16"

[routes]
"/" = "api"

[targets.ecs]
region = "eu-west-1"
cluster = "demo"
"#;

fn desired(text: &str) -> Desired {
    let source = crate::source::SourceFile::new("stack.toml", text);
    let compiled = crate::compile::compile(&source, None)
        .unwrap()
        .compiled
        .expect("the spec compiles");
    Desired::from_compiled(&compiled).unwrap()
}

fn empty_account() -> Live {
    let mut live = Live::default();
    live.names.set("region", "eu-west-1");
    live.names.set("account", "123456789012");
    live.names.set("vpc", "vpc-1");
    live.names
        .set_many("default-subnets", vec!["subnet-a".into()]);
    live
}

fn actions(plan: &plan::Plan) -> Vec<(Action, String)> {
    plan.changes
        .iter()
        .map(|c| (c.action, c.resource.clone()))
        .collect()
}

#[test]
fn an_empty_account_gets_everything_and_the_job_runs() {
    let d = desired(SPEC);
    let plan = plan::compute(&d, &empty_account());
    let got = actions(&plan);
    for expected in [
        (Action::Create, "namespace"),
        (Action::Create, "cluster"),
        (Action::Create, "parameter /stackc/demo/db-password"),
        (Action::Create, "security-group/alb"),
        (Action::Update, "security-group/db ingress"),
        (Action::Create, "efs"),
        (Action::Create, "load-balancer"),
        (Action::Create, "task-definition/migrate"),
        (Action::Run, "job/migrate"),
        (Action::Create, "service/api"),
    ] {
        assert!(
            got.contains(&(expected.0, expected.1.to_owned())),
            "{expected:?} missing from {got:?}"
        );
    }
    assert!(!got.iter().any(|(a, _)| *a == Action::Delete));
    // The user's own secret cannot be made up: a problem, so apply changes nothing.
    assert_eq!(plan.problems.len(), 1);
    assert!(plan.problems[0].contains("/stackc/demo/api-key"));
}

/// A live task definition exactly as apply registers it.
fn registered(d: &Desired, name: &str, live: &Live, ran: bool) -> live::TaskDefinition {
    let mut doc = symbolic(&d.task_definitions[name], &live.names);
    doc.as_object_mut().unwrap().remove("tags");
    live::TaskDefinition {
        family: format!("demo_{name}"),
        arn: format!("arn:aws:ecs:eu-west-1:1:task-definition/demo_{name}:1"),
        digest: Some(json::digest(&doc)),
        ran,
        view: Some(doc),
    }
}

#[test]
fn a_job_runs_again_only_when_it_changed_or_never_succeeded() {
    let d = desired(SPEC);
    let mut live = empty_account();
    live.task_definitions
        .insert("migrate".into(), registered(&d, "migrate", &live, true));
    let plan = plan::compute(&d, &live);
    assert!(
        !plan.has(&Step::Job("migrate".into())),
        "{:?}",
        actions(&plan)
    );
    assert!(!plan.has(&Step::TaskDefinition("migrate".into())));

    live.task_definitions
        .insert("migrate".into(), registered(&d, "migrate", &live, false));
    assert!(plan::compute(&d, &live).has(&Step::Job("migrate".into())));

    let changed = desired(&SPEC.replace(
        r#"command = ["migrate"]"#,
        r#"command = ["migrate", "--all"]"#,
    ));
    live.task_definitions
        .insert("migrate".into(), registered(&d, "migrate", &live, true));
    let plan = plan::compute(&changed, &live);
    let change = plan
        .changes
        .iter()
        .find(|c| c.step == Step::TaskDefinition("migrate".into()))
        .expect("the task definition changes");
    assert_eq!(change.fields.len(), 1, "{:?}", change.fields);
    assert_eq!(
        change.fields[0].field,
        "containerDefinitions[migrate].command[1]"
    );
    assert!(plan.has(&Step::Job("migrate".into())));
}

#[test]
fn destroy_deletes_only_what_carries_the_stack_tag() {
    let mut live = empty_account();
    live.cluster = Some(live::Owned {
        id: "arn:cluster".into(),
        owner: Owner::Untagged,
    });
    live.parameters.insert(
        "/stackc/demo/api-key".into(),
        live::Parameter {
            value: "secret".into(),
            owner: Owner::Untagged,
        },
    );
    live.parameters.insert(
        "/stackc/demo/db-password".into(),
        live::Parameter {
            value: "x".into(),
            owner: Owner::This,
        },
    );
    let plan = plan::destroy(&live, crate::targets::ecs::Identity::base("demo"));
    assert_eq!(
        actions(&plan),
        [(
            Action::Delete,
            "parameter /stackc/demo/db-password".to_owned()
        )]
    );
    assert!(
        plan.kept[0].contains("ECS cluster arn:cluster is not the stack's"),
        "{:?}",
        plan.kept
    );
}

/// What `Live::read` records for a resource with the stack's name that is not its own.
fn foreign(live: &mut Live, kind: &'static str, name: &str, resource: &str) {
    live.foreign
        .push(Foreign::new(kind, name, Owner::Untagged, resource));
}

#[test]
fn a_foreign_resource_is_a_problem_and_nothing_is_planned_for_it() {
    let d = desired(SPEC);
    let mut live = empty_account();
    // An untagged log group of the stack's name with another retention: no retention is planned.
    live.log_group = Some(live::LogGroup {
        arn: "arn:logs".into(),
        retention: Some(7),
        owner: Owner::Untagged,
    });
    foreign(&mut live, "log group", "/stackc/demo", "log-group");
    // An untagged derived secret holding the user's own value: never overwritten.
    live.parameters.insert(
        "/stackc/demo/db-url".into(),
        live::Parameter {
            value: "mine".into(),
            owner: Owner::Untagged,
        },
    );
    foreign(
        &mut live,
        "SSM parameter",
        "/stackc/demo/db-url",
        "parameter /stackc/demo/db-url",
    );
    foreign(&mut live, "ECS service", "demo_api", "service/api");
    let plan = plan::compute(&d, &live);
    let got = actions(&plan);
    for blocked in ["log-group", "parameter /stackc/demo/db-url", "service/api"] {
        assert!(
            !got.iter().any(|(_, r)| r == blocked),
            "{blocked} in {got:?}"
        );
        assert!(
            plan.problems
                .iter()
                .any(|p| p.starts_with(&format!("{blocked}: "))),
            "{:?}",
            plan.problems
        );
    }
    assert!(plan.render_human().contains(
        "! service/api: ECS service demo_api exists and is not tagged stackc:stack=demo"
    ));
}

#[test]
fn destroy_keeps_what_is_not_the_stacks_and_says_so() {
    let mut live = empty_account();
    live.cluster = Some(live::Owned {
        id: "shared".into(),
        owner: Owner::This,
    });
    live.other_services.push("other_web".into());
    live.shadowed_families
        .insert("demo_api".into(), vec!["arn:demo_api:1".into()]);
    foreign(&mut live, "log group", "/stackc/demo", "log-group");
    let plan = plan::destroy(&live, crate::targets::ecs::Identity::base("demo"));
    assert_eq!(
        actions(&plan),
        [(Action::Delete, "task-definition/demo_api".to_owned())],
        "the stack's revisions below a foreign latest one are deregistered; the cluster stays"
    );
    assert!(
        plan.kept.iter().any(|k| k.contains("other_web")),
        "{:?}",
        plan.kept
    );
    assert!(
        plan.kept
            .iter()
            .any(|k| k.contains("/stackc/demo") && k.contains("left alone"))
    );
    assert!(plan.problems.is_empty());
}

#[test]
fn diffs_name_things_not_ids_and_ignore_order() {
    let mut live = empty_account();
    live.names.set("security-group:api", "sg-123");
    let doc = json!({"groups": ["{{stackc:security-group:api}}"], "vpc": "{{stackc:vpc}}"});
    // What stackc creates is named; the environment is filled in.
    assert_eq!(
        symbolic(&doc, &live.names),
        json!({"groups": ["security-group:api"], "vpc": "vpc-1"})
    );
    let have = live::symbolize(&json!({"groups": ["sg-123"], "vpc": "vpc-1"}), &live.names);
    assert!(field_diff(&symbolic(&doc, &live.names), &have).is_empty());
    let env = |pairs: &[(&str, &str)]| json!({"environment": pairs.iter().map(|(n, v)| json!({"name": n, "value": v})).collect::<Vec<_>>()});
    assert!(
        field_diff(
            &env(&[("A", "1"), ("B", "2")]),
            &env(&[("B", "2"), ("A", "1")])
        )
        .is_empty()
    );
    let diff = field_diff(&env(&[("A", "1")]), &env(&[("A", "1"), ("B", "2")]));
    assert_eq!(diff.len(), 1);
    assert_eq!(diff[0].field, "environment[B].value");
    assert_eq!(diff[0].before.as_deref(), Some("2"));
    assert_eq!(diff[0].after, None);
}

#[test]
fn a_rule_that_is_not_the_stacks_keeps_its_priority_and_its_load_balancer() {
    let d = desired(SPEC);
    let mut live = empty_account();
    live.other_rules.push(("arn:their-rule".into(), 1));
    let plan = plan::compute(&d, &live);
    assert!(
        plan.problems
            .iter()
            .any(|p| p.contains("priority 1") && p.contains("arn:their-rule")),
        "{:?}",
        plan.problems
    );
    live.load_balancer = Some(live::Item {
        arn: "arn:lb".into(),
        view: json!({}),
    });
    let plan = plan::destroy(&live, crate::targets::ecs::Identity::base("demo"));
    assert!(!plan.has(&Step::LoadBalancer));
    assert!(
        plan.kept.iter().any(|k| k.contains("arn:their-rule")),
        "{:?}",
        plan.kept
    );
}
