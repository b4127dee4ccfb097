//! `stackc import` over the corpus in tests/import/: Compose projects shaped like the sample
//! apps and self-hosting guides people use. For each: import exits 0 and its spec checks in every
//! environment, builds every target, leaks no credential (the corpus marks each with `MARKER`),
//! matches its snapshot (spec and warnings), and keeps, service by service, the semantics of the
//! original through Compose (`roundtrip.py`, `docker compose config` on both sides).

mod common;

use std::fmt::Write as _;
use std::path::Path;
use std::process::{Command, Output};

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_stackc"))
        .args(args)
        .current_dir(dir)
        .env_remove("TAG")
        .env_remove("REGION")
        .output()
        .unwrap()
}

fn corpus() -> Vec<std::path::PathBuf> {
    let mut dirs: Vec<_> = std::fs::read_dir(common::root().join("tests/import"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

/// What the snapshot holds: the spec, then the warnings and secrets (no absolute paths).
fn snapshot(spec: &str, report: &serde_json::Value) -> String {
    let mut out = String::from(spec);
    out.push_str("\n=== warnings ===\n");
    for w in report["warnings"].as_array().unwrap() {
        let _ = writeln!(
            out,
            "{}:{}:{} {}: {}",
            w["file"].as_str().unwrap().trim_start_matches("./"),
            w["line"],
            w["column"],
            w["key"].as_str().unwrap(),
            w["message"].as_str().unwrap()
        );
    }
    out.push_str("=== secrets ===\n");
    for s in report["secrets"].as_array().unwrap() {
        let _ = writeln!(
            out,
            "{} <- {} of {}",
            s["secret"].as_str().unwrap(),
            s["variable"].as_str().unwrap(),
            s["service"].as_str().unwrap()
        );
    }
    out
}

#[test]
fn every_corpus_project_imports_checks_builds_and_round_trips() {
    let dirs = corpus();
    assert!(dirs.len() >= 30, "the corpus has {} projects", dirs.len());
    let compose = common::compose_v5();
    if compose.is_none() {
        common::skip_or_fail("Compose v5 is not installed: the round trip is not checked");
    }
    let python = common::root().join(".venv/bin/python");
    let mut failures = Vec::new();
    for original in &dirs {
        let name = original.file_name().unwrap().to_string_lossy().into_owned();
        let scratch = tempfile::tempdir().unwrap();
        let dir = scratch.path().join(&name);
        common::copy_dir(original, &dir);
        let extra = std::fs::read_to_string(dir.join("import.args")).unwrap_or_default();
        let files: Vec<&str> = extra.split_whitespace().collect();
        let mut args = vec!["import"];
        args.extend(&files);
        args.extend(["-o", "stack.toml", "--format", "json"]);
        let out = run(&dir, &args);
        let stdout = common::text(&out.stdout);
        if out.status.code() != Some(0) {
            failures.push(format!(
                "{name}: import exit {:?}\n{stdout}{}",
                out.status.code(),
                common::text(&out.stderr)
            ));
            continue;
        }
        let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
        let spec = std::fs::read_to_string(dir.join("stack.toml")).unwrap();
        for (what, text) in [
            ("spec", &spec),
            ("report", &stdout),
            ("stderr", &common::text(&out.stderr)),
        ] {
            if text.contains("MARKER") {
                failures.push(format!("{name}: a credential reached the {what}"));
            }
        }
        insta::with_settings!({ snapshot_path => common::root().join("snapshots/import"), prepend_module_to_snapshot => false, omit_expression => true }, {
            insta::assert_snapshot!(name.clone(), snapshot(&spec, &report));
        });
        let check = run(&dir, &["check", "stack.toml"]);
        if !check.status.success() {
            failures.push(format!(
                "{name}: check failed\n{}",
                common::text(&check.stderr)
            ));
            continue;
        }
        let build = run(&dir, &["build", "stack.toml", "-o", "dist"]);
        if !build.status.success() {
            failures.push(format!(
                "{name}: build failed\n{}",
                common::text(&build.stderr)
            ));
            continue;
        }
        for env in common::environments(&dir.join("stack.toml")) {
            let out = run(
                &dir,
                &[
                    "build",
                    "stack.toml",
                    "--env",
                    &env,
                    "-o",
                    &format!("dist-{env}"),
                ],
            );
            if !out.status.success() {
                failures.push(format!(
                    "{name}: build --env {env} failed\n{}",
                    common::text(&out.stderr)
                ));
            }
        }
        // ECS, once the spec has `[targets.ecs]`: it builds, or refuses only what ECS cannot
        // mount (a single file: ECS mounts folders), with that help.
        let ecs_spec = format!(
            "{spec}\n[targets.ecs]\nregion = \"eu-west-1\"\nregistry = \"123456789012.dkr.ecr.eu-west-1.amazonaws.com\"\n"
        );
        std::fs::write(dir.join("ecs.toml"), ecs_spec).unwrap();
        let ecs = run(
            &dir,
            &["build", "ecs.toml", "--target", "ecs", "-o", "dist-ecs"],
        );
        let said = common::text(&ecs.stderr);
        let only_single_files = said
            .lines()
            .filter(|l| l.contains('×'))
            .all(|l| l.contains("single file"));
        let refused_single_files = said.contains("unsupported-mount") && only_single_files;
        if !(ecs.status.success() || refused_single_files) {
            failures.push(format!("{name}: ECS build failed\n{said}"));
        }
        let Some(compose) = &compose else { continue };
        std::fs::write(dir.join("names.json"), report["names"].to_string()).unwrap();
        let rt = Command::new(&python)
            .arg(common::root().join("tests/import/roundtrip.py"))
            .arg(compose)
            .arg(&dir)
            .arg(dir.join("dist/compose/compose.yaml"))
            .arg(dir.join("names.json"))
            .args(&files)
            .output()
            .unwrap();
        if !rt.status.success() {
            failures.push(format!(
                "{name}: round trip\n{}{}",
                common::text(&rt.stdout),
                common::text(&rt.stderr)
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// A project Compose itself refuses is refused with Compose's reason and position; nothing is
/// written, and an existing spec is never replaced without --force.
#[test]
fn broken_projects_are_refused_and_nothing_is_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("compose.yaml"),
        "services:\n  app:\n    image: \"x:${TAG:?set TAG}\"\n",
    )
    .unwrap();
    let out = run(d, &["import"]);
    let err = common::text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("compose.yaml:3:12") && err.contains("set TAG"),
        "{err}"
    );
    assert!(!d.join("stack.toml").exists());
    std::fs::write(d.join("compose.yaml"), "services:\n  app: [\n").unwrap();
    let out = run(d, &["import"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(common::text(&out.stderr).contains("compose.yaml"));
    std::fs::write(
        d.join("compose.yaml"),
        "services:\n  app:\n    image: nginx:1.27\n",
    )
    .unwrap();
    std::fs::write(d.join("stack.toml"), "# mine\n").unwrap();
    let out = run(d, &["import"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(common::text(&out.stderr).contains("--force"));
    assert_eq!(
        std::fs::read_to_string(d.join("stack.toml")).unwrap(),
        "# mine\n"
    );
    let out = run(d, &["import", "--force"]);
    assert_eq!(out.status.code(), Some(0), "{}", common::text(&out.stderr));
    let out = run(d, &["import", "--project-directory", "nowhere", "-o", "-"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        common::text(&out.stderr).contains("no compose file in nowhere"),
        "{}",
        common::text(&out.stderr)
    );
}

/// Credentials wherever Compose files carry them — interpolated into a command or a health check,
/// flags on a command line, tokens in URL queries, multi-line keys in .env, commented-out blocks,
/// names the credential heuristics must know — reach no output of the import.
#[test]
fn credentials_reach_no_output_wherever_they_are_written() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join(".env"),
        "REDIS_PASSWORD=LEAKredis1\nJWT_PRIVATE_KEY=\"-----BEGIN PRIVATE KEY-----\nMIIBLEAKpem\n-----END PRIVATE KEY-----\"\nANON_KEY=LEAKanon123\n",
    )
    .unwrap();
    std::fs::write(
        d.join("compose.yaml"),
        r#"services:
  cache:
    image: eqalpha/keydb:x86_64_v6.3.4
    command: keydb-server --requirepass ${REDIS_PASSWORD}
    healthcheck:
      test: ["CMD", "keydb-cli", "-a", "${REDIS_PASSWORD}", "ping"]
  worker:
    image: ghcr.io/acme/worker:1
    command: ["worker", "--broker", "amqp://guest:LEAKamqp@mq.example.com//", "--api-token=LEAKflag"]
    environment:
      JWT_PRIVATE_KEY: ${JWT_PRIVATE_KEY}
      HOOK_URL: https://hooks.example.com/x?apikey=LEAKquery
      APP_KEYS: LEAKkeys1,LEAKkeys2
      HASH_SALT: LEAKsalt
      BASIC_AUTH: admin:LEAKbasic
      AUTH_HEADER: Bearer LEAKbearer
      CACHE_URL: redis://cache:6379/0?password=LEAKq
  # pgadmin:
  #   environment:
  #     PGADMIN_DEFAULT_PASSWORD: LEAKpgadmin
  realtime:
    image: ghcr.io/acme/realtime:2
    ports: ["4000:4000"]
    healthcheck:
      test: ["CMD", "curl", "-sSfL", "-H", "Authorization: Bearer ${ANON_KEY}", "http://localhost:4000/api/health"]
"#,
    )
    .unwrap();
    for args in [
        vec!["import", "-o", "stack.toml", "--format", "json"],
        vec!["import", "-o", "-", "--format", "json"],
        vec!["import", "-o", "other.toml"],
    ] {
        let out = run(d, &args);
        let mut all = common::text(&out.stdout) + &common::text(&out.stderr);
        for file in ["stack.toml", "other.toml"] {
            all.push_str(&std::fs::read_to_string(d.join(file)).unwrap_or_default());
        }
        assert!(
            !all.contains("LEAK"),
            "{args:?}: a credential reached an output:\n{all}"
        );
        assert_eq!(out.status.code(), Some(0), "{args:?}: {all}");
    }
    let check = run(d, &["check", "stack.toml"]);
    assert!(check.status.success(), "{}", common::text(&check.stderr));
    let build = run(d, &["build", "stack.toml", "-o", "dist"]);
    assert!(build.status.success(), "{}", common::text(&build.stderr));
    let mut artifacts = String::new();
    for entry in walk(&d.join("dist")) {
        artifacts.push_str(&std::fs::read_to_string(entry).unwrap_or_default());
    }
    assert!(
        !artifacts.contains("LEAK"),
        "a credential reached the artifacts"
    );
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}
