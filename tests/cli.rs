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

    // Drift of every kind is reported, and nothing is written.
    let compose = dir.path().join("compose/compose.yaml");
    let edited = std::fs::read_to_string(&compose)
        .unwrap()
        .replace("replicas: 2", "replicas: 5");
    std::fs::write(&compose, &edited).unwrap();
    std::fs::remove_file(dir.path().join("kubernetes/jobs.yaml")).unwrap();
    std::fs::write(dir.path().join("ecs/leftover.json"), "{}").unwrap();
    let drift = stackc(&[
        "build",
        "examples/shop/stack.toml",
        "-o",
        out_dir,
        "--check",
    ]);
    assert_eq!(drift.status.code(), Some(1));
    let report = text(&drift.stdout);
    assert!(
        report.contains("-      replicas: 5") && report.contains("+      replicas: 2"),
        "{report}"
    );
    assert!(report.contains("missing: kubernetes/jobs.yaml"), "{report}");
    assert!(
        report.contains("refused (build would write nothing): compose/compose.yaml"),
        "a hand edit is shown as such: {report}"
    );
    assert!(
        !report.contains("ecs/leftover.json"),
        "a file stackc did not write is not stackc's to remove: {report}"
    );
    assert_eq!(
        std::fs::read_to_string(&compose).unwrap(),
        edited,
        "--check wrote nothing"
    );

    // A build refuses to overwrite the hand edit, and writes nothing; --force repairs it.
    let refused = stackc(&["build", "examples/shop/stack.toml", "-o", out_dir]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        text(&refused.stderr).contains("compose/compose.yaml was changed by hand"),
        "{}",
        text(&refused.stderr)
    );
    assert!(!dir.path().join("kubernetes/jobs.yaml").exists());
    let forced = stackc(&[
        "build",
        "examples/shop/stack.toml",
        "-o",
        out_dir,
        "--force",
    ]);
    assert_eq!(forced.status.code(), Some(0), "{}", text(&forced.stderr));
    assert!(
        text(&forced.stderr).contains("note: left alone ecs/leftover.json (not written by stackc)"),
        "{}",
        text(&forced.stderr)
    );
    let again = stackc(&[
        "build",
        "examples/shop/stack.toml",
        "-o",
        out_dir,
        "--check",
    ]);
    assert_eq!(again.status.code(), Some(0));
    assert!(dir.path().join("ecs/leftover.json").exists());
}

#[test]
fn build_is_deterministic_across_runs() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    for d in [&a, &b] {
        // The cluster environment: every target builds (the base mounts host folders, which only
        // Compose can).
        let out = stackc(&[
            "build",
            "examples/flead/stack.toml",
            "--env",
            "cluster",
            "-o",
            d.path().to_str().unwrap(),
        ]);
        assert!(out.status.success());
    }
    let files = |d: &std::path::Path| -> Vec<(String, Vec<u8>)> {
        let mut out = Vec::new();
        let mut stack = vec![d.to_path_buf()];
        while let Some(p) = stack.pop() {
            for e in std::fs::read_dir(&p).unwrap() {
                let path = e.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                } else {
                    let rel = path.strip_prefix(d).unwrap().display().to_string();
                    out.push((rel, std::fs::read(&path).unwrap()));
                }
            }
        }
        out.sort();
        out
    };
    let (first, second) = (files(a.path()), files(b.path()));
    assert!(first.len() > 10);
    assert_eq!(first, second, "byte-identical artifacts");
}

#[test]
fn naming_an_unconfigured_target_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    // Every example configures ECS now: a spec of its own without `[targets.ecs]`.
    let spec = dir.path().join("stack.toml");
    std::fs::write(
        &spec,
        "[stack]\nname = \"plain\"\n\n[services.web]\nimage = \"nginx:1.27-alpine\"\nport = 8080\n",
    )
    .unwrap();
    let spec = spec.to_str().unwrap();
    let out = dir.path().join("out");
    let out_dir = out.to_str().unwrap();
    let out = stackc(&["build", spec, "--target", "ecs", "-o", out_dir]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("no [targets.ecs]"),
        "{}",
        text(&out.stderr)
    );
    let all = stackc(&["build", spec, "-o", out_dir]);
    assert!(all.status.success() && text(&all.stderr).contains("note: ecs: skipped"));
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

