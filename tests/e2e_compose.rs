//! End to end on a real Docker engine: the seeds that can run here are built by stackc and brought up
//! with Compose v5 (`docker compose`, the Go binary) — `manager`, `rag-api`, `shop` and a postgres +
//! `RabbitMQ` stack — and `weather` plus a three-environment stack with docker-compose 1.29. Every service
//! must become healthy and every job complete; requests through the gateway must reach the right service
//! (prefix stripping and CORS included) and the apps' real work must happen (rows written, queues
//! drained).
//!
//! Failures are injected and recovery measured (the figures are printed): a frozen replica (SIGSTOP)
//! costs at most one failed request out of 20 through the gateway and is restarted by `stackc-recover`
//! and healthy again within interval × retries + 30 s; a crashed container is restarted; a database
//! stopped and started again leaves its dependents healthy and its data in place.
//!
//! No registry is reachable here: `tests/e2e/images.sh` builds the base images locally first (see there).
//! Locally, without Docker or Compose v5 the tests skip with a reason; with `CI=true` they fail.

mod common;

use std::path::Path;
use std::process::Command;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use common::stack::{Compose, Stack, docker, docker_ready};

/// The stacks run one at a time: two cores, and published ports shared between tests.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// The engine's lock and the Compose to run, or `None` when the test is skipped.
fn setup(v5: bool) -> Option<(MutexGuard<'static, ()>, Compose)> {
    if !docker_ready() {
        common::skip_or_fail("a Docker engine is needed for the end-to-end tests");
        return None;
    }
    let compose = if v5 { Compose::v5() } else { Compose::v1() };
    let Some(compose) = compose else {
        common::skip_or_fail(if v5 {
            "Compose v5 is needed (scripts/install-tools installs it into .venv-compose)"
        } else {
            "docker-compose 1.29 is needed (Debian's docker-compose)"
        });
        return None;
    };
    let guard = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    common::e2e_images();
    Some((guard, compose))
}

fn get(port: u16, path: &str) -> common::Response {
    common::http(port, "GET", path, &[])
}

fn post(port: u16, path: &str, body: &str) -> common::Response {
    common::try_http_within(Duration::from_secs(30), port, "POST", path, &[], body)
        .expect("the port answers HTTP")
}

