//! The command line as users run it: exit codes, formats, environments.

mod common;

use common::{stackc, text};

#[test]
fn every_valid_spec_checks_with_and_without_each_environment() {
    for spec in common::valid_specs() {
        let path = spec.to_str().unwrap();
        let out = stackc(&["check", path]);
        assert_eq!(out.status.code(), Some(0), "{path}: {}", text(&out.stderr));
        for env in common::environments(&spec) {
            let out = stackc(&["check", path, "--env", &env]);
            assert_eq!(
                out.status.code(),
                Some(0),
                "{path} --env {env}: {}",
                text(&out.stderr)
            );
            assert!(text(&out.stdout).contains(&format!("with --env {env}")));
        }
    }
}

#[test]
fn unknown_environment_is_a_usage_error() {
    let out = stackc(&["check", "examples/shop/stack.toml", "--env", "prdo"]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("unknown environment `prdo`") && err.contains("did you mean `prod`?"),
        "{err}"
    );
}

#[test]
fn bad_flags_are_usage_errors() {
    assert_eq!(stackc(&["check", "--formt", "json"]).status.code(), Some(2));
    assert_eq!(
        stackc(&["graph", "examples/shop/stack.toml", "--format", "png"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(stackc(&["frobnicate"]).status.code(), Some(2));
}

#[test]
fn a_missing_spec_fails_with_a_clear_message() {
    let out = stackc(&["check", "does/not/exist.toml"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("cannot read does/not/exist.toml"));
    let json = stackc(&["check", "does/not/exist.toml", "--format", "json"]);
    let report: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(report["diagnostics"][0]["code"], "stackc::io");
}

#[test]
fn check_json_of_a_valid_spec_is_an_empty_report() {
    let out = stackc(&["check", "examples/shop/stack.toml", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["errors"], 0);
    assert_eq!(report["diagnostics"], serde_json::json!([]));
}

#[test]
fn warnings_do_not_fail_the_check() {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("stack.toml");
    std::fs::write(
        &spec,
        "[stack]\nname = \"w\"\n\n[resources.files]\ntype = \"volume\"\n",
    )
    .unwrap();
    let out = stackc(&["check", spec.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stderr).contains("stackc::unused-volume"));
}

#[test]
fn errors_in_an_environment_name_it() {
    let out = stackc(&["check", "tests/invalid/external-output-missing.toml"]);
    assert!(
        text(&out.stderr).contains("(with --env prod)"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn graph_renders_in_every_format() {
    for format in ["dot", "mermaid", "json"] {
        let out = stackc(&["graph", "examples/shop/stack.toml", "--format", format]);
        assert_eq!(out.status.code(), Some(0), "{format}");
        let stdout = text(&out.stdout);
        assert!(
            stdout.contains("migrate") && stdout.contains("completed"),
            "{format}: {stdout}"
        );
    }
    let dot = text(&stackc(&["graph", "examples/shop/stack.toml"]).stdout);
    assert!(
        dot.contains("\"api\" -> \"migrate\" [label=\"completed\"];"),
        "{dot}"
    );
}

#[test]
fn graph_json_lists_a_valid_startup_order() {
    let out = stackc(&["graph", "examples/shop/stack.toml", "--format", "json"]);
    let g: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let order: Vec<&str> = g["startup_order"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let pos = |n: &str| {
        order
            .iter()
            .position(|x| *x == n)
            .unwrap_or_else(|| panic!("{n} missing from {order:?}"))
    };
    for edge in g["edges"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "depends_on")
    {
        assert!(
            pos(edge["from"].as_str().unwrap()) > pos(edge["to"].as_str().unwrap()),
            "{edge}"
        );
    }
    assert!(!order.contains(&"uploads"), "volumes are not started");
}

#[test]
fn graph_of_an_invalid_spec_fails() {
    assert_eq!(
        stackc(&["graph", "tests/invalid/dependency-cycle-two.toml"])
            .status
            .code(),
        Some(1)
    );
}

#[test]
fn schema_on_disk_is_current() {
    let out = stackc(&["schema", "--check", "schemas/stack.schema.json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let printed = stackc(&["schema"]);
    let schema: serde_json::Value = serde_json::from_slice(&printed.stdout).unwrap();
    assert_eq!(schema["additionalProperties"], false);
}

#[test]
fn completions_are_generated() {
    for shell in ["bash", "zsh", "fish"] {
        let out = stackc(&["completions", shell]);
        assert_eq!(out.status.code(), Some(0));
        assert!(text(&out.stdout).contains("stackc"));
    }
}

#[test]
fn build_then_check_is_clean_and_drift_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().to_str().unwrap();
    let built = stackc(&["build", "examples/shop/stack.toml", "-o", out_dir]);
    assert_eq!(built.status.code(), Some(0), "{}", text(&built.stderr));
    let checked = stackc(&[
        "build",
        "examples/shop/stack.toml",
        "-o",
        out_dir,
        "--check",
    ]);
    assert_eq!(checked.status.code(), Some(0), "{}", text(&checked.stderr));
}

#[test]
fn build_of_an_invalid_spec_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = stackc(&[
        "build",
        "tests/invalid/self-dependency.toml",
        "-o",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}
