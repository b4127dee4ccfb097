//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs the built `stackc` binary from the repository root.
pub fn stackc(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_stackc"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("stackc runs")
}

/// Every spec that must compile: the examples and the contract files beside the repository.
pub fn valid_specs() -> Vec<PathBuf> {
    let mut specs: Vec<PathBuf> = std::fs::read_dir(root().join("examples"))
        .unwrap()
        .map(|e| e.unwrap().path().join("stack.toml"))
        .filter(|p| p.exists())
        .collect();
    match contract_dir() {
        Some(dir) => specs.extend(
            std::fs::read_dir(dir)
                .unwrap()
                .map(|e| e.unwrap().path())
                .filter(|p| p.extension().is_some_and(|x| x == "toml")),
        ),
        None => skip_or_fail("../shared/spec is not beside the repository"),
    }
    specs.sort();
    specs
}

pub fn contract_dir() -> Option<PathBuf> {
    let dir = root().join("../shared/spec");
    dir.is_dir().then_some(dir)
}

/// The environments a spec defines.
pub fn environments(spec: &Path) -> Vec<String> {
    let doc: toml::Table = std::fs::read_to_string(spec).unwrap().parse().unwrap();
    doc.get("environments")
        .and_then(|e| e.as_table())
        .map(|t| t.keys().cloned().collect())
        .unwrap_or_default()
}

/// Locally a missing tool or input skips with a printed reason; under `CI=true` it fails the run.
pub fn skip_or_fail(reason: &str) {
    assert!(
        !std::env::var("CI").is_ok_and(|v| v == "true"),
        "required for CI: {reason}"
    );
    eprintln!("SKIPPED: {reason}");
}

/// A tool from the project venv (`scripts/install-tools`) or PATH.
pub fn tool(name: &str) -> Option<PathBuf> {
    let local = root().join(".venv/bin").join(name);
    if local.exists() {
        return Some(local);
    }
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join(name))
            .find(|p| p.exists())
    })
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The name of the folder a spec is in (an example's name).
pub fn folder_name(spec: &Path) -> String {
    spec.parent()
        .and_then(Path::file_name)
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Compose v5, the Go binary users run as `docker compose` (`.venv-compose`, from
/// `scripts/install-tools`: its own venv, so it does not shadow docker-compose 1.29).
pub fn compose_v5() -> Option<PathBuf> {
    let binary = root().join(".venv-compose/bin/docker-compose");
    binary.exists().then_some(binary)
}
