//! Mounts (volumes, host paths, configs) and the development loop of services and jobs: what the
//! spec says, checked without touching the disk (see `disk.rs` for what exists there).

use std::collections::BTreeMap;
use std::ops::Range;

use super::workload::{Checked, is_volume, optional};
use super::{Entity, Resolver};
use crate::diagnostics::{Code, Diagnostic};
use crate::model::{Config, Develop, ImageSource, Mount, MountSource, Runtime, Watch, WatchAction};
use crate::spec::{MountSpec, MountTable, Sp, WorkloadSpec};
use crate::units::Name;

/// Container paths stackc mounts something at itself: the probe's busybox, Compose secrets,
/// Kubernetes' writable `/tmp` and service-account token.
const RESERVED_PATHS: [&str; 4] = [
    "/stackc",
    "/run/secrets",
    "/tmp",
    "/var/run/secrets/kubernetes.io",
];

/// Where a built service's sources are in its image (every runtime template's `WORKDIR`).
pub const BUILT_WORKDIR: &str = "/app";

/// A container path: absolute, without `.`/`..`/empty segments, and without characters a mount
/// specification splits on (`:` in Compose's and Docker's short syntax, `,` in `--mount`).
///
/// # Errors
/// Why the path cannot be a mount point.
pub fn container_path(path: &str) -> Result<String, String> {
    if !path.starts_with('/') {
        return Err(format!("`{path}` must be absolute (start with `/`)"));
    }
    if let Some(c) = path
        .chars()
        .find(|c| c.is_control() || matches!(c, ':' | ','))
    {
        return Err(format!(
            "`{}` contains {c:?}, which mount specifications split on or cannot hold",
            path.escape_debug()
        ));
    }
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        return Err("a mount cannot replace the container's root `/`".into());
    }
    if trimmed[1..]
        .split('/')
        .any(|s| s.is_empty() || s == "." || s == "..")
    {
        return Err(format!(
            "`{path}` has an empty, `.` or `..` segment: write the path it means"
        ));
    }
    Ok(trimmed.to_owned())
}

/// Whether `path` is `base` or below it.
fn within(path: &str, base: &str) -> bool {
    path == base || path.strip_prefix(base).is_some_and(|r| r.starts_with('/'))
}

/// A path of the host or project as written: relative to the spec or absolute, one line of text.
fn host_text(path: &str) -> Result<(), String> {
    if path.is_empty() {
        return Err("the path is empty".into());
    }
    if path.starts_with('~') {
        return Err(format!(
            "`{path}` starts with `~`, which stackc does not expand: write it relative to the spec or absolute"
        ));
    }
    if let Some(c) = path.chars().find(|c| c.is_control()) {
        return Err(format!(
            "`{}` contains the control character {c:?}",
            path.escape_debug()
        ));
    }
    Ok(())
}

