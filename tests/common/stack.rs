//! A stack built by stackc and run on this machine's Docker engine, with either Compose v5 (the Go
//! binary users run as `docker compose`) or docker-compose 1.29; torn down however the test ends.
//!
//! Images: no registry is reachable and this machine has no buildx plugin, so Compose v5 cannot build
//! `BuildKit` Dockerfiles (stackc's use cache mounts) itself. The harness builds every image with
//! Debian's `docker` CLI (`BuildKit` built in) under the name Compose expects, then runs
//! `up --no-build`. docker-compose 1.29 builds through that same CLI by itself.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use super::{root, stackc, text};

/// Debian's docker CLI: builds with `BuildKit` without the buildx plugin.
pub const DOCKER: &str = "/usr/bin/docker";
/// The image probes run from (a stand-in from `tests/e2e/images.sh`).
pub const BUSYBOX: &str = "busybox:1.36.1-musl";

#[derive(Clone)]
pub enum Compose {
    V5(PathBuf),
    V1,
}

impl Compose {
    /// Compose v5 when `scripts/install-tools` installed it.
    pub fn v5() -> Option<Self> {
        super::compose_v5().map(Self::V5)
    }

    pub fn v1() -> Option<Self> {
        Command::new("docker-compose")
            .arg("version")
            .output()
            .is_ok_and(|o| o.status.success())
            .then_some(Self::V1)
    }

    fn command(&self, dir: &Path) -> Command {
        let mut cmd = match self {
            Self::V5(binary) => Command::new(binary),
            Self::V1 => {
                let mut cmd = Command::new("docker-compose");
                // 1.29 builds through the first `docker` on PATH: Debian's.
                cmd.env(
                    "PATH",
                    format!(
                        "/usr/bin:/bin:{}",
                        std::env::var("PATH").unwrap_or_default()
                    ),
                )
                .env("COMPOSE_DOCKER_CLI_BUILD", "1")
                .env("DOCKER_BUILDKIT", "1");
                cmd
            }
        };
        cmd.current_dir(dir);
        cmd
    }
}

pub fn docker_ready() -> bool {
    Command::new("docker")
        .arg("info")
        .output()
        .is_ok_and(|o| o.status.success())
}

pub fn docker(args: &[&str]) -> Output {
    Command::new(DOCKER)
        .args(args)
        .output()
        .expect("docker runs")
}

pub struct Stack {
    pub compose: Compose,
    /// The `compose` folder of the build output.
    pub dir: PathBuf,
}

impl Drop for Stack {
    fn drop(&mut self) {
        let out = self.run(&["down", "-v", "--remove-orphans", "-t", "5"]);
        if !out.status.success() {
            eprintln!("teardown: {}", text(&out.stderr));
        }
    }
}

/// A container's state as Docker reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct State {
    pub status: String,
    pub exit_code: i64,
    pub health: String,
    pub started_at: String,
    pub restarts: u64,
}

