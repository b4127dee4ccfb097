//! End to end on a real Docker engine: two examples are built and brought up with docker-compose;
//! every service must become healthy and every job complete, and requests through the gateway must reach
//! the right service (prefix stripping and CORS preflight included). Everything is torn down after.
//!
//! No registry is reachable here: `tests/e2e/images.sh` builds the base images locally first (see there).
//! Locally, without Docker the test skips with a reason; with `CI=true` it fails.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// docker-compose 1.29 builds through the `docker` CLI found first on PATH: Debian's, which speaks
/// `BuildKit` natively (the generated Dockerfiles use cache mounts).
fn compose(dir: &Path, args: &[&str]) -> Output {
    let path = format!(
        "/usr/bin:/bin:{}",
        std::env::var("PATH").unwrap_or_default()
    );
    Command::new("docker-compose")
        .args(args)
        .current_dir(dir)
        .env("PATH", path)
        .env("COMPOSE_DOCKER_CLI_BUILD", "1")
        .env("DOCKER_BUILDKIT", "1")
        .output()
        .expect("docker-compose runs")
}

/// Tears the stack down however the test ends.
struct Stack {
    dir: PathBuf,
}

impl Drop for Stack {
    fn drop(&mut self) {
        let out = compose(
            &self.dir,
            &[
                "down",
                "-v",
                "--remove-orphans",
                "--rmi",
                "local",
                "-t",
                "5",
            ],
        );
        if !out.status.success() {
            eprintln!("teardown: {}", common::text(&out.stderr));
        }
    }
}

impl Stack {
    fn logs(&self) -> String {
        let out = compose(&self.dir, &["logs", "--no-color", "--tail", "40"]);
        common::text(&out.stdout)
    }

    /// State of every container: name -> (status, exit code, health).
    fn states(&self) -> BTreeMap<String, (String, i64, String)> {
        let ids = compose(&self.dir, &["ps", "-a", "-q"]);
        let ids: Vec<String> = common::text(&ids.stdout)
            .split_whitespace()
            .map(str::to_owned)
            .collect();
        let mut states = BTreeMap::new();
        if ids.is_empty() {
            return states;
        }
        let out = Command::new("docker")
            .args(["inspect", "--format", "{{.Name}} {{.State.Status}} {{.State.ExitCode}} {{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}"])
            .args(&ids)
            .output()
            .unwrap();
        for line in common::text(&out.stdout).lines() {
            let f: Vec<&str> = line.split_whitespace().collect();
            if let [name, status, code, health] = f.as_slice() {
                states.insert(
                    name.trim_start_matches('/').to_owned(),
                    (
                        (*status).to_owned(),
                        code.parse().unwrap_or(-1),
                        (*health).to_owned(),
                    ),
                );
            }
        }
        states
    }

    /// Waits until services are healthy (or running, without a check) and run-once containers exited 0.
    fn wait_ready(&self, one_shot: &[&str], timeout: Duration) {
        let start = Instant::now();
        loop {
            let states = self.states();
            let mut pending = Vec::new();
            for (name, (status, code, health)) in &states {
                let once = one_shot
                    .iter()
                    .any(|j| name.contains(&format!("_{j}_")) || name.contains(&format!("-{j}-")));
                let ok = if once {
                    assert!(
                        !(status == "exited" && *code != 0),
                        "{name} failed (exit {code}):\n{}",
                        self.logs()
                    );
                    status == "exited"
                } else {
                    assert!(
                        status != "exited" && health != "unhealthy",
                        "{name} is {status}/{health}:\n{}",
                        self.logs()
                    );
                    status == "running" && (health == "healthy" || health == "none")
                };
                if !ok {
                    pending.push(format!("{name} {status}/{health}"));
                }
            }
            if !states.is_empty() && pending.is_empty() {
                return;
            }
            assert!(
                start.elapsed() < timeout,
                "not ready after {timeout:?}: {pending:?}\n{}",
                self.logs()
            );
            std::thread::sleep(Duration::from_secs(2));
        }
    }
}