/// Which source a mount names, and its span.
enum Source<'a> {
    Volume(&'a str, Range<usize>),
    Host(&'a str, Range<usize>),
    Config(&'a str, Range<usize>),
}

impl Resolver<'_> {
    pub(super) fn mounts(&mut self, spec: &WorkloadSpec) -> Option<BTreeMap<String, Mount>> {
        let mut out = BTreeMap::new();
        let mut ok = true;
        // Normalised path -> the span it was first written at.
        let mut seen: BTreeMap<String, Range<usize>> = BTreeMap::new();
        for (path, mount) in &spec.volumes {
            let normal = match container_path(path.get()) {
                Ok(p) => Some(p),
                Err(why) => {
                    ok = false;
                    self.push(
                        Diagnostic::error(Code::InvalidMount, format!("mount path {why}"))
                            .at(path.span(), "not a mount path")
                            .help("mount paths are absolute paths in the container, such as \"/app/data\""),
                    );
                    None
                }
            };
            if let Some(normal) = &normal {
                // Below a path stackc mounts, or above one: a read-only mount at `/run` leaves no
                // way to mount `/run/secrets` (`/var/run`, usually a link to `/run`, is above the
                // Kubernetes token's path).
                if let Some(reserved) = RESERVED_PATHS
                    .iter()
                    .find(|r| within(normal, r) || within(r, normal))
                {
                    ok = false;
                    self.push(
                        Diagnostic::error(
                            Code::InvalidMount,
                            format!("mount path `{normal}` is at, below or above where stackc mounts its own files (`{reserved}`)"),
                        )
                        .at(path.span(), "reserved path")
                        .help(format!("stackc uses {}: mount somewhere else", RESERVED_PATHS.join(", "))),
                    );
                }
                if let Some(first) = seen.get(normal) {
                    ok = false;
                    self.push(
                        Diagnostic::error(
                            Code::InvalidMount,
                            format!("two mounts on `{normal}`"),
                        )
                        .at(path.span(), "mounted again here")
                        .at(first.clone(), "first mounted here")
                        .help("a container path takes one mount: remove one, or mount it below the other"),
                    );
                } else {
                    seen.insert(normal.clone(), path.span());
                }
            }
            let Some(m) = self.mount(mount) else {
                ok = false;
                continue;
            };
            if let Some(normal) = normal {
                out.insert(normal, m);
            }
        }
        ok.then_some(out)
    }

    fn mount(&mut self, mount: &Sp<MountSpec>) -> Option<Mount> {
        let empty = MountTable::default();
        let (source, table) = match mount.get() {
            MountSpec::Short(text) => {
                let source = if MountSpec::is_path(text) {
                    Source::Host(text, mount.span())
                } else {
                    Source::Volume(text, mount.span())
                };
                (source, &empty)
            }
            MountSpec::Table(t) => (self.mount_source(t, mount.span())?, t),
        };
        let read_only = table.read_only.as_ref().map(|r| (*r.get(), r.span()));
        let outside_project = table.outside_project.as_ref().is_some_and(|o| *o.get());
        if let Source::Host(path, span) | Source::Config(path, span) = &source {
            let what = if matches!(source, Source::Host(..)) {
                "host path"
            } else {
                "config path"
            };
            if let Err(why) = host_text(path) {
                self.error(
                    Code::InvalidMount,
                    format!("{what} {why}"),
                    span.clone(),
                    format!("invalid {what}"),
                );
                return None;
            }
        }
        let source = match source {
            Source::Volume(name, span) => {
                if let Some(o) = table.outside_project.as_ref() {
                    self.error(
                        Code::InvalidMount,
                        "`outside_project` is about host paths and configs, not volumes",
                        o.span(),
                        "not for a volume",
                    );
                    return None;
                }
                MountSource::Volume(self.mounted_volume(name, span)?)
            }
            Source::Host(path, _) => MountSource::Host(path.to_owned()),
            Source::Config(path, _) => {
                if let Some((false, span)) = &read_only {
                    self.push(
                        Diagnostic::error(Code::InvalidMount, "a config is always mounted read-only")
                            .at(span.clone(), "cannot be false")
                            .help("a config is a copy of project files (a ConfigMap on Kubernetes): to write to the folder, mount it with `host = …` (Compose only) or use a volume"),
                    );
                    return None;
                }
                MountSource::Config(Config {
                    path: path.to_owned(),
                    folder: false,
                    files: Vec::new(),
                })
            }
        };
        let read_only = matches!(source, MountSource::Config(_)) || read_only.is_some_and(|r| r.0);
        Some(Mount {
            source,
            read_only,
            outside_project,
            span: mount.span(),
        })
    }

    /// The one source a mount table names.
    fn mount_source<'t>(&mut self, t: &'t MountTable, span: Range<usize>) -> Option<Source<'t>> {
        let named: Vec<Source<'t>> = [
            t.volume.as_ref().map(|v| Source::Volume(v.get(), v.span())),
            t.host.as_ref().map(|v| Source::Host(v.get(), v.span())),
            t.config.as_ref().map(|v| Source::Config(v.get(), v.span())),
        ]
        .into_iter()
        .flatten()
        .collect();
        let count = named.len();
        if count == 1 {
            return named.into_iter().next();
        }
        let mut d = Diagnostic::error(
            Code::InvalidMount,
            if count == 0 {
                "a mount table names no source".to_owned()
            } else {
                "a mount table names more than one source".to_owned()
            },
        );
        if count == 0 {
            d = d.at(span, "no `volume`, `host` or `config`").help(
                "write one of `volume = \"<volume resource>\"`, `host = \"./folder\"` or `config = \"./file\"`; in an environment overlay, a mount replaces the base's whole, so write all of it (`{ volume = \"data\", read_only = true }`)",
            );
        }
        for s in &named {
            let (field, span) = match s {
                Source::Volume(_, sp) => ("volume", sp),
                Source::Host(_, sp) => ("host", sp),
                Source::Config(_, sp) => ("config", sp),
            };
            d = d.at(span.clone(), format!("`{field}`"));
        }
        self.push(d.with_default_help(
            "write exactly one of `volume = \"<volume resource>\"`, `host = \"./folder\"` or `config = \"./file\"`",
        ));
        None
    }

    fn mounted_volume(&mut self, target: &str, span: Range<usize>) -> Option<Name> {
        let volumes: Vec<&str> = self
            .spec
            .resources
            .iter()
            .filter(|(_, r)| is_volume(r))
            .map(|(n, _)| n.get().as_str())
            .collect();
        match self.index.get(target).copied() {
            Some(Entity::Resource(r)) if is_volume(r) => target.parse().ok(),
            Some(entity) => {
                let kind = match entity {
                    Entity::Resource(r) => r
                        .kind
                        .as_ref()
                        .map_or("resource".to_owned(), |k| format!("{} resource", k.get())),
                    other => other.describe().to_owned(),
                };
                self.push(
                    Diagnostic::error(
                        Code::MountNotVolume,
                        format!("`{target}` is a {kind}, not a volume"),
                    )
                    .at(span, "not a volume")
                    .help(format!(
                        "mounts name resources of type \"volume\"{}, host paths (\"./data\") or configs ({{ config = \"./conf\" }})",
                        list_hint(&volumes)
                    )),
                );
                None
            }
            None => {
                if !self.broken.contains(target) {
                    self.push(
                        Diagnostic::error(Code::UnknownReference, format!("unknown volume `{target}`"))
                            .at(span.clone(), format!("no volume is named `{target}`"))
                            .suggest(target, volumes.iter().copied())
                            .with_default_help(if MountSpec::is_path(target) {
                                format!("`volume` names a resource of type \"volume\"; a host path is written `host = \"{target}\"`")
                            } else {
                                format!(
                                    "a mount names a resource of type \"volume\"{}; a host folder starts with `./` or `/` (\"./{target}\")",
                                    list_hint(&volumes)
                                )
                            }),
                    );
                }
                None
            }
        }
    }

    /// `develop`: watched paths and actions (the paths' existence is checked on disk later).
    pub(super) fn develop(
        &mut self,
        spec: &WorkloadSpec,
        source: Option<&ImageSource>,
    ) -> Checked<Option<Develop>> {
        optional(spec.develop.as_ref(), |d| {
            let built = match source {
                Some(ImageSource::Build(b)) => Some(b),
                _ => None,
            };
            let mut ok = true;
            let mut watch = Vec::new();
            for w in &d.watch {
                match self.watch(w, built) {
                    Some(w) => watch.push(w),
                    None => ok = false,
                }
            }
            let mut command = None;
            if let Some(c) = &d.command {
                if c.get().is_empty() {
                    ok = false;
                    self.error(
                        Code::InvalidDevelop,
                        "`develop.command` cannot be empty",
                        c.span(),
                        "empty command",
                    );
                } else if self.exec_arguments("develop.command", c.span(), c.get()) {
                    command = Some(c.get().clone());
                } else {
                    ok = false;
                }
            }
            if ok && watch.is_empty() && command.is_none() {
                self.error(
                    Code::InvalidDevelop,
                    "`develop` has neither `watch` nor `command`",
                    d.span(),
                    "nothing to develop",
                );
                return None;
            }
            ok.then_some(Develop { watch, command })
        })
    }

    fn watch(
        &mut self,
        w: &Sp<crate::spec::WatchSpec>,
        built: Option<&crate::model::Build>,
    ) -> Option<Watch> {
        let action = match &w.action {
            None => WatchAction::Sync,
            Some(a) => {
                if let Some((_, action)) = WatchAction::ALL.iter().find(|(n, _)| n == a.get()) {
                    *action
                } else {
                    let names = WatchAction::ALL.map(|(n, _)| n);
                    self.push(
                        Diagnostic::error(
                            Code::InvalidDevelop,
                            format!("unknown watch action `{}`", a.get()),
                        )
                        .at(a.span(), "unknown action")
                        .suggest(a.get(), names.iter().copied())
                        .with_default_help(format!("actions: {}", names.join(", "))),
                    );
                    return None;
                }
            }
        };
        if let Err(why) = host_text(w.path.get()) {
            self.error(
                Code::InvalidDevelop,
                format!("watch path {why}"),
                w.path.span(),
                "invalid path",
            );
            return None;
        }
        if action == WatchAction::Rebuild && built.is_none() {
            self.push(
                Diagnostic::error(Code::InvalidDevelop, "`rebuild` needs a service that is built")
                    .at(w.action.as_ref().map_or(w.span(), Sp::span), "nothing to rebuild")
                    .help("`rebuild` builds the image again from `build`; for an `image`, use `sync` or `restart`"),
            );
            return None;
        }
        let target = match (&w.target, action.syncs()) {
            (Some(t), true) => match container_path(t.get()) {
                Ok(p) => Some(p),
                Err(why) => {
                    self.error(
                        Code::InvalidDevelop,
                        format!("watch target {why}"),
                        t.span(),
                        "not a container path",
                    );
                    return None;
                }
            },
            (Some(t), false) => {
                self.error(
                    Code::InvalidDevelop,
                    format!(
                        "`{}` copies nothing: `target` does not apply",
                        action.as_str()
                    ),
                    t.span(),
                    "not used",
                );
                return None;
            }
            (None, false) => None,
            (None, true) => {
                let Some(target) = built.and_then(|b| built_target(b, w.path.get())) else {
                    self.push(
                        Diagnostic::error(Code::InvalidDevelop, format!("`{}` needs a `target` in the container", action.as_str()))
                            .at(w.span(), "no target")
                            .help(if built.is_some() {
                                "stackc knows where sources are in the images it builds for node and python (`/app/…`, as in the build context); here, add `target = \"/path/in/container\"`, or `action = \"rebuild\"` for a compiled service"
                            } else {
                                "add `target = \"/path/in/container\"`: where the files are synced to"
                            }),
                    );
                    return None;
                };
                Some(target)
            }
        };
        let mut ignore = Vec::new();
        for pattern in &w.ignore {
            if pattern.get().is_empty() || pattern.get().chars().any(char::is_control) {
                self.error(
                    Code::InvalidDevelop,
                    "an ignore pattern is empty or holds a control character",
                    pattern.span(),
                    "invalid pattern",
                );
                return None;
            }
            ignore.push(pattern.get().clone());
        }
        Some(Watch {
            path: w.path.get().clone(),
            target,
            action,
            ignore,
            span: w.span(),
        })
    }
}