impl Stack {
    /// Builds `spec` (in `env`) into `out`, writes the user's secrets, runs `init-secrets.sh`, builds
    /// the images and runs `up -d`: the stack, and what `up` said.
    pub fn start(
        compose: &Compose,
        spec: &Path,
        env: Option<&str>,
        out: &Path,
        user_secrets: &[(&str, &str)],
    ) -> (Self, Output) {
        let mut args = vec!["build", spec.to_str().unwrap(), "-o", out.to_str().unwrap()];
        if let Some(env) = env {
            args.extend(["--env", env]);
        }
        let built = stackc(&args);
        assert!(built.status.success(), "{}", text(&built.stderr));
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
                text(&init.stderr)
            );
        }
        let stack = Self {
            compose: compose.clone(),
            dir,
        };
        let started = match compose {
            Compose::V5(_) => {
                stack.build_images();
                stack.run(&["up", "-d", "--no-build"])
            }
            Compose::V1 => stack.run(&["up", "-d", "--build"]),
        };
        (stack, started)
    }

    /// Like [`Stack::start`], for an example, failing the test when `up` fails.
    pub fn example(
        compose: &Compose,
        example: &str,
        scratch: &Path,
        user_secrets: &[(&str, &str)],
    ) -> Self {
        Self::up(
            compose,
            &root().join(format!("examples/{example}/stack.toml")),
            &scratch.join(example),
            user_secrets,
        )
    }

    pub fn up(compose: &Compose, spec: &Path, out: &Path, user_secrets: &[(&str, &str)]) -> Self {
        let (stack, started) = Self::start(compose, spec, None, out, user_secrets);
        assert!(
            started.status.success(),
            "up failed:\n{}\n{}",
            text(&started.stderr),
            stack.logs()
        );
        stack
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.compose
            .command(&self.dir)
            .args(args)
            .output()
            .expect("compose runs")
    }

    /// Every image Compose would build, built with `BuildKit` under the name Compose gives it.
    fn build_images(&self) {
        let config = self.run(&["config", "--format", "json"]);
        assert!(config.status.success(), "{}", text(&config.stderr));
        let config: serde_json::Value = serde_json::from_slice(&config.stdout).unwrap();
        let project = config["name"].as_str().unwrap();
        for (name, service) in config["services"].as_object().unwrap() {
            let Some(build) = service.get("build") else {
                continue;
            };
            let image = service["image"]
                .as_str()
                .map_or_else(|| format!("{project}-{name}"), str::to_owned);
            let context = Path::new(build["context"].as_str().unwrap());
            let dockerfile = context.join(build["dockerfile"].as_str().unwrap_or("Dockerfile"));
            let out = Command::new(DOCKER)
                .args(["build", "-q", "-t", &image, "-f"])
                .arg(&dockerfile)
                .arg(context)
                .env("DOCKER_BUILDKIT", "1")
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "building {image}:\n{}",
                text(&out.stderr)
            );
        }
    }

    /// The Compose project name (from the `.env` stackc writes).
    pub fn project(&self) -> String {
        std::fs::read_to_string(self.dir.join(".env"))
            .unwrap()
            .lines()
            .find_map(|l| l.strip_prefix("COMPOSE_PROJECT_NAME="))
            .unwrap()
            .trim()
            .to_owned()
    }

    /// The project's networks.
    pub fn networks(&self) -> Vec<String> {
        let out = docker(&[
            "network",
            "ls",
            "--filter",
            &format!("label=com.docker.compose.project={}", self.project()),
            "--format",
            "{{.Name}}",
        ]);
        let mut names: Vec<String> = text(&out.stdout).lines().map(str::to_owned).collect();
        names.sort();
        names
    }

    /// An address of a running container of `service`.
    pub fn address(&self, service: &str) -> Option<String> {
        let id = self.containers(service).into_iter().next()?;
        let out = docker(&[
            "inspect",
            "--format",
            "{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}",
            &id,
        ]);
        text(&out.stdout)
            .split_whitespace()
            .next()
            .map(str::to_owned)
    }

    pub fn logs(&self) -> String {
        let out = self.run(&["logs", "--no-color", "--tail", "40"]);
        text(&out.stdout)
    }

    /// The containers of one service (replicas), by id.
    pub fn containers(&self, service: &str) -> Vec<String> {
        let ids = self.run(&["ps", "-q", service]);
        text(&ids.stdout)
            .split_whitespace()
            .map(str::to_owned)
            .collect()
    }

    pub fn state(id: &str) -> State {
        let out = docker(&[
            "inspect",
            "--format",
            "{{.State.Status}} {{.State.ExitCode}} {{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}} {{.State.StartedAt}} {{.RestartCount}}",
            id,
        ]);
        let line = text(&out.stdout);
        let f: Vec<&str> = line.split_whitespace().collect();
        match f.as_slice() {
            [status, code, health, started, restarts] => State {
                status: (*status).to_owned(),
                exit_code: code.parse().unwrap_or(-1),
                health: (*health).to_owned(),
                started_at: (*started).to_owned(),
                restarts: restarts.parse().unwrap_or(0),
            },
            _ => panic!("docker inspect {id}: {line} {}", text(&out.stderr)),
        }
    }

    /// Every container of the project (run-once ones included): name -> state.
    pub fn states(&self) -> BTreeMap<String, State> {
        let ids = self.run(&["ps", "-a", "-q"]);
        text(&ids.stdout)
            .split_whitespace()
            .map(|id| {
                let name = text(&docker(&["inspect", "--format", "{{.Name}}", id]).stdout);
                (
                    name.trim().trim_start_matches('/').to_owned(),
                    Self::state(id),
                )
            })
            .collect()
    }

    /// Waits until services are healthy (or running, without a check) and run-once containers exited 0.
    pub fn wait_ready(&self, one_shot: &[&str], timeout: Duration) {
        let start = Instant::now();
        loop {
            let states = self.states();
            let mut pending = Vec::new();
            for (name, s) in &states {
                let once = one_shot
                    .iter()
                    .any(|j| name.contains(&format!("_{j}_")) || name.contains(&format!("-{j}-")));
                let ok = if once {
                    assert!(
                        !(s.status == "exited" && s.exit_code != 0),
                        "{name} failed (exit {}):\n{}",
                        s.exit_code,
                        self.logs()
                    );
                    s.status == "exited"
                } else {
                    assert!(
                        s.status != "exited",
                        "{name} exited ({}):\n{}",
                        s.exit_code,
                        self.logs()
                    );
                    s.status == "running" && (s.health == "healthy" || s.health == "none")
                };
                if !ok {
                    pending.push(format!("{name} {}/{}", s.status, s.health));
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

    /// Waits until `id` was started again (after `before`) and is healthy: how long that took from `since`.
    pub fn wait_restarted_healthy(
        &self,
        id: &str,
        before: &State,
        since: Instant,
        limit: Duration,
    ) -> (Duration, Duration) {
        let mut restarted = None;
        loop {
            let now = Self::state(id);
            if restarted.is_none()
                && (now.started_at != before.started_at || now.restarts != before.restarts)
            {
                restarted = Some(since.elapsed());
            }
            if let Some(r) = restarted
                && now.status == "running"
                && now.health == "healthy"
            {
                return (r, since.elapsed());
            }
            assert!(
                since.elapsed() < limit,
                "{id} not restarted and healthy within {limit:?}: {now:?}\n{}",
                self.logs()
            );
            std::thread::sleep(Duration::from_millis(500));
        }
    }
}
