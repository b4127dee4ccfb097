//! Synthetic specs of any size, for benchmarks and fuzzing.

use std::fmt::Write as _;

/// A valid spec with `services` services in layers: each depends on a few of the previous layer,
/// reads a database or cache, and a route leads to every tenth service.
#[must_use]
pub fn spec(services: usize) -> String {
    let mut s = String::from("[stack]\nname = \"synthetic\"\n\n");
    s.push_str("[resources.db]\ntype = \"postgres\"\nstorage = \"10Gi\"\n\n[resources.cache]\ntype = \"redis\"\n\n");
    s.push_str("[jobs.migrate]\nimage = \"ghcr.io/acme/migrate:1.0\"\nenv = { DATABASE_URL = \"${resources.db.url}\" }\n\n");
    for i in 0..services {
        let _ = writeln!(s, "[services.svc-{i}]");
        let _ = writeln!(s, "image = \"ghcr.io/acme/svc-{i}:1.0.{i}\"");
        let _ = writeln!(s, "port = {}", 8000 + i % 1000);
        let _ = writeln!(s, "replicas = {}", 1 + i % 3);
        let resource = if i % 2 == 0 { "db" } else { "cache" };
        let _ = writeln!(
            s,
            "env = {{ BACKEND = \"${{resources.{resource}.url}}\", INDEX = \"{i}\" }}"
        );
        let _ = writeln!(s, "health = {{ http = \"/healthz\", interval = \"10s\" }}");
        let _ = writeln!(s, "cpu = \"250m\"\nmemory = \"256Mi\"");
        let deps: Vec<String> = (1..=3)
            .filter(|d| i >= d * 10)
            .map(|d| format!("\"svc-{}\"", i - d * 10))
            .collect();
        if i % 10 == 0 {
            let _ = writeln!(s, "depends_on = {{ migrate = \"completed\" }}");
        } else if !deps.is_empty() {
            let _ = writeln!(s, "depends_on = [{}]", deps.join(", "));
        }
        s.push('\n');
    }
    s.push_str("[routes]\n");
    for i in (0..services).step_by(10) {
        let _ = writeln!(s, "\"/svc-{i}\" = \"svc-{i}\"");
    }
    s.push_str("\n[environments.prod]\nresources.db = { external = true, outputs = { url = { secret = \"db-url\" } } }\n");
    s
}

/// A chain of `services` services, each waiting for the next: the deepest dependency graph.
#[must_use]
pub fn chain(services: usize) -> String {
    let mut s = String::from("[stack]\nname = \"chain\"\n");
    for i in 0..services {
        let _ = writeln!(s, "[services.s{i}]\nimage = \"nginx:1\"");
        if i + 1 < services {
            let _ = writeln!(s, "depends_on = [\"s{}\"]", i + 1);
        }
    }
    s
}

/// A spec with `errors` errors (environment variable names that are not valid), for diagnostics.
#[must_use]
pub fn errors(errors: usize) -> String {
    let env: Vec<String> = (0..errors)
        .map(|i| format!("\"bad-{i}\" = \"x\""))
        .collect();
    format!(
        "[stack]\nname = \"e\"\n[services.a]\nimage = \"nginx:1\"\nenv = {{ {} }}\n",
        env.join(", ")
    )
}

/// The Compose file equivalent to [`spec`]: the one the Compose target renders from it (for comparing
/// stackc with `docker compose config` on the same stack).
#[must_use]
pub fn compose(services: usize) -> String {
    use crate::targets::Target as _;
    let source = crate::source::SourceFile::new("stack.toml", spec(services));
    let compiled = crate::compile::compile(&source, None)
        .ok()
        .and_then(|o| o.compiled)
        .expect("the synthetic spec compiles");
    let context = crate::targets::RenderContext::new(
        std::path::Path::new("stack.toml"),
        std::path::Path::new("."),
    );
    crate::targets::compose::Compose
        .render(&compiled, &context)
        .remove("compose/compose.yaml")
        .expect("the Compose target writes compose.yaml")
}
