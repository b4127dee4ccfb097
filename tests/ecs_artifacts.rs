//! The ECS target's files checked against botocore's own service models, and its security groups
//! against the dependency graph.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Examples that configure ECS, and the HTTPS stack (its listeners).
fn ecs_examples() -> Vec<PathBuf> {
    common::valid_specs()
        .into_iter()
        .filter(|s| {
            s.starts_with(common::root().join("examples"))
                || s.starts_with(common::root().join("tests/e2e/tls"))
        })
        .filter(|s| {
            std::fs::read_to_string(s)
                .unwrap()
                .contains("[targets.ecs]")
        })
        .collect()
}

fn build_ecs(spec: &Path, env: Option<&str>, out: &Path) -> Vec<PathBuf> {
    let run = common::build_target(spec, "ecs", env, out);
    assert!(
        run.status.success(),
        "{}: {}",
        spec.display(),
        common::text(&run.stderr)
    );
    let mut files: Vec<PathBuf> = std::fs::read_dir(out.join("ecs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
}

fn validate(python: &Path, files: &[PathBuf]) -> std::process::Output {
    Command::new(python)
        .arg(common::root().join("tests/ecs/validate.py"))
        .args(files)
        .output()
        .unwrap()
}

#[test]
fn every_ecs_file_passes_botocore_validation() {
    let python = common::root().join(".venv-aws/bin/python");
    if !python.exists() {
        return common::skip_or_fail("botocore is not installed; run scripts/install-tools");
    }
    let examples = ecs_examples();
    assert!(examples.len() >= 3, "at least three examples configure ECS");
    let scratch = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for spec in &examples {
        for env in common::ecs_deployments(spec) {
            let label = format!(
                "{}-{}",
                spec.parent()
                    .unwrap()
                    .file_name()
                    .unwrap()
                    .to_string_lossy(),
                env.as_deref().unwrap_or("base")
            );
            let out = scratch.path().join(label);
            let built = build_ecs(spec, env.as_deref(), &out);
            assert!(
                built
                    .iter()
                    .any(|f| f.to_string_lossy().ends_with(".taskdef.json"))
            );
            files.extend(built);
        }
    }
    let out = validate(&python, &files);
    assert!(out.status.success(), "{}", common::text(&out.stdout));
    let summary = common::text(&out.stdout);
    assert!(summary.contains(", 0 problems"), "{summary}");

    // The validator must be able to fail: a broken task definition is rejected.
    let taskdef = files
        .iter()
        .find(|f| f.to_string_lossy().ends_with(".taskdef.json"))
        .unwrap();
    let mut doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(taskdef).unwrap()).unwrap();
    doc["networkMode"] = "bridged".into();
    doc["cpu"] = "300".into();
    doc["containerDefinitions"][0]["portMappings"] = serde_json::json!([{ "containerPort": "80" }]);
    doc["family"] = "shop.api".into();
    let broken = scratch.path().join("broken.taskdef.json");
    std::fs::write(&broken, doc.to_string()).unwrap();
    let out = validate(&python, &[broken]);
    let report = common::text(&out.stdout);
    assert!(
        !out.status.success()
            && report.contains("bridged")
            && report.contains("Fargate")
            && report.contains("containerPort")
            && report.contains("family name rules"),
        "{report}"
    );
}

/// `{{stackc:security-group:X}}` -> `X`.
fn owner(group_id: &str) -> String {
    group_id
        .trim_start_matches("{{stackc:security-group:")
        .trim_end_matches("}}")
        .to_owned()
}

#[test]
fn security_groups_allow_exactly_the_graph_edges() {
    for spec in ecs_examples() {
        let scratch = tempfile::tempdir().unwrap();
        // The first deployment ECS runs (flead's is its cluster environment).
        let env = common::ecs_deployments(&spec).remove(0);
        build_ecs(&spec, env.as_deref(), scratch.path());
        let groups: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(scratch.path().join("ecs/security-groups.json")).unwrap(),
        )
        .unwrap();

        // What the rules allow: (from, to, port).
        let mut allowed = BTreeSet::new();
        for g in groups["groups"].as_array().unwrap() {
            let to = g["owner"].as_str().unwrap().to_owned();
            for p in g["ingress"]["IpPermissions"]
                .as_array()
                .into_iter()
                .flatten()
            {
                let port = p["FromPort"].as_u64().unwrap();
                assert_eq!(p["FromPort"], p["ToPort"], "single ports only");
                for pair in p["UserIdGroupPairs"].as_array().into_iter().flatten() {
                    allowed.insert((owner(pair["GroupId"].as_str().unwrap()), to.clone(), port));
                }
                for range in p["IpRanges"].as_array().into_iter().flatten() {
                    allowed.insert((
                        range["CidrIp"].as_str().unwrap().to_owned(),
                        to.clone(),
                        port,
                    ));
                }
            }
        }

        // What the graph says, computed independently from `stackc graph` and the model.
        let mut args = vec!["graph", spec.to_str().unwrap(), "--format", "json"];
        if let Some(env) = &env {
            args.extend(["--env", env]);
        }
        let graph = common::stackc(&args);
        let graph: serde_json::Value = serde_json::from_slice(&graph.stdout).unwrap();
        let source = stackc::source::SourceFile::read(&spec).unwrap();
        let model = stackc::compile::compile(&source, env.as_deref())
            .unwrap()
            .compiled
            .unwrap()
            .model;
        let ports = |name: &str| -> Vec<u64> {
            if let Some(s) = model.services.values().find(|s| s.name.as_str() == name) {
                return s
                    .port
                    .iter()
                    .map(|p| u64::from(p.get()))
                    .chain(s.ports.iter().map(|p| u64::from(p.port.get())))
                    .collect();
            }
            model
                .resources
                .values()
                .find(|r| r.name.as_str() == name && r.external.is_none())
                .and_then(|r| r.kind.port())
                .map(|p| vec![u64::from(p)])
                .unwrap_or_default()
        };
        let mut expected = BTreeSet::new();
        for e in graph["edges"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["kind"] == "depends_on")
        {
            for port in ports(e["to"].as_str().unwrap()) {
                expected.insert((
                    e["from"].as_str().unwrap().to_owned(),
                    e["to"].as_str().unwrap().to_owned(),
                    port,
                ));
            }
        }
        if let Some(gateway) = &model.gateway {
            expected.insert((
                "0.0.0.0/0".to_owned(),
                "alb".to_owned(),
                u64::from(gateway.port.get()),
            ));
            // With TLS, clients reach the HTTPS listener too.
            if let Some(tls) = &gateway.tls {
                expected.insert((
                    "0.0.0.0/0".to_owned(),
                    "alb".to_owned(),
                    u64::from(tls.port.get()),
                ));
            }
            for route in &model.routes {
                let main = model.services[&route.service].port.unwrap().get();
                expected.insert(("alb".to_owned(), route.service.to_string(), u64::from(main)));
            }
        }
        // EFS: whatever mounts a volume, and every resource the stack runs (its data), on NFS.
        let mut efs_users: BTreeSet<String> = graph["edges"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["kind"] == "mount")
            .map(|e| e["from"].as_str().unwrap().to_owned())
            .collect();
        efs_users.extend(
            model
                .resources
                .values()
                .filter(|r| r.external.is_none() && r.kind.port().is_some())
                .map(|r| r.name.to_string()),
        );
        for user in efs_users {
            expected.insert((user, "stackc-efs".to_owned(), 2049));
        }
        assert_eq!(allowed, expected, "{}", spec.display());
    }
}