/// Polls `path` until `ok` holds for the answer; how long that took.
fn until(
    port: u16,
    path: &str,
    limit: Duration,
    ok: impl Fn(&common::Response) -> bool,
) -> Duration {
    let start = Instant::now();
    loop {
        if let Ok(r) = common::try_http(port, "GET", path, &[])
            && ok(&r)
        {
            return start.elapsed();
        }
        assert!(
            start.elapsed() < limit,
            "{path} on {port}: not as expected within {limit:?}"
        );
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// Stops every process of a container with SIGSTOP (`docker kill -s STOP` would reach only PID 1, and a
/// gunicorn master stopped alone leaves its workers answering).
fn freeze(id: &str) {
    let top = docker(&["top", id, "-eo", "pid"]);
    let pids: Vec<String> = common::text(&top.stdout)
        .lines()
        .skip(1)
        .map(|l| l.trim().to_owned())
        .filter(|p| !p.is_empty())
        .collect();
    assert!(!pids.is_empty(), "{}", common::text(&top.stderr));
    let out = Command::new("kill")
        .arg("-STOP")
        .args(&pids)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", common::text(&out.stderr));
}

/// A service's health check: interval, timeout (seconds) and retries.
#[derive(Clone, Copy)]
struct Health(u64, u64, u64);

/// One replica of `service` frozen (SIGSTOP: the process holds its port and answers nothing): of 20
/// requests through the gateway at most one may fail, and `stackc-recover` restarts the replica, which
/// is healthy again within 30 s of Docker declaring it unhealthy. Docker starts each probe `interval`
/// after the previous one *ended*, so a hung app, whose probes all time out, is declared unhealthy
/// only after `(interval + timeout) × retries`: that, plus 30 s, is the budget.
fn frozen_replica(stack: &Stack, service: &str, port: u16, path: &str, health: &Health) {
    let replicas = stack.containers(service);
    assert!(replicas.len() >= 2, "{service}: {replicas:?}");
    let victim = &replicas[0];
    let before = Stack::state(victim);
    let frozen = Instant::now();
    freeze(victim);
    let mut failed = Vec::new();
    let mut slowest = Duration::ZERO;
    for i in 1..=20 {
        let start = Instant::now();
        // Patience beyond the gateway's own 60 s read timeout: a request nginx retried elsewhere counts as
        // answered, a request that fails is a failure however long it took.
        match common::try_http_within(Duration::from_secs(90), port, "GET", path, &[], "") {
            Ok(r) if r.status == 200 => {}
            Ok(r) => failed.push(format!("request {i}: {} {}", r.status, r.body)),
            Err(e) => failed.push(format!("request {i}: {e}")),
        }
        slowest = slowest.max(start.elapsed());
    }
    let Health(interval, timeout, retries) = *health;
    let budget = Duration::from_secs((interval + timeout) * retries + 30);
    let (restarted, healthy) = stack.wait_restarted_healthy(victim, &before, frozen, budget);
    let recover = stack.run(&["logs", "--no-color", "stackc-recover"]);
    eprintln!(
        "figures: {service} frozen: restarted after {restarted:.1?}, healthy after {healthy:.1?} \
         (budget {budget:?}; interval x retries + 30 s = {}s); \
         {} of 20 requests failed, slowest {slowest:.1?}\n{}",
        interval * retries + 30,
        failed.len(),
        common::text(&recover.stdout)
    );
    assert!(failed.len() <= 1, "{failed:#?}\n{}", stack.logs());
}

/// A replica of `service` crashes (its process killed, as by the OOM killer): Docker's restart policy
/// brings it back, and requests through the gateway keep being answered meanwhile.
fn crashed_replica(stack: &Stack, service: &str, port: u16, path: &str) {
    let victim = &stack.containers(service)[0];
    let before = Stack::state(victim);
    let pid = common::text(&docker(&["inspect", "--format", "{{.State.Pid}}", victim]).stdout);
    let killed = Instant::now();
    let kill = Command::new("kill")
        .args(["-KILL", pid.trim()])
        .output()
        .unwrap();
    assert!(kill.status.success(), "{}", common::text(&kill.stderr));
    let mut failed = 0;
    for _ in 0..10 {
        if !common::try_http(port, "GET", path, &[]).is_ok_and(|r| r.status == 200) {
            failed += 1;
        }
    }
    let (restarted, healthy) =
        stack.wait_restarted_healthy(victim, &before, killed, Duration::from_secs(90));
    eprintln!(
        "figures: {service} crashed: restarted after {restarted:.1?}, healthy after {healthy:.1?}; {failed} of 10 requests failed"
    );
    assert_eq!(failed, 0, "{}", stack.logs());
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
fn environments_side_by_side(compose: &Compose, scratch: &Path) {
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
    std::fs::copy(
        common::root().join("examples/weather/backend/requirements.txt"),
        dir.join("backend/requirements.txt"),
    )
    .unwrap();
    let spec = dir.join("stack.toml");
    std::fs::write(&spec, PAIR).unwrap();
    let mut running = Vec::new();
    for env in ["staging", "production"] {
        let (stack, started) = Stack::start(
            compose,
            &spec,
            Some(env),
            &dir.join(format!("dist-{env}")),
            &[],
        );
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
                forecast.status == 200 && forecast.body.contains(&format!("\"hits\":{hit}")),
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
    let (clash, started) =
        Stack::start(compose, &spec, Some("clash"), &dir.join("dist-clash"), &[]);
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
fn manager_recovers_on_compose_v5() {
    let Some((_engine, compose)) = setup(true) else {
        return;
    };
    let scratch = tempfile::tempdir().unwrap();
    // gateway routing `/` and `/api` to two replicated built services, MySQL, a migration job, CORS.
    let stack = Stack::example(
        &compose,
        "manager",
        scratch.path(),
        &[("django-secret-key", "e2e-secret")],
    );
    stack.wait_ready(&["migrate", "stackc-probe"], Duration::from_mins(8));
    let home = get(80, "/");
    assert!(
        home.status == 200 && home.body.contains("manager frontend"),
        "{} {}",
        home.status,
        home.body
    );
    let items = get(80, "/api/items");
    assert_eq!(items.status, 200, "{}", items.body);
    assert!(
        items.body.contains("\"service\": \"backend\"") && items.body.contains("\"/api/items\""),
        "{}",
        items.body
    );
    let health = get(80, "/api/health");
    assert!(
        health.status == 200 && health.body.contains("\"database\": true"),
        "{}",
        health.body
    );
    check_cors(80, "/api/items", "http://localhost:3000");
    common::pods::check_restricted(
        &stack,
        &common::root().join("examples/manager/stack.toml"),
        None,
    );

    // A row written before the failures must outlive them.
    let created = post(80, "/api/items", r#"{"name": "written-before"}"#);
    assert_eq!(created.status, 201, "{}", created.body);

    frozen_replica(&stack, "backend", 80, "/api/items", &Health(10, 5, 3));
    crashed_replica(&stack, "frontend", 80, "/");

    // A routed service with no container running does not take the gateway down when it restarts:
    // its route answers 502, the others keep working.
    assert!(stack.run(&["stop", "frontend"]).status.success());
    assert!(stack.run(&["restart", "stackc-gateway"]).status.success());
    until(80, "/api/health", Duration::from_mins(1), |r| {
        r.status == 200
    });
    assert_eq!(get(80, "/").status, 502);
    assert!(stack.run(&["start", "frontend"]).status.success());
    until(80, "/", Duration::from_mins(1), |r| r.status == 200);

    // The database stopped long enough for the backends to turn unhealthy (and be restarted), then
    // started again: the backends recover by themselves, and the row is still there.
    let stopped = Instant::now();
    assert!(stack.run(&["stop", "db"]).status.success());
    let noticed = until(80, "/api/health", Duration::from_secs(30), |r| {
        r.status != 200
    });
    std::thread::sleep(Duration::from_secs(45).saturating_sub(stopped.elapsed()));
    assert!(stack.run(&["start", "db"]).status.success());
    let back = until(80, "/api/health", Duration::from_mins(3), |r| {
        r.status == 200 && r.body.contains("\"database\": true")
    });
    let items = get(80, "/api/items");
    eprintln!(
        "figures: db stopped for {:.1?}: health failed after {noticed:.1?}; answered again {back:.1?} after the restart",
        Duration::from_secs(45)
    );
    assert!(items.body.contains("written-before"), "{}", items.body);
}

#[test]
fn rag_api_on_compose_v5() {
    let Some((_engine, compose)) = setup(true) else {
        return;
    };
    let scratch = tempfile::tempdir().unwrap();
    // FastAPI on uvicorn (real packages from PyPI) with Redis, published on 8000.
    let stack = Stack::example(
        &compose,
        "rag-api",
        scratch.path(),
        &[("openai-api-key", "sk-e2e")],
    );
    stack.wait_ready(&["stackc-probe"], Duration::from_mins(6));
    let health = get(8000, "/health");
    assert!(
        health.status == 200 && health.body.contains("\"redis\":true"),
        "{} {}",
        health.status,
        health.body
    );
    let stored = post(
        8000,
        "/documents",
        r#"{"id": "d1", "text": "containers keep running"}"#,
    );
    assert!(stored.status < 300, "{} {}", stored.status, stored.body);
    let found = get(8000, "/query?q=running");
    assert!(
        found.status == 200 && found.body.contains("d1"),
        "{} {}",
        found.status,
        found.body
    );
    common::pods::check_restricted(
        &stack,
        &common::root().join("examples/rag-api/stack.toml"),
        None,
    );
}

#[test]
fn shop_on_compose_v5() {
    let Some((_engine, compose)) = setup(true) else {
        return;
    };
    let scratch = tempfile::tempdir().unwrap();
    // Static web front, FastAPI on PostgreSQL and Redis, a worker, a migration job, one gateway.
    let stack = Stack::example(
        &compose,
        "shop",
        scratch.path(),
        &[("stripe-key", "sk-e2e")],
    );
    stack.wait_ready(&["migrate", "stackc-probe"], Duration::from_mins(8));
    let page = get(8088, "/");
    assert_eq!(page.status, 200, "{}", page.body);
    let products = get(8088, "/api/products");
    assert!(
        products.status == 200 && products.body.contains("\"id\""),
        "{}",
        products.body
    );
    let order = post(8088, "/api/orders", r#"{"product_id": 1, "quantity": 2}"#);
    assert_eq!(order.status, 201, "{}", order.body);
    let id = json_id(&order.body);
    // The worker takes the order from Redis and marks it done in PostgreSQL.
    until(
        8088,
        &format!("/api/orders/{id}"),
        Duration::from_mins(1),
        |r| r.body.contains("done"),
    );
    common::pods::check_restricted(
        &stack,
        &common::root().join("examples/shop/stack.toml"),
        None,
    );
    frozen_replica(&stack, "api", 8088, "/api/products", &Health(10, 3, 3));
}

#[test]
fn postgres_and_rabbitmq_stack_on_compose_v5() {
    let Some((_engine, compose)) = setup(true) else {
        return;
    };
    let scratch = tempfile::tempdir().unwrap();
    let dir = scratch.path().join("queue");
    common::copy_dir(&common::root().join("tests/e2e/queue"), &dir);
    let stack = Stack::up(&compose, &dir.join("stack.toml"), &dir.join("dist"), &[]);
    stack.wait_ready(&["migrate", "stackc-probe"], Duration::from_mins(8));
    let job = post(18095, "/api/jobs", r#"{"payload": "resize image 7"}"#);
    assert!(job.status < 300, "{} {}", job.status, job.body);
    let id = json_id(&job.body);
    until(
        18095,
        &format!("/api/jobs/{id}"),
        Duration::from_mins(1),
        |r| r.body.contains("done"),
    );
    // The queue restarted: the API reconnects, and new work still flows through it.
    assert!(stack.run(&["restart", "queue"]).status.success());
    let back = until(18095, "/api/health", Duration::from_mins(2), |r| {
        r.status == 200
    });
    let job = post(18095, "/api/jobs", r#"{"payload": "after the restart"}"#);
    assert!(job.status < 300, "{} {}", job.status, job.body);
    let id = json_id(&job.body);
    until(
        18095,
        &format!("/api/jobs/{id}"),
        Duration::from_secs(90),
        |r| r.body.contains("done"),
    );
    eprintln!("figures: rabbitmq restarted: the api healthy again after {back:.1?}");
    common::pods::check_restricted(&stack, &dir.join("stack.toml"), None);
}

/// The `"id"` of a JSON object.
fn json_id(body: &str) -> String {
    let value: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
    value["id"].to_string().trim_matches('"').to_owned()
}

#[test]
fn weather_and_environments_on_docker_compose_1_29() {
    let Some((_engine, compose)) = setup(false) else {
        return;
    };
    let scratch = tempfile::tempdir().unwrap();
    {
        // weather: a service_healthy chain (cache -> backend -> frontend) and a stripped prefix.
        let stack = Stack::example(
            &compose,
            "weather",
            scratch.path(),
            &[("weather-api-key", "e2e-key")],
        );
        stack.wait_ready(&["stackc-probe"], Duration::from_mins(7));
        let forecast = get(8080, "/api/forecast");
        assert_eq!(forecast.status, 200, "{}", forecast.body);
        // The backend saw the path without `/api`, and counted the hit in Redis.
        assert!(
            forecast.body.contains("\"path\":\"/forecast\"")
                && forecast.body.contains("\"hits\":1"),
            "{}",
            forecast.body
        );
        let page = get(8080, "/");
        assert!(
            page.status == 200 && page.body.contains("<h1>weather</h1>"),
            "{}",
            page.body
        );
        check_cors(8080, "/api/forecast", "https://weather.example.com");
        common::pods::check_restricted(
            &stack,
            &common::root().join("examples/weather/stack.toml"),
            None,
        );
        // Recovery works with 1.29 as well.
        frozen_replica(&stack, "backend", 8080, "/api/forecast", &Health(10, 3, 3));
    }
    environments_side_by_side(&compose, scratch.path());
}

/// curl against the TLS stack: `-s`, the stack's own CA file, and what is asked for.
fn curl(ca: &Path, args: &[&str]) -> String {
    let out = Command::new("curl")
        .args(["-s", "--max-time", "10", "--cacert"])
        .arg(ca)
        .args(args)
        .output()
        .expect("curl runs");
    common::text(&out.stdout)
}

/// Whether a TLS handshake with exactly this protocol version succeeds (openssl's client, its own
/// floor lowered so that a refusal is the server's).
fn handshake(port: u16, version: &str) -> bool {
    let out = Command::new("openssl")
        .args([
            "s_client",
            "-connect",
            &format!("127.0.0.1:{port}"),
            version,
        ])
        .args(["-cipher", "DEFAULT:@SECLEVEL=0", "-servername", "localhost"])
        .stdin(std::process::Stdio::null())
        .output()
        .expect("openssl runs");
    out.status.success() && common::text(&out.stdout).contains("BEGIN CERTIFICATE")
}

#[test]
fn https_gateway_on_compose_v5() {
    let Some((_engine, compose)) = setup(true) else {
        return;
    };
    if Command::new("curl").arg("--version").output().is_err()
        || Command::new("openssl").arg("version").output().is_err()
    {
        common::skip_or_fail("curl and openssl are needed for the HTTPS end-to-end test");
        return;
    }
    let scratch = tempfile::tempdir().unwrap();
    let dir = scratch.path().join("tls");
    common::copy_dir(&common::root().join("tests/e2e/tls"), &dir);
    let stack = Stack::up(&compose, &dir.join("stack.toml"), &dir.join("dist"), &[]);
    stack.wait_ready(&["stackc-probe"], Duration::from_mins(5));
    // init-secrets.sh made the certificate; clients trust it by this file.
    let ca = stack.dir.join("secrets/stackc-gateway.crt");
    let started = Instant::now();
    let page = loop {
        let page = curl(&ca, &["-i", "https://localhost:18443/index.html"]);
        if page.contains("hello over tls") || started.elapsed() > Duration::from_mins(1) {
            break page;
        }
        std::thread::sleep(Duration::from_secs(1));
    };
    assert!(page.contains("hello over tls"), "{page}\n{}", stack.logs());
    assert!(
        page.to_ascii_lowercase()
            .contains("strict-transport-security: max-age=15552000"),
        "{page}"
    );
    // HTTP/2 is offered over TLS.
    let version = curl(
        &ca,
        &[
            "--http2",
            "-o",
            "/dev/null",
            "-w",
            "%{http_version}",
            "https://localhost:18443/",
        ],
    );
    assert_eq!(version, "2");
    // Plain HTTP is redirected, path and query kept, with a status that keeps the method.
    let redirect = curl(
        &ca,
        &[
            "-o",
            "/dev/null",
            "-w",
            "%{http_code} %{redirect_url}",
            "http://localhost:18097/a/b?c=1",
        ],
    );
    assert_eq!(redirect, "308 https://localhost:18443/a/b?c=1");
    // CORS still answered over HTTPS, preflight included.
    let cors = curl(
        &ca,
        &[
            "-i",
            "-H",
            "Origin: https://web.example.test",
            "https://localhost:18443/",
        ],
    )
    .to_ascii_lowercase();
    assert!(
        cors.contains("access-control-allow-origin: https://web.example.test"),
        "{cors}"
    );
    let preflight = curl(
        &ca,
        &[
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "-X",
            "OPTIONS",
            "-H",
            "Origin: https://web.example.test",
            "-H",
            "Access-Control-Request-Method: GET",
            "https://localhost:18443/",
        ],
    );
    assert_eq!(preflight, "204");
    // TLS 1.2 and 1.3 only.
    assert!(handshake(18443, "-tls1_2"), "TLS 1.2 refused");
    assert!(handshake(18443, "-tls1_3"), "TLS 1.3 refused");
    assert!(!handshake(18443, "-tls1_1"), "TLS 1.1 accepted");
    assert!(!handshake(18443, "-tls1"), "TLS 1.0 accepted");
}
