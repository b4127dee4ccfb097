//! Writing artifacts, and `--check`: comparing what is on disk with what would be written.
//!
//! stackc owns only the files it wrote, as recorded in `DIR/.stackc/manifest.json`: it overwrites or
//! removes a file only when the manifest lists it with the contents it still has. Every other file
//! (a `compose.override.yaml`, `compose/secrets/`, the spec itself) is left alone and named; no
//! symlink inside DIR is ever followed; files are replaced by rename, under a lock on DIR.

mod decide;
pub mod manifest;
mod safe_fs;

use std::collections::{BTreeMap, BTreeSet};
use std::io;
use std::path::Path;

pub use decide::{Action, Refusal};
use manifest::{LOCK_FILE, MANIFEST_FILE, Manifest, STATE_DIR};
use safe_fs::{Lock, Staged, with_path};

/// Relative path (with `/`) -> file contents. Sorted, so output order never depends on hashing.
pub type Artifacts = BTreeMap<String, String>;

/// A target, as the output folder knows it: where it writes, and what there is not its own.
#[derive(Debug, Clone)]
pub struct Owner {
    /// The target's name, recorded in the manifest.
    pub target: &'static str,
    /// The folder of DIR the target writes into; its unrecorded files are reported, never touched.
    pub folder: &'static str,
    /// Folders (relative to DIR) that hold the user's own files by design (Compose's `secrets/`):
    /// never written or removed, whatever the manifest says, and not even listed.
    pub private: Vec<String>,
}

impl Owner {
    /// Whether a path recorded for this target may be stackc's at all: inside the target's folder,
    /// outside every private folder. A manifest is a file in the user's folder, and may say anything.
    #[must_use]
    pub fn may_own(&self, path: &str, private: &[&str]) -> bool {
        path.strip_prefix(self.folder)
            .is_some_and(|rest| rest.starts_with('/') && rest.len() > 1)
            && !private.iter().any(|p| {
                path.strip_prefix(p)
                    .is_some_and(|rest| rest.starts_with('/'))
            })
    }
}

/// One target's files, for one build.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub owner: Owner,
    pub artifacts: Artifacts,
}

/// What one build asks of the output folder.
#[derive(Debug, Clone, Default)]
pub struct Request {
    pub rendered: Vec<Rendered>,
    /// Targets that are no longer configured: every file they wrote is stale.
    pub retired: Vec<Owner>,
    /// Replace generated files edited by hand, and files at generated paths stackc has no record of.
    pub force: bool,
}

impl Request {
    /// Every private folder of every target of this build.
    fn private_folders(&self) -> Vec<&str> {
        self.rendered
            .iter()
            .map(|r| &r.owner)
            .chain(&self.retired)
            .flat_map(|o| o.private.iter().map(String::as_str))
            .collect()
    }

    /// Every artifact of every rendered target, by path.
    fn contents(&self) -> BTreeMap<&str, &str> {
        self.rendered
            .iter()
            .flat_map(|r| r.artifacts.iter().map(|(p, c)| (p.as_str(), c.as_str())))
            .collect()
    }
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct WriteReport {
    pub written: Vec<String>,
    pub unchanged: Vec<String>,
    pub removed: Vec<String>,
    /// Stale files kept, with why.
    pub kept: Vec<(String, Refusal)>,
    /// Files in the targets' folders that are not stackc's, left alone.
    pub left_alone: Vec<String>,
}

/// Why nothing was written: each refused path and why.
#[derive(Debug)]
pub enum WriteError {
    Refused(Vec<(String, Refusal)>),
    Io(io::Error),
}

impl From<io::Error> for WriteError {
    fn from(e: io::Error) -> Self {
        Self::Io(e)
    }
}

/// A difference between the directory and the artifacts: what a build would do.
#[derive(Debug, PartialEq, Eq)]
pub enum Difference {
    Missing(String),
    Stale(String),
    Changed {
        path: String,
        diff: String,
    },
    /// A build would refuse this path (and so write nothing); `diff` shows how the file on disk
    /// differs from what stackc generates, when it is a file.
    Refused {
        path: String,
        why: Refusal,
        diff: Option<String>,
    },
}

fn load_manifest(dir: &Path) -> io::Result<Manifest> {
    let path = dir.join(STATE_DIR).join(MANIFEST_FILE);
    match safe_fs::inspect(dir, &format!("{STATE_DIR}/{MANIFEST_FILE}")) {
        Ok(false) => return Ok(Manifest::new()),
        Ok(true) => {}
        Err(u) => {
            return Err(io::Error::other(format!("{}: {u}", path.display())));
        }
    }
    let text = std::fs::read_to_string(&path).map_err(|e| with_path(&e, &path))?;
    Manifest::parse(&text).map_err(|e| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "{}: cannot read stackc's record of the files it wrote: {e}. Without it no file can be \
                 proven stackc's; delete it and run `stackc build --force` to take the generated paths back",
                path.display()
            ),
        )
    })
}

