//! The ignore file of a generated Dockerfile: what the build context leaves out of the image. Besides the
//! runtime's caches it excludes stackc's own output when that lies inside the context: with
//! `context = "."` and `-o dist`, `COPY . .` would otherwise copy `dist/compose/secrets/*` (plain-text
//! passwords) into the image.

use std::path::{Path, PathBuf};

use crate::model::{Build, Runtime, Workload, WorkloadKind};
use crate::targets::outputs::SECRETS_DIR;
use crate::targets::{RenderContext, available, templates};

/// The ignore file for a workload built from `build`.
pub fn file(w: &Workload, build: &Build, ctx: &RenderContext) -> String {
    templates::render(
        "dockerignore.j2",
        minijinja::context! {
            name => w.name.as_str(),
            patterns => runtime_patterns(build),
            output => output_patterns(&ctx.context_dir(&build.context), &ctx.out_dir),
        },
    )
}

fn runtime_patterns(build: &Build) -> Vec<String> {
    match build.runtime {
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
    }
}

/// Patterns excluding what stackc writes, relative to the build context (so the file does not depend on
/// the machine): the output folder when it lies inside the context; when the context is the output folder
/// or inside it, the target folders and the secrets folder that lie inside the context.
///
/// Always added: `**/compose/secrets/`, the secrets folder of any stackc output folder (one built earlier
/// with another `-o` is still in the context). A bare `**/secrets/` is not: an application may well have
/// a `secrets` package. A `$STACKC_SECRETS_DIR` is only known when `init-secrets.sh` runs, not here:
/// keep it outside build contexts (the README says so).
fn output_patterns(context: &Path, out_dir: &Path) -> Vec<String> {
    let mut owned: Vec<PathBuf> = vec![out_dir.to_path_buf()];
    owned.extend(available().iter().map(|t| out_dir.join(t.folder())));
    owned.push(out_dir.join(SECRETS_DIR));
    let mut excluded: Vec<&Path> = Vec::new();
    for path in &owned {
        let inside = path.starts_with(context) && path != context;
        if inside && !excluded.iter().any(|e| path.starts_with(e)) {
            excluded.push(path);
        }
    }
    let mut patterns: Vec<String> = excluded
        .iter()
        .map(|p| {
            let relative = p.strip_prefix(context).unwrap_or(p);
            let parts: Vec<String> = relative
                .components()
                .map(|c| escape(&c.as_os_str().to_string_lossy()))
                .collect();
            // A leading `/` anchors the pattern at the context root and keeps a name starting with `!`
            // or `#` from reading as a negation or a comment.
            format!("/{}/", parts.join("/"))
        })
        .collect();
    patterns.push(format!("**/{SECRETS_DIR}/"));
    patterns
}

/// For a workload built from the user's own Dockerfile, whose ignore file stackc does not write: a
/// warning when its build context holds the output folder (and so the plain-text files in
/// `compose/secrets/`) and neither `.dockerignore` of the context nor `<Dockerfile>.dockerignore`
/// excludes it.
pub fn unguarded_output(w: &Workload, build: &Build, ctx: &RenderContext) -> Option<String> {
    let context = ctx.context_dir(&build.context);
    let inside = ctx.out_dir.strip_prefix(&context).ok()?;
    if inside.as_os_str().is_empty() {
        return None;
    }
    let relative = inside.to_string_lossy().replace('\\', "/");
    let mut readers = vec![context.join(".dockerignore")];
    if let Some(file) = &build.dockerfile {
        readers.push(ctx.context_dir(&format!("{file}.dockerignore")));
    }
    let excluded = readers.iter().any(|path| {
        std::fs::read_to_string(path).is_ok_and(|text| {
            text.lines().any(|line| {
                let p = line.trim().trim_start_matches('/');
                let p = p.trim_end_matches("/**").trim_end_matches('/');
                p == relative || relative.starts_with(&format!("{p}/"))
            })
        })
    });
    (!excluded).then(|| {
        format!(
            "{} `{}` builds with its own Dockerfile from a context that holds the output folder `{relative}` \
             (and the secret files in its compose/secrets/): add `/{relative}/` to the context's .dockerignore, \
             or `COPY . …` puts them in the image",
            match w.kind {
                WorkloadKind::Service => "service",
                WorkloadKind::Job => "job",
            },
            w.name
        )
    })
}

/// One path component as a literal in `.dockerignore` syntax (Go `filepath.Match` with `**`, lines
/// trimmed): pattern characters are backslash-escaped; whitespace at either end, which the reader would
/// trim, and control characters, which would end the line, become one-character classes or `?`.
fn escape(component: &str) -> String {
    let last = component.chars().count().saturating_sub(1);
    let mut out = String::new();
    for (i, c) in component.chars().enumerate() {
        match c {
            '*' | '?' | '[' | ']' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => out.push('?'),
            c if c.is_whitespace() && (i == 0 || i == last) => {
                out.push('[');
                out.push(c);
                out.push(']');
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn patterns(context: &str, out: &str) -> Vec<String> {
        output_patterns(Path::new(context), Path::new(out))
    }

    #[test]
    fn output_inside_the_context_is_excluded() {
        assert_eq!(
            patterns("/repo", "/repo/dist"),
            ["/dist/", "**/compose/secrets/"]
        );
        assert_eq!(
            patterns("/repo", "/repo/build/out"),
            ["/build/out/", "**/compose/secrets/"]
        );
    }

    #[test]
    fn output_outside_the_context_adds_only_the_generic_secrets_pattern() {
        assert_eq!(patterns("/repo/api", "/repo/dist"), ["**/compose/secrets/"]);
        // A sibling whose name starts the same is not inside.
        assert_eq!(patterns("/repo/di", "/repo/dist"), ["**/compose/secrets/"]);
    }

    #[test]
    fn context_equal_to_or_inside_the_output() {
        assert_eq!(
            patterns("/repo", "/repo"),
            [
                "/compose/",
                "/dockerfiles/",
                "/kubernetes/",
                "/ecs/",
                "**/compose/secrets/"
            ]
        );
        assert_eq!(
            patterns("/repo/compose", "/repo"),
            ["/secrets/", "**/compose/secrets/"]
        );
    }

    #[test]
    fn names_are_escaped_for_dockerignore() {
        assert_eq!(escape("a*b?[c]\\d"), "a\\*b\\?\\[c\\]\\\\d");
        assert_eq!(escape(" out "), "[ ]out[ ]");
        assert_eq!(escape("a b"), "a b");
        assert_eq!(escape("x\ny"), "x?y");
        assert_eq!(
            patterns("/repo", "/repo/!out"),
            ["/!out/", "**/compose/secrets/"]
        );
        assert_eq!(
            patterns("/repo", "/repo/#out"),
            ["/#out/", "**/compose/secrets/"]
        );
    }
}
