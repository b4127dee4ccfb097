//! The Dockerfile target: one multi-stage Dockerfile per built service or job, from the runtime's
//! template under `targets/dockerfile/`, with its ignore file.

mod escape;
mod ignore;

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
            let ignore = ignore::file(w, build, ctx);
            // `.dockerignore` is the contract's name; BuildKit reads `<Dockerfile>.dockerignore` when the
            // Dockerfile lies outside the build context, as these do.
            out.insert(format!("{dir}/Dockerfile.dockerignore"), ignore.clone());
            out.insert(format!("{dir}/.dockerignore"), ignore);
        }
        out
    }

    fn context_notes(&self, compiled: &Compiled, ctx: &RenderContext) -> Vec<String> {
        compiled
            .model
            .workloads()
            .filter_map(|w| match &w.source {
                ImageSource::Build(b) if b.runtime == Runtime::Dockerfile => {
                    ignore::unguarded_output(w, b, ctx)
                }
                _ => None,
            })
            .collect()
    }
}

#[derive(Serialize)]
struct View<'a> {
    spec_file: String,
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
        spec_file: spec_file.to_owned(),
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
        // A checked relative path (`model::resolve::workload`): nothing in it is special to COPY.
        output: build.output.as_deref().unwrap_or("dist"),
        entry: escape::shell_glob(build.entry.as_deref().unwrap_or("target/*.jar")),
        env: Vec::new(),
        user: w.user.unwrap_or(DEFAULT_USER),
        ports: w
            .port
            .iter()
            .map(|p| p.get())
            .chain(w.ports.iter().map(|p| p.port.get()))
            .collect(),
        healthcheck: w.health.as_ref().map(healthcheck),
        cmd: escape::exec_form(&command(w, build, port)),
    };
    let template = format!("{}.Dockerfile.j2", build.runtime.as_str());
    templates::render(&template, view)
}

/// The build step, per runtime: the text of a shell-form `RUN`. `build.command` replaces it as the
/// user wrote it (a shell command by definition, checked to stay on its one line); stackc's own steps
/// quote each word they take from the spec.
fn build_command(w: &Workload, build: &Build) -> Option<String> {
    if build.command.is_some() {
        return build.command.clone();
    }
    let entry = build.entry.as_deref();
    match build.runtime {
        Runtime::Static => Some("npm run build".into()),
        Runtime::Go => Some(format!(
            "go build -trimpath -ldflags=\"-s -w\" -o /out/app {}",
            escape::shell_word(entry.unwrap_or("."))
        )),
        Runtime::Rust => Some(format!(
            "cargo install --path . --root /out --bin {}",
            escape::shell_word(entry.unwrap_or(w.name.as_str()))
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
        escape::exec_form(&probe::probe_command(h, probe::IN_IMAGE))
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceFile;

    const INSTRUCTIONS: &[&str] = &[
        "FROM",
        "RUN",
        "COPY",
        "WORKDIR",
        "ENV",
        "USER",
        "EXPOSE",
        "HEALTHCHECK",
        "ENTRYPOINT",
        "CMD",
    ];

    fn dockerfiles(spec: &str) -> Vec<(String, String)> {
        let source = SourceFile::new("/nowhere/stack.toml", spec);
        let outcome = crate::compile::compile(&source, None).unwrap();
        let compiled = outcome
            .compiled
            .unwrap_or_else(|| panic!("{:?}", outcome.diagnostics));
        let ctx = RenderContext::new(
            std::path::Path::new("/nowhere/stack.toml"),
            std::path::Path::new("/nowhere/dist"),
        );
        Dockerfiles
            .render(&compiled, &ctx)
            .into_iter()
            .filter(|(path, _)| path.ends_with("/Dockerfile"))
            .collect()
    }

    /// The instructions of a Dockerfile, as its parser splits them (continuations joined).
    fn instructions(text: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut continued = false;
        for line in text.lines() {
            let trimmed = line.trim_start();
            if !continued && !trimmed.is_empty() && !trimmed.starts_with('#') {
                out.push(trimmed.split_whitespace().next().unwrap().to_owned());
            }
            continued = line.trim_end().ends_with('\\');
        }
        out
    }

    #[test]
    fn spec_values_stay_inside_their_instruction() {
        let files = dockerfiles(
            r#"[stack]
name = "t"

[services.go]
build = { runtime = "go", entry = "; touch /pwned" }

[services.java]
build = { runtime = "java", entry = "my app/*.jar; touch /pwned" }

[services.rust]
build = { runtime = "rust", entry = "a'b$(id)" }

[services.site]
build = { runtime = "static", output = "build/site", command = "npm run build && echo \"$HOME\" # done" }

[services.py]
build = { runtime = "python", entry = "app.main:app" }
command = ["sh", "-c", "echo \"$HOME\"\nUSER root"]
"#,
        );
        assert_eq!(files.len(), 5);
        for (path, text) in &files {
            let found = instructions(text);
            assert!(
                found.iter().all(|i| INSTRUCTIONS.contains(&i.as_str())),
                "{path}: {found:?}\n{text}"
            );
            assert_eq!(found.iter().filter(|i| *i == "USER").count(), 1, "{path}");
            assert_eq!(found.last().map(String::as_str), Some("CMD"), "{path}");
        }
        let text = |name: &str| {
            &files
                .iter()
                .find(|(p, _)| p.contains(&format!("/{name}/")))
                .unwrap()
                .1
        };
        assert!(text("go").contains("-o /out/app '; touch /pwned'\n"));
        assert!(text("java").contains("cp 'my app/'*'.jar; touch /pwned' /out/app.jar"));
        assert!(text("rust").contains(r"--bin 'a'\''b$(id)'"));
        assert!(text("site").contains("COPY --from=build /app/build/site /usr/share/nginx/html"));
        assert!(text("py").contains(r#"CMD ["sh", "-c", "echo \"$HOME\"\nUSER root"]"#));
    }
}