/// Writes the artifacts under `dir`: new and changed files by rename, unchanged ones untouched,
/// stale ones stackc wrote removed. If any path is refused, nothing at all is written.
///
/// # Errors
/// The refused paths, or an I/O error with the path it happened on.
pub fn write(dir: &Path, request: &Request) -> Result<WriteReport, WriteError> {
    ensure_folder(dir)?;
    let _lock = Lock::take(&dir.join(STATE_DIR), LOCK_FILE, false)?;
    let previous = load_manifest(dir)?;
    let decisions = decide::decide(dir, &previous, request)?;
    let refused: Vec<(String, Refusal)> = decisions
        .refused()
        .map(|(p, r)| (p.clone(), r.clone()))
        .collect();
    if !refused.is_empty() {
        return Err(WriteError::Refused(refused));
    }
    let contents = request.contents();
    // Stage every new file first: a failure here (a full disk) changes nothing on disk.
    let mut staged = Vec::new();
    let mut report = WriteReport::default();
    for (path, action) in &decisions.actions {
        match action {
            Action::Create | Action::Update { .. } => {
                staged.push(Staged::write(
                    dir,
                    path,
                    contents[path.as_str()].as_bytes(),
                )?);
                report.written.push(path.clone());
            }
            Action::Unchanged => report.unchanged.push(path.clone()),
            Action::Remove => report.removed.push(path.clone()),
            Action::Keep(why) => report.kept.push((path.clone(), why.clone())),
            Action::Refuse(_) => unreachable!("refusals returned above"),
        }
    }
    for file in staged {
        file.commit()?;
    }
    for path in &report.removed {
        safe_fs::remove(dir, path)?;
    }
    Staged::write(
        dir,
        &format!("{STATE_DIR}/{MANIFEST_FILE}"),
        decisions.manifest.render().as_bytes(),
    )?
    .commit()?;
    report.left_alone = unowned(dir, request, &decisions.manifest);
    Ok(report)
}

fn ensure_folder(dir: &Path) -> io::Result<()> {
    match std::fs::metadata(dir) {
        Ok(m) if m.is_dir() => Ok(()),
        Ok(_) => Err(io::Error::other(format!(
            "{} is not a folder",
            dir.display()
        ))),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            std::fs::create_dir_all(dir).map_err(|e| with_path(&e, dir))
        }
        Err(e) => Err(with_path(&e, dir)),
    }
}

/// Compares `dir` with the artifacts without writing anything: the differences a build would make.
///
/// # Errors
/// An I/O error other than a missing file.
pub fn check(dir: &Path, request: &Request) -> io::Result<Vec<Difference>> {
    // Read under a shared lock when a build may be writing; a folder never built needs none.
    let _lock = if dir.join(STATE_DIR).is_dir() {
        Some(Lock::take(&dir.join(STATE_DIR), LOCK_FILE, true)?)
    } else {
        None
    };
    let previous = match std::fs::metadata(dir) {
        Ok(m) if m.is_dir() => load_manifest(dir)?,
        Ok(_) => {
            return Err(io::Error::other(format!(
                "{} is not a folder",
                dir.display()
            )));
        }
        Err(_) => Manifest::new(),
    };
    let decisions = decide::decide(dir, &previous, request)?;
    let contents = request.contents();
    let mut out = Vec::new();
    for (path, action) in decisions.actions {
        match action {
            Action::Create => out.push(Difference::Missing(path)),
            Action::Update { old } => {
                let diff = unified_diff(
                    &path,
                    &String::from_utf8_lossy(&old),
                    contents[path.as_str()],
                );
                out.push(Difference::Changed { path, diff });
            }
            Action::Remove => out.push(Difference::Stale(path)),
            Action::Refuse(why) => {
                let diff = match &why {
                    Refusal::Unsafe(_) | Refusal::NotItsFolder => None,
                    Refusal::NotOurs | Refusal::EditedByHand => {
                        safe_fs::read(dir, &path).ok().map(|old| {
                            unified_diff(
                                &path,
                                &String::from_utf8_lossy(&old),
                                contents[path.as_str()],
                            )
                        })
                    }
                };
                out.push(Difference::Refused { path, why, diff });
            }
            Action::Unchanged | Action::Keep(_) => {}
        }
    }
    Ok(out)
}

/// Files (and symlinks) in the rendered targets' folders that stackc does not own, for the report.
/// Walks without following symlinks; skips the targets' private folders.
fn unowned(dir: &Path, request: &Request, manifest: &Manifest) -> Vec<String> {
    let private: BTreeSet<&str> = request.private_folders().into_iter().collect();
    let mut out = Vec::new();
    let mut pending: Vec<String> = request
        .rendered
        .iter()
        .map(|r| r.owner.folder.to_owned())
        .collect();
    while let Some(rel) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(dir.join(&rel)) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let child = format!("{rel}/{name}");
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_dir() {
                if !private.contains(child.as_str()) {
                    pending.push(child);
                }
            } else if !manifest.files.contains_key(&child) {
                out.push(child);
            }
        }
    }
    out.sort();
    out
}

fn unified_diff(rel: &str, old: &str, new: &str) -> String {
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{rel}"), &format!("b/{rel}"))
        .to_string()
}

#[cfg(test)]
mod tests;
