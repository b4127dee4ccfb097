//! The Dockerfile target: one multi-stage Dockerfile per built service or job, from the runtime's
//! template under `targets/dockerfile/`, with its ignore file.

use serde::Serialize;

use crate::compile::Compiled;
use crate::model::{Build, Health, ImageSource, Runtime, Workload, WorkloadKind};
use crate::output::Artifacts;
use crate::targets::{RenderContext, Target, images, probe, templates};
use crate::units::Port;

pub struct Dockerfiles;

/// The uid images run as unless the spec says otherwise: non-root, above system and typical host ranges.
pub const DEFAULT_USER: u32 = 10001;

impl Target for Dockerfiles {
    fn name(&self) -> &'static str {
        "dockerfile"
    }

    fn folder(&self) -> &'static str {
        "dockerfiles"
    }

    fn render(&self, compiled: &Compiled, ctx: &RenderContext) -> Artifacts {
        let mut out = Artifacts::new();
        for w in compiled.model.workloads() {
            let ImageSource::Build(build) = &w.source else {
                continue;
            };
            // The user's own Dockerfile is used where it is; nothing to generate.
            if build.runtime == Runtime::Dockerfile {
                continue;
            }
            let dir = format!("dockerfiles/{}", w.name);
            out.insert(
                format!("{dir}/Dockerfile"),
                dockerfile(w, build, &ctx.spec_file),
            );
            let ignore = dockerignore(w, build);
            // `.dockerignore` is the contract's name; BuildKit reads `<Dockerfile>.dockerignore` when the
            // Dockerfile lies outside the build context, as these do.
            out.insert(format!("{dir}/Dockerfile.dockerignore"), ignore.clone());
            out.insert(format!("{dir}/.dockerignore"), ignore);
        }
        out
    }
}

#[derive(Serialize)]
struct View<'a> {
    spec_file: &'a str,
    kind: &'static str,
    name: &'a str,
    runtime: &'static str,
    version: &'a str,
    images: Images,
    build_image: String,
    run_image: String,
    static_site: bool,
    port: u16,
    build_command: Option<String>,
    output: &'a str,
    entry: String,
    env: Vec<String>,
    user: u32,
    ports: Vec<u16>,
    healthcheck: Option<String>,
    cmd: String,
}

#[derive(Serialize)]
struct Images {
    busybox: &'static str,
}

fn dockerfile(w: &Workload, build: &Build, spec_file: &str) -> String {
    let version = build
        .version
        .as_deref()
        .unwrap_or_else(|| images::default_version(build.runtime));
    let (build_image, run_image) = images::runtime_images(build.runtime, version);
    let port = w.port.map_or(8080, Port::get);
    let view = View {
        spec_file,
        kind: if w.kind == WorkloadKind::Job {
            "job"
        } else {
            "service"
        },
        name: w.name.as_str(),
        runtime: build.runtime.as_str(),
        version,
        images: Images {
            busybox: images::BUSYBOX,
        },
        build_image,
        run_image,
        static_site: build.runtime == Runtime::Static,
        port,
        build_command: build_command(w, build),
        output: build.output.as_deref().unwrap_or("dist"),
        entry: build.entry.clone().unwrap_or_else(|| "target/*.jar".into()),
        env: Vec::new(),
        user: w.user.unwrap_or(DEFAULT_USER),
        ports: w
            .port
            .iter()
            .map(|p| p.get())
            .chain(w.ports.iter().map(|p| p.port.get()))
            .collect(),
        healthcheck: w.health.as_ref().map(healthcheck),
        cmd: exec_form(&command(w, build, port)),
    };
    let template = format!("{}.Dockerfile.j2", build.runtime.as_str());
    templates::render(&template, view)
}

/// The build step, per runtime; `build.command` replaces it.
fn build_command(w: &Workload, build: &Build) -> Option<String> {
    if build.command.is_some() {
        return build.command.clone();
    }
    let entry = build.entry.as_deref();
    match build.runtime {
        Runtime::Static => Some("npm run build".into()),
        Runtime::Go => Some(format!(
            "go build -trimpath -ldflags=\"-s -w\" -o /out/app {}",
            entry.unwrap_or(".")
        )),
        Runtime::Rust => Some(format!(
            "cargo install --path . --root /out --bin {}",
            entry.unwrap_or(w.name.as_str())
        )),
        Runtime::Java => Some("mvn -B -DskipTests package".into()),
        Runtime::Python | Runtime::Node | Runtime::Dockerfile => None,
    }
}

/// What the image runs: the spec's `command`, or the runtime's convention for `entry`.
fn command(w: &Workload, build: &Build, port: u16) -> Vec<String> {
    if let Some(c) = &w.command {
        return c.clone();
    }
    let entry = build.entry.as_deref();
    let v = |items: &[&str]| items.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    match build.runtime {
        Runtime::Python => match entry {
            Some(e)
                if std::path::Path::new(e)
                    .extension()
                    .is_some_and(|x| x.eq_ignore_ascii_case("py")) =>
            {
                v(&["python", e])
            }
            // `module:app` names an ASGI application.
            Some(e) if e.contains(':') => v(&[
                "uvicorn",
                e,
                "--host",
                "0.0.0.0",
                "--port",
                &port.to_string(),
            ]),
            Some(e) => v(&["python", "-m", e]),
            None => v(&["python", "main.py"]),
        },
        Runtime::Node => v(&["node", entry.unwrap_or(".")]),
        Runtime::Static => v(&["nginx", "-g", "daemon off;"]),
        Runtime::Go => v(&["/app"]),
        Runtime::Rust => vec![format!(
            "/usr/local/bin/{}",
            entry.unwrap_or(w.name.as_str())
        )],
        Runtime::Java => v(&["java", "-jar", "/app/app.jar"]),
        Runtime::Dockerfile => Vec::new(),
    }
}

fn healthcheck(h: &Health) -> String {
    // Docker rejects a zero start period (it means "none": leave the flag out).
    let start = if h.start_period.as_millis() > 0 {
        format!(" --start-period={}", h.start_period)
    } else {
        String::new()
    };
    format!(
        "--interval={} --timeout={}{start} --retries={} CMD {}",
        h.interval,
        h.timeout,
        h.retries,
        exec_form(&probe::probe_command(h, probe::IN_IMAGE))
    )
}

/// A JSON array, as Dockerfile exec form wants it.
fn exec_form(args: &[String]) -> String {
    let items: Vec<String> = args
        .iter()
        .map(|a| serde_json::to_string(a).expect("strings serialize"))
        .collect();
    format!("[{}]", items.join(", "))
}

fn dockerignore(w: &Workload, build: &Build) -> String {
    let patterns: Vec<String> = match build.runtime {
        Runtime::Python => vec![
            "**/__pycache__/".into(),
            "**/*.pyc".into(),
            ".venv/".into(),
            "venv/".into(),
            ".pytest_cache/".into(),
            ".mypy_cache/".into(),
        ],
        Runtime::Node => vec!["node_modules/".into(), "npm-debug.log*".into()],
        Runtime::Static => vec![
            "node_modules/".into(),
            "npm-debug.log*".into(),
            format!("{}/", build.output.as_deref().unwrap_or("dist")),
        ],
        Runtime::Go => vec!["bin/".into()],
        Runtime::Rust => vec!["target/".into()],
        Runtime::Java => vec!["target/".into(), "build/".into(), ".gradle/".into()],
        Runtime::Dockerfile => Vec::new(),
    };
    templates::render(
        "dockerignore.j2",
        minijinja::context! { name => w.name.as_str(), patterns },
    )
}