/// Where a path of a build context is in the image stackc builds from it: the same place under
/// `/app` for node and python (their images run the context's files from there); `None` for other
/// runtimes (they run what the build made) and paths outside the context.
fn built_target(build: &crate::model::Build, path: &str) -> Option<String> {
    // Interpreted runtimes run the context's files from `/app`; the others run what they built.
    if !matches!(build.runtime, Runtime::Node | Runtime::Python) {
        return None;
    }
    let norm = |p: &str| -> Option<Vec<String>> {
        let mut out: Vec<String> = Vec::new();
        for part in p.split('/') {
            match part {
                "" | "." => {}
                ".." => {
                    out.pop()?;
                }
                other => out.push(other.to_owned()),
            }
        }
        Some(out)
    };
    if path.starts_with('/') || build.context.starts_with('/') {
        return None;
    }
    let context = norm(&build.context)?;
    let path = norm(path)?;
    let rest = path.strip_prefix(context.as_slice())?;
    let mut target = BUILT_WORKDIR.to_owned();
    for part in rest {
        target.push('/');
        target.push_str(part);
    }
    container_path(&target).ok()
}

fn list_hint(names: &[&str]) -> String {
    if names.is_empty() {
        "; the spec defines none".into()
    } else {
        format!("; volumes here: {}", names.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn container_paths() {
        assert_eq!(container_path("/app/data/").unwrap(), "/app/data");
        for bad in [
            "data", "/", "/a//b", "/a/../b", "/a/./b", "/a:b", "/a,b", "/a\nb",
        ] {
            assert!(container_path(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn built_targets_follow_the_context() {
        let build = |context: &str, runtime| crate::model::Build {
            context: context.into(),
            runtime,
            version: None,
            command: None,
            output: None,
            entry: None,
            dockerfile: None,
        };
        let b = build("api", Runtime::Python);
        assert_eq!(built_target(&b, "./api/src").as_deref(), Some("/app/src"));
        assert_eq!(
            built_target(&b, "api").as_deref(),
            Some("/app"),
            "the whole context"
        );
        assert_eq!(built_target(&b, "web/src"), None);
        assert_eq!(
            built_target(&build(".", Runtime::Node), "src").as_deref(),
            Some("/app/src")
        );
        assert_eq!(
            built_target(&build("api", Runtime::Dockerfile), "api/src"),
            None
        );
        assert_eq!(
            built_target(&build("web", Runtime::Static), "web/src"),
            None
        );
    }
}
