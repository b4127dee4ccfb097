//! Helpers shared by the integration tests.
#![allow(dead_code)]

pub mod pods;
pub mod stack;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{Read, Write};
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

/// Every spec that must compile: the examples, the HTTPS end-to-end stack (TLS on every target,
/// checked by the tools on this one) and the contract files beside the repository.
pub fn valid_specs() -> Vec<PathBuf> {
    let mut specs: Vec<PathBuf> = std::fs::read_dir(root().join("examples"))
        .unwrap()
        .map(|e| e.unwrap().path().join("stack.toml"))
        .filter(|p| p.exists())
        .collect();
    specs.push(root().join("tests/e2e/tls/stack.toml"));
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

/// `stackc build SPEC --target TARGET [--env ENV] -o OUT`.
pub fn build_target(spec: &Path, target: &str, env: Option<&str>, out: &Path) -> Output {
    let mut args = vec![
        "build",
        spec.to_str().unwrap(),
        "--target",
        target,
        "-o",
        out.to_str().unwrap(),
    ];
    if let Some(env) = env {
        args.extend(["--env", env]);
    }
    stackc(&args)
}

/// The deployments of a spec (the base, `None`, and each environment) that the ECS target builds. A
/// deployment ECS cannot run may only be refused for mounting host folders (a laptop's base whose
/// cluster environment uses volumes, like `flead`); any other failure fails the test, and so does a
/// spec with no deployable environment at all.
pub fn ecs_deployments(spec: &Path) -> Vec<Option<String>> {
    let scratch = tempfile::tempdir().unwrap();
    let envs = std::iter::once(None).chain(environments(spec).into_iter().map(Some));
    let deployable: Vec<Option<String>> = envs
        .filter(|env| {
            let out = scratch.path().join(env.as_deref().unwrap_or("base"));
            let run = build_target(spec, "ecs", env.as_deref(), &out);
            let said = text(&run.stderr);
            assert!(
                run.status.success() || said.contains("stackc::unsupported-mount"),
                "{} {env:?}: {said}",
                spec.display()
            );
            run.status.success()
        })
        .collect();
    assert!(
        !deployable.is_empty(),
        "{}: ECS builds no environment",
        spec.display()
    );
    deployable
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

pub struct Response {
    pub status: u16,
    pub headers: BTreeMap<String, String>,
    pub body: String,
}

/// A plain HTTP/1.1 request to localhost; panics when nothing answers.
pub fn http(port: u16, method: &str, path: &str, headers: &[(&str, &str)]) -> Response {
    try_http(port, method, path, headers).expect("the port answers HTTP")
}

/// A plain HTTP/1.1 request to localhost, given 10 s to answer.
pub fn try_http(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
) -> std::io::Result<Response> {
    try_http_within(
        std::time::Duration::from_secs(10),
        port,
        method,
        path,
        headers,
        "",
    )
}

/// A plain HTTP/1.1 request to localhost with a body (JSON when not empty), given `patience`.
pub fn try_http_within(
    patience: std::time::Duration,
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> std::io::Result<Response> {
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(patience))?;
    let mut request =
        format!("{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n");
    for (k, v) in headers {
        let _ = write!(request, "{k}: {v}\r\n");
    }
    if !body.is_empty() {
        let _ = write!(
            request,
            "Content-Type: application/json\r\nContent-Length: {}\r\n",
            body.len()
        );
    }
    request.push_str("\r\n");
    request.push_str(body);
    stream.write_all(request.as_bytes())?;
    let mut raw = String::new();
    stream.read_to_string(&mut raw)?;
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    Ok(Response {
        status,
        headers,
        body: body.to_owned(),
    })
}

/// Copies a folder with everything below it.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let dest = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &dest);
        } else {
            std::fs::copy(entry.path(), dest).unwrap();
        }
    }
}

/// The stand-in base images the end-to-end tests run (`tests/e2e/images.sh`: no registry here).
pub fn e2e_images() {
    let images = Command::new("bash")
        .arg(root().join("tests/e2e/images.sh"))
        .output()
        .unwrap();
    assert!(
        images.status.success(),
        "building the base images failed:\n{}",
        text(&images.stderr)
    );
}
