//! What mounts and watched paths name on disk, once the spec is otherwise valid: host paths and
//! configs must exist and lie in the project (the spec's folder) unless `outside_project = true`;
//! configs are read into the model here, so targets stay pure functions of it.

use std::ops::Range;
use std::path::{Path, PathBuf};

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::model::{Config, ConfigFile, Model, MountSource, Workload};

/// Checks host paths, reads configs, checks watched paths. `false` when an error was reported.
pub fn disk_paths(model: &mut Model, dir: &Path, diags: &mut Diagnostics) -> bool {
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let project = Project {
        dir,
        root: dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf()),
    };
    let mut ok = true;
    for w in model.services.values_mut().chain(model.jobs.values_mut()) {
        ok &= workload(w, &project, diags);
    }
    ok
}

/// The spec's folder as written (paths are joined to it) and resolved (they must stay below it).
struct Project<'a> {
    dir: &'a Path,
    root: PathBuf,
}

fn workload(w: &mut Workload, project: &Project<'_>, diags: &mut Diagnostics) -> bool {
    let mut ok = true;
    let label = w.label();
    for (target, mount) in &mut w.mounts {
        let (what, written) = match &mount.source {
            MountSource::Volume(_) => continue,
            MountSource::Host(p) => ("host path", p.clone()),
            MountSource::Config(c) => ("config", c.path.clone()),
        };
        let Some((found, resolved)) = located(
            &written,
            what,
            &format!("mounted at `{target}` by {label}"),
            mount.span.clone(),
            mount.outside_project,
            project,
            diags,
        ) else {
            ok = false;
            continue;
        };
        // From here on the path is the one checked: targets never resolve `..` and symlinks in an
        // order of their own (`inlink/../data` is not where a lexical `..` leads).
        match &mut mount.source {
            MountSource::Host(p) => p.clone_from(&resolved),
            MountSource::Config(c) => c.path.clone_from(&resolved),
            MountSource::Volume(_) => {}
        }
        if let MountSource::Config(config) = &mut mount.source {
            match read_config(&found) {
                Ok((folder, files)) => {
                    config.folder = folder;
                    config.files = files;
                    if config.size() > Config::MAX_BYTES {
                        ok = false;
                        diags.push(
                            Diagnostic::error(
                                Code::ConfigTooLarge,
                                format!(
                                    "the config `{}` holds {} bytes, more than the {} a config can (Kubernetes' ConfigMap limit)",
                                    written.escape_debug(),
                                    config.size(),
                                    Config::MAX_BYTES
                                ),
                            )
                            .at(mount.span.clone(), "too large for a config")
                            .help("configs are for configuration files; mount data from a volume, or (Compose) a host path with `host = …`"),
                        );
                    }
                }
                Err(why) => {
                    ok = false;
                    diags.push(
                        Diagnostic::error(
                            Code::MissingMountSource,
                            format!(
                                "the config `{}` cannot be read: {why}",
                                written.escape_debug()
                            ),
                        )
                        .at(mount.span.clone(), "unreadable config"),
                    );
                }
            }
        }
    }
    if let Some(develop) = &mut w.develop {
        for watch in &mut develop.watch {
            match located(
                &watch.path,
                "watched path",
                &format!("watched by {label}"),
                watch.span.clone(),
                false,
                project,
                diags,
            ) {
                Some((_, resolved)) => watch.path = resolved,
                None => ok = false,
            }
        }
    }
    ok
}