fn docker_ready() -> bool {
    Command::new("docker")
        .arg("info")
        .output()
        .is_ok_and(|o| o.status.success())
        && Command::new("docker-compose")
            .arg("version")
            .output()
            .is_ok_and(|o| o.status.success())
}

/// Builds the example's artifacts and starts it.
fn up(example: &str, scratch: &Path, user_secrets: &[(&str, &str)]) -> Stack {
    let (stack, started) = start(
        &common::root().join(format!("examples/{example}/stack.toml")),
        None,
        &scratch.join(example),
        user_secrets,
    );
    assert!(
        started.status.success(),
        "up failed:\n{}\n{}",
        common::text(&started.stderr),
        stack.logs()
    );
    stack
}

/// Builds a spec (in one environment) into `out` and runs `up`: the stack, and what `up` said.
fn start(
    spec: &Path,
    env: Option<&str>,
    out: &Path,
    user_secrets: &[(&str, &str)],
) -> (Stack, Output) {
    let mut args = vec!["build", spec.to_str().unwrap(), "-o", out.to_str().unwrap()];
    if let Some(env) = env {
        args.extend(["--env", env]);
    }
    let built = common::stackc(&args);
    assert!(built.status.success(), "{}", common::text(&built.stderr));
    let dir = out.join("compose");
    std::fs::create_dir_all(dir.join("secrets")).unwrap();
    for (name, value) in user_secrets {
        std::fs::write(dir.join("secrets").join(name), value).unwrap();
    }
    // A stack without secrets has no init-secrets.sh.
    if dir.join("init-secrets.sh").exists() {
        let init = Command::new("sh")
            .arg("init-secrets.sh")
            .current_dir(&dir)
            .output()
            .unwrap();
        assert!(
            init.status.success(),
            "init-secrets.sh: {}",
            common::text(&init.stderr)
        );
    }
    let stack = Stack { dir };
    let started = compose(&stack.dir, &["up", "-d", "--build"]);
    (stack, started)
}

/// A small stack of three environments: a built service with a Redis (its data on a volume) behind
/// the gateway; `clash` publishes the gateway on staging's port.
const PAIR: &str = r#"[stack]
name = "pair"

[services.api]
build = { context = "backend", runtime = "python", version = "3.11", entry = "app.main" }
command = ["python", "-m", "app.main"]
port = 8000
env = { REDIS_URL = "${resources.cache.url}" }
health = { http = "/health", interval = "2s", timeout = "2s", retries = 30 }

[resources.cache]
type = "redis"
version = "7"

[routes]
"/api" = { service = "api", strip_prefix = true }

[gateway]
port = 18080

[environments.staging]
gateway.port = 18081

[environments.production]
gateway.port = 18082

[environments.clash]
gateway.port = 18081
"#;

/// Two environments of one stack on one engine: distinct projects, so distinct containers, networks
/// and volumes (each counts its own hits in its own Redis); a third on a taken port fails with
/// Docker's own words.
fn environments_side_by_side(scratch: &Path) {
    let dir = scratch.join("pair");
    std::fs::create_dir_all(dir.join("backend/app")).unwrap();
    for file in ["__init__.py", "main.py"] {
        std::fs::copy(
            common::root()
                .join("examples/weather/backend/app")
                .join(file),
            dir.join("backend/app").join(file),
        )
        .unwrap();
    }
    std::fs::write(dir.join("backend/requirements.txt"), "").unwrap();
    let spec = dir.join("stack.toml");
    std::fs::write(&spec, PAIR).unwrap();
    let mut running = Vec::new();
    for env in ["staging", "production"] {
        let (stack, started) = start(&spec, Some(env), &dir.join(format!("dist-{env}")), &[]);
        assert!(
            started.status.success(),
            "{env}: up failed:\n{}\n{}",
            common::text(&started.stderr),
            stack.logs()
        );
        running.push(stack);
    }
    for stack in &running {
        stack.wait_ready(&["stackc-probe"], Duration::from_mins(5));
    }
    for port in [18081, 18082] {
        for hit in 1..=2 {
            let forecast = common::http(port, "GET", "/api/forecast", &[]);
            assert!(
                forecast.status == 200 && forecast.body.contains(&format!("\"hits\": {hit}")),
                "{port}: {} {}",
                forecast.status,
                forecast.body
            );
        }
    }
    let volumes = Command::new("docker")
        .args(["volume", "ls", "--format", "{{.Name}}"])
        .output()
        .unwrap();
    let volumes = common::text(&volumes.stdout);
    for project in ["pair-staging", "pair-production"] {
        assert!(
            volumes
                .lines()
                .any(|v| v.starts_with(&format!("{project}_"))),
            "no volume of {project}: {volumes}"
        );
    }
    let (clash, started) = start(&spec, Some("clash"), &dir.join("dist-clash"), &[]);
    let said = common::text(&started.stderr);
    assert!(
        !started.status.success() && said.contains("port is already allocated"),
        "clash: {said}"
    );
    drop(clash);
}

