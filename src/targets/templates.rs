//! The minijinja templates under `targets/`, embedded in the binary.

use std::sync::OnceLock;

use minijinja::Environment;

const TEMPLATES: &[(&str, &str)] = &[
    (
        "_header.j2",
        include_str!("../../targets/dockerfile/_header.j2"),
    ),
    (
        "_tools.j2",
        include_str!("../../targets/dockerfile/_tools.j2"),
    ),
    (
        "_tail.j2",
        include_str!("../../targets/dockerfile/_tail.j2"),
    ),
    (
        "python.Dockerfile.j2",
        include_str!("../../targets/dockerfile/python.Dockerfile.j2"),
    ),
    (
        "node.Dockerfile.j2",
        include_str!("../../targets/dockerfile/node.Dockerfile.j2"),
    ),
    (
        "static.Dockerfile.j2",
        include_str!("../../targets/dockerfile/static.Dockerfile.j2"),
    ),
    (
        "go.Dockerfile.j2",
        include_str!("../../targets/dockerfile/go.Dockerfile.j2"),
    ),
    (
        "rust.Dockerfile.j2",
        include_str!("../../targets/dockerfile/rust.Dockerfile.j2"),
    ),
    (
        "java.Dockerfile.j2",
        include_str!("../../targets/dockerfile/java.Dockerfile.j2"),
    ),
    (
        "dockerignore.j2",
        include_str!("../../targets/dockerfile/dockerignore.j2"),
    ),
    (
        "nginx.conf.j2",
        include_str!("../../targets/compose/nginx.conf.j2"),
    ),
    (
        "init-secrets.sh.j2",
        include_str!("../../targets/compose/init-secrets.sh.j2"),
    ),
    (
        "recover.sh.j2",
        include_str!("../../targets/compose/recover.sh.j2"),
    ),
];

fn environment() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        env.set_syntax(
            minijinja::syntax::SyntaxConfig::builder()
                .keep_trailing_newline(true)
                .build()
                .expect("default delimiters are valid"),
        );
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
        for (name, source) in TEMPLATES {
            env.add_template(name, source)
                .expect("embedded templates parse");
        }
        env
    })
}

/// Renders an embedded template. The templates are part of the binary and their inputs are checked by
/// the model, so a failure here is a bug.
pub fn render(name: &str, context: impl serde::Serialize) -> String {
    environment()
        .get_template(name)
        .and_then(|t| t.render(minijinja::value::Serde(context)))
        .unwrap_or_else(|e| panic!("template {name} failed to render: {e:#}"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_template_parses() {
        let _ = super::environment();
    }
}