/// The path when it exists and is in the project (or may be outside it): absolute with symlinks
/// resolved, and as the targets write it (`./sub/dir` in the project, absolute outside it).
fn located(
    written: &str,
    what: &str,
    whose: &str,
    span: Range<usize>,
    outside_allowed: bool,
    project: &Project<'_>,
    diags: &mut Diagnostics,
) -> Option<(PathBuf, String)> {
    let path = project.dir.join(written);
    let Ok(real) = path.canonicalize() else {
        diags.push(
            Diagnostic::error(
                Code::MissingMountSource,
                format!("the {what} `{}` {whose} does not exist", written.escape_debug()),
            )
            .at(span, format!("no `{}`", crate::targets::normalize(&path).display()))
            .help("paths are relative to the spec file's folder; create it (an empty folder is enough), or fix the path"),
        );
        return None;
    };
    if !outside_allowed && !real.starts_with(&project.root) {
        let hint = if what == "watched path" {
            "watch paths inside the project"
        } else {
            "if that is meant, say so on the mount: `{ host = \"…\", outside_project = true }` (or `config = …`)"
        };
        diags.push(
            Diagnostic::error(
                Code::MountOutsideProject,
                format!(
                    "the {what} `{}` {whose} is outside the project (the spec's folder)",
                    written.escape_debug(),
                ),
            )
            .at(span, format!("`{}` is outside `{}`", real.display(), project.root.display()))
            .help(format!(
                "a spec reaching outside its folder (`..`, an absolute path, a symlink) exposes the machine's files to the containers; {hint}"
            )),
        );
        return None;
    }
    let text = match real.strip_prefix(&project.root) {
        Ok(inside) if inside.as_os_str().is_empty() => Some(".".to_owned()),
        Ok(inside) => inside.to_str().map(|p| format!("./{p}")),
        Err(_) => real.to_str().map(str::to_owned),
    };
    let Some(text) = text else {
        diags.push(
            Diagnostic::error(
                Code::InvalidMount,
                format!(
                    "the {what} `{}` {whose} is not UTF-8 once resolved",
                    written.escape_debug()
                ),
            )
            .at(span, format!("resolves to `{}`", real.display()))
            .help("Compose files and manifests are text: rename the folder"),
        );
        return None;
    };
    Some((real, text))
}

/// A config's files: one file, or every file below a folder (in path order). Symlinks inside a
/// folder are refused: they could pull in files from anywhere on the machine.
fn read_config(path: &Path) -> Result<(bool, Vec<ConfigFile>), String> {
    if path.is_file() {
        let contents = read_bounded(path)?;
        return Ok((
            false,
            vec![ConfigFile {
                path: String::new(),
                contents,
                executable: executable(path),
            }],
        ));
    }
    let mut files = Vec::new();
    let mut total = 0usize;
    let mut pending = vec![(path.to_path_buf(), String::new())];
    while let Some((folder, prefix)) = pending.pop() {
        let entries =
            std::fs::read_dir(&folder).map_err(|e| format!("{}: {e}", folder.display()))?;
        for entry in entries {
            let entry = entry.map_err(|e| e.to_string())?;
            let name = entry
                .file_name()
                .into_string()
                .map_err(|n| format!("the file name {} is not UTF-8", n.display()))?;
            // Kubernetes keeps names starting with `..` for its own use in ConfigMap volumes.
            if name.starts_with("..") {
                return Err(format!(
                    "`{name}` starts with `..`, which Kubernetes reserves in config volumes"
                ));
            }
            if name == ".stackc" {
                let folder = if prefix.is_empty() {
                    "the folder"
                } else {
                    &prefix
                };
                return Err(format!(
                    "{folder} holds `.stackc`: it is (or holds) a stackc output folder, whose secrets and artifacts a config would ship; mount a folder without it"
                ));
            }
            let rel = if prefix.is_empty() {
                name.clone()
            } else {
                format!("{prefix}/{name}")
            };
            let kind = entry.file_type().map_err(|e| e.to_string())?;
            if kind.is_symlink() {
                return Err(format!(
                    "`{rel}` is a symlink; a config folder holds files and folders only"
                ));
            } else if kind.is_dir() {
                pending.push((entry.path(), rel));
            } else if kind.is_file() {
                let contents = read_bounded(&entry.path())?;
                total += contents.len() + rel.len();
                files.push(ConfigFile {
                    path: rel,
                    contents,
                    executable: executable(&entry.path()),
                });
                // Stop reading early: the size is reported by the caller either way.
                if total > Config::MAX_BYTES {
                    break;
                }
            } else {
                return Err(format!("`{rel}` is not a regular file"));
            }
        }
        if total > Config::MAX_BYTES {
            break;
        }
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok((true, files))
}

fn executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o111 != 0)
}

/// Reads a file, but no more than one byte past the config limit.
fn read_bounded(path: &Path) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut contents = Vec::new();
    file.take(Config::MAX_BYTES as u64 + 1)
        .read_to_end(&mut contents)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(contents)
}
