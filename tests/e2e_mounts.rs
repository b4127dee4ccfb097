//! Host folders, configs and the development loop, end to end on Compose v5 (`docker compose`, from
//! `.venv-compose`) and the machine's Docker engine: a read-only host data folder is read by the
//! container and refuses writes, a config is mounted, and with `docker compose watch` a file changed
//! on the host is served by the running container within 10 s, without a rebuild or a restart.
//!
//! The services run as root here: this engine (Docker 20.10) resolves the container's user in the
//! host's passwd database when it copies synced files in (moby#34142), so a uid only the image
//! knows cannot be synced to; newer engines do not have that limit.

mod common;

use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const SPEC: &str = r#"[stack]
name = "mounts-e2e"

[services.files]
image = "python:3.12-slim-bookworm"
command = ["python3", "-m", "http.server", "8000", "--directory", "/srv/data"]
port = 8000
publish = 18191
volumes = { "/srv/data" = { host = "./data", read_only = true }, "/etc/files" = { config = "./conf" } }

[services.site]
image = "python:3.12-slim-bookworm"
command = ["python3", "-m", "http.server", "8000", "--directory", "/srv"]
port = 8000
publish = 18192

[environments.dev]
services.site.develop.watch = [{ path = "./site", target = "/srv/site", ignore = ["*.tmp"] }]
"#;

struct Project<'a> {
    compose: &'a Path,
    dir: &'a Path,
}

impl Project<'_> {
    fn run(&self, args: &[&str]) -> Output {
        Command::new(self.compose)
            .args(args)
            .current_dir(self.dir)
            .output()
            .expect("Compose v5 runs")
    }

    fn container_id(&self, service: &str) -> String {
        common::text(&self.run(&["ps", "-q", service]).stdout)
            .trim()
            .to_owned()
    }
}

impl Drop for Project<'_> {
    fn drop(&mut self) {
        let out = self.run(&["down", "-v", "--remove-orphans", "-t", "2"]);
        if !out.status.success() {
            eprintln!("teardown: {}", common::text(&out.stderr));
        }
    }
}

/// `docker compose watch` in the background, stopped however the test ends.
struct Watch(Child);

impl Drop for Watch {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Polls until `path` on `port` answers 200 with `body`; how long that took.
fn served_within(port: u16, path: &str, body: &str, limit: Duration) -> Option<Duration> {
    let start = Instant::now();
    while start.elapsed() < limit {
        if let Ok(r) = common::try_http(port, "GET", path, &[])
            && r.status == 200
            && r.body == body
        {
            return Some(start.elapsed());
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    None
}

#[test]
fn host_folders_configs_and_watch_on_compose_v5() {
    let docker = Command::new("docker")
        .arg("info")
        .output()
        .is_ok_and(|o| o.status.success());
    let Some(compose) = common::compose_v5().filter(|_| docker) else {
        return common::skip_or_fail(
            "Docker and Compose v5 (scripts/install-tools) are needed for the mounts end-to-end test",
        );
    };
    common::e2e_images();

    let scratch = tempfile::tempdir().unwrap();
    let project = scratch.path().join("project");
    for dir in ["data", "conf", "site"] {
        std::fs::create_dir_all(project.join(dir)).unwrap();
    }
    std::fs::write(project.join("stack.toml"), SPEC).unwrap();
    std::fs::write(project.join("data/hello.txt"), "from the host\n").unwrap();
    std::fs::write(project.join("conf/app.conf"), "level = debug\n").unwrap();
    let out = scratch.path().join("dist");
    let built = common::stackc(&[
        "build",
        project.join("stack.toml").to_str().unwrap(),
        "--env",
        "dev",
        "--target",
        "compose",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(built.status.success(), "{}", common::text(&built.stderr));

    let dir = out.join("compose");
    let stack = Project {
        compose: &compose,
        dir: &dir,
    };
    let up = stack.run(&["up", "-d", "--no-build", "--wait", "--wait-timeout", "120"]);
    assert!(up.status.success(), "up: {}", common::text(&up.stderr));

    // The read-only host folder: read through the service, never written.
    let read = common::http(18191, "GET", "/hello.txt", &[]);
    assert_eq!((read.status, read.body.as_str()), (200, "from the host\n"));
    let write = stack.run(&["exec", "-T", "files", "sh", "-c", "echo x > /srv/data/new"]);
    assert!(
        !write.status.success(),
        "a write to a read-only mount succeeded"
    );
    assert!(
        common::text(&write.stderr).contains("Read-only file system"),
        "{}",
        common::text(&write.stderr)
    );
    assert!(!project.join("data/new").exists());
    // The config, read-only too.
    let config = stack.run(&["exec", "-T", "files", "cat", "/etc/files/app.conf"]);
    assert_eq!(common::text(&config.stdout), "level = debug\n");
    let write = stack.run(&[
        "exec",
        "-T",
        "files",
        "sh",
        "-c",
        "echo x >> /etc/files/app.conf",
    ]);
    assert!(!write.status.success(), "a config was writable");

    // The development loop: changes on the host reach the running container.
    let before = stack.container_id("site");
    let log = scratch.path().join("watch.log");
    let watch = Watch(
        Command::new(&compose)
            .args(["watch", "--no-up"])
            .current_dir(&dir)
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&log).unwrap())
            .stderr(std::fs::File::create(scratch.path().join("watch.err")).unwrap())
            .spawn()
            .unwrap(),
    );
    let started = Instant::now();
    while !std::fs::read_to_string(&log)
        .unwrap_or_default()
        .contains("Watch enabled")
    {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "watch did not start: {}",
            std::fs::read_to_string(scratch.path().join("watch.err")).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    for version in ["v1", "v2"] {
        let body = format!("<h1>{version}</h1>\n");
        std::fs::write(project.join("site/index.html"), &body).unwrap();
        let took = served_within(18192, "/site/index.html", &body, Duration::from_secs(10));
        let took = took.unwrap_or_else(|| {
            panic!(
                "{version} not served within 10 s; watch said:\n{}",
                std::fs::read_to_string(&log).unwrap_or_default()
            )
        });
        eprintln!("watch: {version} served {took:?} after the host write");
    }
    // Synced in place: the same container, no rebuild, no restart.
    assert_eq!(stack.container_id("site"), before);
    drop(watch);
}