fn check_cors(port: u16, path: &str, allowed: &str) {
    let preflight = common::http(
        port,
        "OPTIONS",
        path,
        &[
            ("Origin", allowed),
            ("Access-Control-Request-Method", "POST"),
        ],
    );
    assert_eq!(preflight.status, 204, "preflight: {}", preflight.body);
    assert_eq!(
        preflight
            .headers
            .get("access-control-allow-origin")
            .map(String::as_str),
        Some(allowed)
    );
    assert!(
        preflight
            .headers
            .get("access-control-allow-methods")
            .is_some_and(|m| m.contains("POST"))
    );
    let refused = common::http(
        port,
        "OPTIONS",
        path,
        &[
            ("Origin", "https://evil.example"),
            ("Access-Control-Request-Method", "POST"),
        ],
    );
    assert!(
        !refused.headers.contains_key("access-control-allow-origin"),
        "an unlisted origin was allowed"
    );
    let simple = common::http(port, "GET", path, &[("Origin", allowed)]);
    assert_eq!(
        simple
            .headers
            .get("access-control-allow-origin")
            .map(String::as_str),
        Some(allowed)
    );
}

#[test]
fn examples_run_on_docker() {
    if !docker_ready() {
        return common::skip_or_fail(
            "Docker and docker-compose are needed for the end-to-end test",
        );
    }
    common::e2e_images();
    let scratch = tempfile::tempdir().unwrap();

    // manager: gateway routing `/` and `/api` to two built services, MySQL, a migration job, CORS.
    {
        let stack = up(
            "manager",
            scratch.path(),
            &[("django-secret-key", "e2e-secret")],
        );
        stack.wait_ready(&["migrate", "stackc-probe"], Duration::from_mins(7));
        let home = common::http(80, "GET", "/", &[]);
        assert!(
            home.status == 200 && home.body.contains("manager frontend"),
            "{} {}",
            home.status,
            home.body
        );
        let items = common::http(80, "GET", "/api/items", &[]);
        assert_eq!(items.status, 200, "{}", items.body);
        assert!(
            items.body.contains("\"service\": \"backend\"")
                && items.body.contains("\"/api/items\""),
            "{}",
            items.body
        );
        let health = common::http(80, "GET", "/api/health", &[]);
        assert!(
            health.status == 200 && health.body.contains("\"database\": true"),
            "{}",
            health.body
        );
        check_cors(80, "/api/items", "http://localhost:3000");
    }

    // weather: a service_healthy chain (cache -> backend -> frontend) and a stripped prefix.
    {
        let stack = up("weather", scratch.path(), &[("weather-api-key", "e2e-key")]);
        stack.wait_ready(&["stackc-probe"], Duration::from_mins(7));
        let forecast = common::http(8080, "GET", "/api/forecast", &[]);
        assert_eq!(forecast.status, 200, "{}", forecast.body);
        // The backend saw the path without `/api`, and counted the hit in Redis.
        assert!(
            forecast.body.contains("\"path\": \"/forecast\"")
                && forecast.body.contains("\"hits\": 1"),
            "{}",
            forecast.body
        );
        let page = common::http(8080, "GET", "/", &[]);
        assert!(
            page.status == 200 && page.body.contains("<h1>weather</h1>"),
            "{}",
            page.body
        );
        check_cors(8080, "/api/forecast", "https://weather.example.com");
    }

    environments_side_by_side(scratch.path());
}