#[test]
fn deploy_commands_need_an_ecs_spec_before_any_aws_call() {
    for command in ["plan", "apply", "destroy"] {
        // No [targets.ecs]: said plainly, no credentials needed.
        let out = common::stackc(&[command, "examples/minimal/stack.toml"]);
        assert_eq!(out.status.code(), Some(1), "{command}");
        assert!(
            common::text(&out.stderr).contains("no [targets.ecs]"),
            "{command}: {}",
            common::text(&out.stderr)
        );
        // An invalid spec: its diagnostics, as for check.
        let out = common::stackc(&[command, "tests/invalid/unknown-field-service.toml"]);
        assert_eq!(out.status.code(), Some(1), "{command}");
        assert!(
            common::text(&out.stderr).contains("stackc::unknown-field"),
            "{command}: {}",
            common::text(&out.stderr)
        );
    }
}

#[test]
fn a_missing_build_context_is_a_warning_with_its_span() {
    // The sources may be elsewhere (a deploy checkout, the contract specs): the spec stays valid.
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("stack.toml");
    std::fs::create_dir(dir.path().join("api")).unwrap();
    std::fs::write(
        &spec,
        "[stack]\nname = \"w\"\n\n[services.web]\nbuild = { context = \"apii\", runtime = \"python\" }\n",
    )
    .unwrap();
    let out = stackc(&["check", spec.to_str().unwrap(), "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let d = &report["diagnostics"][0];
    assert_eq!(d["code"], "stackc::missing-build-context");
    assert_eq!(
        (d["line"].as_u64(), d["column"].as_u64()),
        (Some(5), Some(21))
    );
    let human = text(&stackc(&["check", spec.to_str().unwrap()]).stderr);
    assert!(human.contains("did you mean `api`?"), "{human}");
}

/// Host paths are Compose only: a cluster target named on its own refuses the spec, pointing at the
/// mount; under `all` it is skipped with the same words as warnings; `plan` refuses before any call.
#[test]
fn cluster_targets_refuse_host_paths() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().to_str().unwrap();
    let named = stackc(&[
        "build",
        "examples/flead/stack.toml",
        "--target",
        "kubernetes",
        "-o",
        out_dir,
    ]);
    let err = text(&named.stderr);
    assert_eq!(named.status.code(), Some(1), "{err}");
    assert!(
        err.contains("stackc::unsupported-mount")
            && err.contains("mounts the host path `./models` at `/app/models`")
            && err.contains("stack.toml:"),
        "{err}"
    );
    assert!(!dir.path().join("kubernetes").exists());
    let all = stackc(&["build", "examples/flead/stack.toml", "-o", out_dir]);
    let err = text(&all.stderr);
    assert!(all.status.success(), "{err}");
    assert!(
        err.contains("note: kubernetes: skipped") && err.contains("⚠"),
        "{err}"
    );
    // The cluster environment puts the data on volumes: every target builds.
    let cluster = stackc(&[
        "build",
        "examples/flead/stack.toml",
        "--env",
        "cluster",
        "-o",
        out_dir,
    ]);
    assert!(cluster.status.success(), "{}", text(&cluster.stderr));
    assert!(dir.path().join("kubernetes/kustomization.yaml").exists());

    // ECS: `plan` stops at the spec, before it looks for credentials or an endpoint.
    let spec = dir.path().join("ecs/stack.toml");
    std::fs::create_dir_all(dir.path().join("ecs/src")).unwrap();
    std::fs::write(
        &spec,
        "[stack]\nname = \"h\"\n\n[services.api]\nimage = \"nginx:1.27\"\nvolumes = { \"/src\" = \"./src\" }\n\n[targets.ecs]\nregion = \"us-east-1\"\n",
    )
    .unwrap();
    let plan = stackc(&[
        "plan",
        spec.to_str().unwrap(),
        "--endpoint-url",
        "http://127.0.0.1:9",
    ]);
    let err = text(&plan.stderr);
    assert_eq!(plan.status.code(), Some(1), "{err}");
    assert!(
        err.contains("ECS has no host folder") && !err.contains("ecs:"),
        "{err}"
    );
}

/// A config is copied into the artifacts: one whose folder holds the output folder (and so the
/// Compose secrets written there) is refused before anything is written.
#[test]
fn a_config_holding_the_output_folder_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("stack.toml");
    std::fs::write(
        &spec,
        "[stack]\nname = \"c\"\n\n[services.api]\nimage = \"nginx:1.27\"\nvolumes = { \"/etc/app\" = { config = \".\" } }\n",
    )
    .unwrap();
    let out = dir.path().join("dist");
    let run = stackc(&["build", spec.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    let err = text(&run.stderr);
    assert_eq!(run.status.code(), Some(1), "{err}");
    assert!(err.contains("holds the output folder"), "{err}");
    assert!(!out.exists());
}

/// An overlay replaces a mount whole, also when it writes the path another way (`/data/`).
#[test]
fn an_overlay_replaces_a_mount_whole() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("data")).unwrap();
    let spec = dir.path().join("stack.toml");
    std::fs::write(
        &spec,
        r#"[stack]
name = "o"

[services.api]
image = "nginx:1.27"
volumes = { "/data" = { volume = "uploads", read_only = true } }

[resources.uploads]
type = "volume"

[environments.dev]
services.api.volumes."/data/" = { host = "./data" }
"#,
    )
    .unwrap();
    let check = stackc(&["check", spec.to_str().unwrap()]);
    let err = text(&check.stderr);
    assert!(
        check.status.success() && !err.contains("unused-volume"),
        "{err}"
    );
    let out = dir.path().join("dist");
    let run = stackc(&[
        "build",
        spec.to_str().unwrap(),
        "--env",
        "dev",
        "--target",
        "compose",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    let compose = std::fs::read_to_string(out.join("compose/compose.yaml")).unwrap();
    assert!(
        compose.contains("type: bind") && !compose.contains("uploads:/data"),
        "{compose}"
    );
}

/// A pod's volumes have unique names, whatever the spec names its volumes (`tmp` is a fine name for a
/// volume resource; stackc's own pod volumes carry its reserved prefix).
#[test]
fn pod_volume_names_never_collide() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("conf")).unwrap();
    std::fs::write(dir.path().join("conf/a.conf"), "a = 1\n").unwrap();
    let spec = dir.path().join("stack.toml");
    std::fs::write(
        &spec,
        r#"[stack]
name = "v"

[services.api]
image = "nginx:1.27"
port = 8080
volumes = { "/scratch" = "tmp", "/etc/a" = { config = "./conf" }, "/etc/b" = { config = "./conf" } }

[resources.tmp]
type = "volume"

[services.a-service-name-that-takes-every-one-of-the-sixty-three-chars]
image = "nginx:1.27"
volumes = { "/etc/a" = { config = "./conf" } }
"#,
    )
    .unwrap();
    let out = dir.path().join("dist");
    let run = common::build_target(&spec, "kubernetes", None, &out);
    assert!(run.status.success(), "{}", text(&run.stderr));
    let yaml = std::fs::read_to_string(out.join("kubernetes/deployments.yaml")).unwrap();
    let deployment: yaml_serde::Value = yaml
        .split("\n---\n")
        .map(|doc| yaml_serde::from_str::<yaml_serde::Value>(doc).unwrap())
        .find(|d| d["metadata"]["name"].as_str() == Some("api"))
        .unwrap();
    let names: Vec<&str> = deployment["spec"]["template"]["spec"]["volumes"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|v| v["name"].as_str().unwrap())
        .collect();
    let unique: std::collections::BTreeSet<&str> = names.iter().copied().collect();
    assert_eq!(unique.len(), names.len(), "{names:?}");
    assert_eq!(names.len(), 4, "{names:?}");
    // Label values hold 63 characters, also on objects named after a long workload name.
    for file in std::fs::read_dir(out.join("kubernetes")).unwrap() {
        let text = std::fs::read_to_string(file.unwrap().path()).unwrap();
        for line in text.lines() {
            if let Some(value) = line.trim().strip_prefix("app.kubernetes.io/name: ") {
                assert!(value.len() <= 63, "{line}");
            }
        }
    }
}

