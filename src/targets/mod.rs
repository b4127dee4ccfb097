//! Targets: pure functions from a compiled spec to a sorted map of relative path -> file contents.

mod comment;
pub mod compose;
pub mod dockerfile;
pub mod ecs;
pub mod engines;
pub mod fit;
pub mod host_limits;
pub mod images;
pub mod kubernetes;
pub mod mount_limits;
pub mod outputs;
pub mod ports;
pub mod probe;
pub mod regex;
pub mod shell;
mod templates;
pub mod tls_limits;
pub mod yaml;

use std::path::{Path, PathBuf};

use crate::compile::Compiled;
use crate::diagnostics::Diagnostic;
use crate::output::Artifacts;

/// Where the spec and the output directory are, so that artifacts can refer to build contexts and to
/// each other by relative paths (never absolute ones: the output must not depend on the machine).
#[derive(Debug, Clone)]
pub struct RenderContext {
    /// The spec file's name, quoted in generated headers: already safe inside a `#` comment of
    /// any generated file (see [`comment::comment`]).
    pub spec_file: String,
    /// Absolute folder of the spec.
    pub spec_dir: PathBuf,
    /// Absolute output directory (`-o DIR`).
    pub out_dir: PathBuf,
}

impl RenderContext {
    /// A context for a spec and output directory, made absolute against the current directory.
    #[must_use]
    pub fn new(spec: &Path, out_dir: &Path) -> Self {
        let cwd = std::env::current_dir().unwrap_or_default();
        let spec = normalize(&cwd.join(spec));
        let spec_dir = spec.parent().map(real).unwrap_or_default();
        Self {
            spec_file: comment::comment(
                &spec
                    .file_name()
                    .map(|f| f.to_string_lossy().into_owned())
                    .unwrap_or_default(),
            ),
            spec_dir,
            out_dir: real(&cwd.join(out_dir)),
        }
    }

    /// `to` relative to `from` (both absolute), with `/` separators.
    #[must_use]
    pub fn relative(from: &Path, to: &Path) -> String {
        let rel = pathdiff::diff_paths(normalize(to), normalize(from))
            .unwrap_or_else(|| to.to_path_buf());
        let text = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        if text.is_empty() {
            ".".to_owned()
        } else {
            text
        }
    }

    /// A build context folder of the spec (as written in it), absolute.
    #[must_use]
    pub fn context_dir(&self, context: &str) -> PathBuf {
        real(&self.spec_dir.join(context))
    }
}

/// `path` with the symlinks of the part of it that exists resolved, the rest kept as written: where
/// the output folder lies relative to a build context must be judged as Docker will see it (an
/// output folder reached through a symlinked alias is still inside the context it is in).
fn real(path: &Path) -> PathBuf {
    let path = normalize(path);
    let mut existing = path.as_path();
    let mut rest = Vec::new();
    loop {
        if let Ok(found) = existing.canonicalize() {
            let mut out = found;
            out.extend(rest.iter().rev());
            return out;
        }
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_owned());
                existing = parent;
            }
            _ => return path,
        }
    }
}

/// Removes `.` and resolves `..` lexically (the folders may not exist yet).
pub(crate) fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// A compilation target, writing beneath its own folder of the output directory.
pub trait Target: Sync {
    /// The `--target` name.
    fn name(&self) -> &'static str;
    /// The folder under the output directory this target owns (its stale files are removed).
    fn folder(&self) -> &'static str;
    /// Renders every file, paths relative to the output directory.
    fn render(&self, compiled: &Compiled, context: &RenderContext) -> Artifacts;
    /// Why the target has nothing to render for this spec, if it has not (e.g. no `[targets.ecs]`).
    fn unconfigured(&self, _compiled: &Compiled) -> Option<String> {
        None
    }
    /// What the spec asks that this target cannot carry (a host folder on a cluster), as errors
    /// pointing into the spec: the target renders nothing rather than drop it.
    fn unsupported(&self, _compiled: &Compiled) -> Vec<Diagnostic> {
        Vec::new()
    }
    /// Folders under the output directory that hold the user's own files by design (Compose's
    /// `secrets/`): stackc never writes there and does not list what they hold.
    fn private_folders(&self) -> Vec<String> {
        Vec::new()
    }
    /// Warnings that depend on where the spec and the output folder are (the disk around them).
    fn context_notes(&self, _compiled: &Compiled, _context: &RenderContext) -> Vec<String> {
        Vec::new()
    }
    /// What the target changed or could not carry over from the spec, for the user to read.
    fn notes(&self, _compiled: &Compiled) -> Vec<String> {
        Vec::new()
    }
}

/// Renders the targets side by side, one thread each (they only read the compiled spec), in the
/// order given: the output is the same as rendering them one after another.
#[must_use]
pub fn render_all(
    targets: &[&dyn Target],
    compiled: &Compiled,
    context: &RenderContext,
) -> Vec<Artifacts> {
    std::thread::scope(|scope| {
        let handles: Vec<_> = targets
            .iter()
            .map(|t| scope.spawn(move || t.render(compiled, context)))
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    })
}

/// Targets of the contract, in `--target all` order.
pub const NAMES: [&str; 4] = ["compose", "dockerfile", "kubernetes", "ecs"];

/// The targets this build implements.
#[must_use]
pub fn available() -> Vec<&'static dyn Target> {
    vec![
        &compose::Compose,
        &dockerfile::Dockerfiles,
        &kubernetes::Kubernetes,
        &ecs::EcsTarget,
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn symlinked_aliases_resolve_to_where_docker_sees_them() {
        let dir = tempfile::tempdir().unwrap();
        let real_dir = dir.path().join("real");
        std::fs::create_dir(&real_dir).unwrap();
        std::os::unix::fs::symlink(&real_dir, dir.path().join("alias")).unwrap();
        let ctx = RenderContext::new(&real_dir.join("stack.toml"), &dir.path().join("alias/dist"));
        assert!(ctx.out_dir.starts_with(ctx.context_dir(".")), "{ctx:?}");
    }

    #[test]
    fn relative_paths() {
        let from = Path::new("/repo/dist/compose");
        assert_eq!(
            RenderContext::relative(from, Path::new("/repo/examples/shop/api")),
            "../../examples/shop/api"
        );
        assert_eq!(
            RenderContext::relative(Path::new("/a/b"), Path::new("/a/b")),
            "."
        );
        assert_eq!(
            RenderContext::relative(
                Path::new("/repo/examples/shop/./api"),
                Path::new("/repo/dist/dockerfiles/api/Dockerfile")
            ),
            "../../../dist/dockerfiles/api/Dockerfile"
        );
    }
}