/// A service on port 80 runs as a non-root uid with no capabilities: every target lowers the
/// namespaced `net.ipv4.ip_unprivileged_port_start` to its lowest port (a cluster node keeps 1024),
/// and a service on a high port gets nothing.
#[test]
fn low_ports_get_the_unprivileged_port_sysctl_on_every_target() {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("stack.toml");
    std::fs::write(
        &spec,
        "[stack]\nname = \"low\"\n\n[services.web]\nimage = \"nginx:1.27-alpine\"\nport = 80\nports = [{ name = \"tls\", port = 443 }]\n\n[services.api]\nimage = \"nginx:1.27-alpine\"\nport = 8080\n\n[targets.ecs]\nregion = \"eu-west-1\"\nexecution_role = \"arn:aws:iam::123456789012:role/x\"\n",
    )
    .unwrap();
    let out = dir.path().join("out");
    let built = common::stackc(&["build", spec.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    assert!(built.status.success(), "{}", common::text(&built.stderr));
    let read = |file: &str| std::fs::read_to_string(out.join(file)).unwrap();
    let compose: yaml_serde::Value = yaml_serde::from_str(&read("compose/compose.yaml")).unwrap();
    assert_eq!(
        compose["services"]["web"]["sysctls"]["net.ipv4.ip_unprivileged_port_start"].as_str(),
        Some("80")
    );
    assert!(compose["services"]["api"].get("sysctls").is_none());
    let deployments = read("kubernetes/deployments.yaml");
    assert_eq!(
        deployments
            .matches("- name: net.ipv4.ip_unprivileged_port_start\n          value: '80'")
            .count(),
        1,
        "{deployments}"
    );
    let web: serde_json::Value = serde_json::from_str(&read("ecs/web.taskdef.json")).unwrap();
    assert_eq!(
        web["containerDefinitions"][0]["systemControls"],
        serde_json::json!([{ "namespace": "net.ipv4.ip_unprivileged_port_start", "value": "80" }])
    );
    let api: serde_json::Value = serde_json::from_str(&read("ecs/api.taskdef.json")).unwrap();
    assert!(
        api["containerDefinitions"][0]
            .get("systemControls")
            .is_none()
    );
}

/// Each target refuses a gateway with TLS it cannot serve, naming what to add, and builds the one
/// it can: never a plain-HTTP entry point for a spec that asks for HTTPS.
#[test]
fn each_target_refuses_tls_it_cannot_serve() {
    let dir = tempfile::tempdir().unwrap();
    let arn = "arn:aws:acm:eu-west-1:123456789012:certificate/0d1e2f3a-4b5c-6d7e-8f90-a1b2c3d4e5f6";
    let spec = |tls: &str| {
        let path = dir.path().join("stack.toml");
        std::fs::write(
            &path,
            format!(
                "[stack]\nname = \"shop\"\n\n[services.web]\nimage = \"nginx:1.27\"\nport = 8080\n\n[routes]\n\"/\" = \"web\"\n\n\
                 [gateway]\nhost = \"shop.example.com\"\n\n[gateway.tls]\n{tls}\n\n\
                 [targets.ecs]\nregion = \"eu-west-1\"\ncluster = \"shop\"\n"
            ),
        )
        .unwrap();
        path.to_string_lossy().into_owned()
    };
    let build = |spec: &str, target: &str| build_target_into(dir.path(), spec, target);
    let refused = |tls: &str, target: &str, message: &str| {
        let out = build(&spec(tls), target);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{tls} on {target}: {err}");
        assert!(err.contains(message), "{tls} on {target}: {err}");
        assert!(err.contains("invalid-tls"), "{err}");
    };
    refused(
        "self_signed = true",
        "ecs",
        "no certificate source ECS can use",
    );
    refused(
        "self_signed = true",
        "kubernetes",
        "no certificate source Kubernetes can use",
    );
    refused(
        &format!("certificate_arn = \"{arn}\""),
        "compose",
        "no certificate source Compose can use",
    );
    refused(
        &format!(
            "certificate_arn = \"{}\"",
            arn.replace("eu-west-1", "us-east-1")
        ),
        "ecs",
        "the ACM certificate is in us-east-1, the ECS deployment in eu-west-1",
    );
    refused(
        &format!("certificate_arn = \"{arn}\"\nredirect = false"),
        "ecs",
        "`redirect = false` is not supported there",
    );
    let ok = spec(&format!(
        "certificate_arn = \"{arn}\"\nself_signed = true\nsecret = \"shop-cert\""
    ));
    for target in ["compose", "kubernetes", "ecs"] {
        let out = build(&ok, target);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{target}: {}",
            text(&out.stderr)
        );
    }
}

/// Host names each target can route: an address is no host anywhere; the load balancer needs a
/// dotted name with a letters-only last label; an `HTTPRoute` takes 16 names.
#[test]
fn hosts_a_target_cannot_route_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let spec = |hosts: &str, k8s: &str| {
        let path = dir.path().join("stack.toml");
        std::fs::write(
            &path,
            format!(
                "[stack]\nname = \"shop\"\n\n[services.web]\nimage = \"nginx:1.27\"\nport = 8080\n\n[routes]\n\"/\" = \"web\"\n\n\
                 [gateway]\nhost = {hosts}\n\n[targets.kubernetes]\n{k8s}\n\n[targets.ecs]\nregion = \"eu-west-1\"\ncluster = \"shop\"\n"
            ),
        )
        .unwrap();
        path.to_string_lossy().into_owned()
    };
    let out = stackc(&["check", &spec("[\"shop.example.com\", \"10.0.0.1\"]", "")]);
    assert!(
        text(&out.stderr).contains("`10.0.0.1` is an IP address"),
        "{}",
        text(&out.stderr)
    );
    let build = |spec: &str, target: &str| build_target_into(dir.path(), spec, target);
    let single = spec("[\"intranet\", \"shop.xn--p1ai\"]", "");
    let out = build(&single, "ecs");
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("cannot route the host `intranet`") && err.contains("`shop.xn--p1ai`"),
        "{err}"
    );
    assert_eq!(build(&single, "kubernetes").status.code(), Some(0));
    let many: Vec<String> = (0..17).map(|i| format!("\"h{i}.example.com\"")).collect();
    let wide = spec(&format!("[{}]", many.join(", ")), "gateway = \"edge\"");
    let out = build(&wide, "kubernetes");
    assert!(
        text(&out.stderr).contains("at most 16 hostnames"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(
        build(&wide, "ecs").status.code(),
        Some(0),
        "17 hosts: six rules a route"
    );
}

/// `stackc build SPEC --target TARGET -o DIR/out-TARGET`.
fn build_target_into(dir: &std::path::Path, spec: &str, target: &str) -> std::process::Output {
    let out = dir.join(format!("out-{target}"));
    stackc(&[
        "build",
        spec,
        "--target",
        target,
        "-o",
        out.to_str().unwrap(),
    ])
}
