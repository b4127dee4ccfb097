//! What a build does to each path of the output folder, decided before anything is touched; the
//! same decisions drive writing and `--check`, so the check reports exactly what a build would do.

use std::collections::BTreeMap;
use std::io;
use std::path::Path;

use super::manifest::{Entry, Manifest, sha256};
use super::safe_fs::{self, Unsafe};
use super::{Artifacts, Owner, Request};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Create,
    /// Replace a file stackc wrote (or, with `force`, any file at a generated path).
    Update {
        old: Vec<u8>,
    },
    Unchanged,
    /// A file stackc wrote that no target generates any more.
    Remove,
    /// Not done: the path is the user's, or unsafe. A refused write fails the build.
    Refuse(Refusal),
    /// A stale file left in place, with why (it is the user's from now on).
    Keep(Refusal),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    Unsafe(Unsafe),
    /// Exists, with other contents, and stackc has no record of writing it.
    NotOurs,
    /// stackc wrote it, and it was changed since.
    EditedByHand,
    /// The manifest records it for a target whose folder it is not in (or in a private folder):
    /// a manifest edited by hand never makes stackc delete a secret, the spec or the sources.
    NotItsFolder,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Unsafe(u) => u.fmt(f),
            Self::NotOurs => f.write_str(
                "exists and was not written by stackc (it is not in .stackc/manifest.json), so it is left alone; \
                 move it aside, or run `stackc build --force` to replace it",
            ),
            Self::NotItsFolder => f.write_str(
                "is listed in .stackc/manifest.json, but outside the folder of the target it is listed for, \
                 so stackc does not treat it as its own",
            ),
            Self::EditedByHand => f.write_str(
                "was changed by hand since stackc wrote it; keep your changes outside the generated files \
                 (for Compose, in compose.override.yaml), or run `stackc build --force` to replace it",
            ),
        }
    }
}

/// Every decision of one build, and the manifest the output folder has afterwards.
#[derive(Debug, Default)]
pub struct Decisions {
    /// By path, sorted.
    pub actions: BTreeMap<String, Action>,
    pub manifest: Manifest,
}

impl Decisions {
    pub fn refused(&self) -> impl Iterator<Item = (&String, &Refusal)> {
        self.actions.iter().filter_map(|(p, a)| match a {
            Action::Refuse(r) => Some((p, r)),
            _ => None,
        })
    }
}

/// Decides, for the rendered targets and the targets no longer configured (`retired`), what
/// happens to each path. Reads the disk; writes nothing.
pub fn decide(dir: &Path, previous: &Manifest, request: &Request) -> io::Result<Decisions> {
    let mut out = Decisions {
        manifest: previous.clone(),
        ..Decisions::default()
    };
    let mut wanted: BTreeMap<&str, &Artifacts> = BTreeMap::new();
    for r in &request.rendered {
        wanted.insert(r.owner.target, &r.artifacts);
        for (path, contents) in &r.artifacts {
            let action = decide_write(dir, previous, path, contents.as_bytes(), request.force)?;
            if !matches!(action, Action::Refuse(_)) {
                out.manifest.files.insert(
                    path.clone(),
                    Entry {
                        target: r.owner.target.to_owned(),
                        sha256: sha256(contents.as_bytes()),
                    },
                );
            }
            out.actions.insert(path.clone(), action);
        }
    }
    let owners: BTreeMap<&str, &Owner> = request
        .rendered
        .iter()
        .map(|r| &r.owner)
        .chain(&request.retired)
        .map(|o| (o.target, o))
        .collect();
    let private = request.private_folders();
    for (path, entry) in &previous.files {
        let still_wanted = wanted
            .get(entry.target.as_str())
            .is_some_and(|a| a.contains_key(path));
        // Targets outside this build (`--target compose` leaves the others' files) are not its business.
        let Some(owner) = owners.get(entry.target.as_str()) else {
            continue;
        };
        if still_wanted {
            continue;
        }
        out.manifest.files.remove(path);
        let action = if owner.may_own(path, &private) {
            decide_stale(dir, previous, path)?
        } else {
            Some(Action::Keep(Refusal::NotItsFolder))
        };
        if let Some(action) = action {
            out.actions.insert(path.clone(), action);
        }
    }
    Ok(out)
}

fn decide_write(
    dir: &Path,
    previous: &Manifest,
    path: &str,
    contents: &[u8],
    force: bool,
) -> io::Result<Action> {
    match safe_fs::inspect(dir, path) {
        Err(u) => Ok(Action::Refuse(Refusal::Unsafe(u))),
        Ok(false) => Ok(Action::Create),
        Ok(true) => {
            let old = safe_fs::read(dir, path)?;
            Ok(if old == contents {
                Action::Unchanged
            } else if force || previous.holds(path, &old) {
                Action::Update { old }
            } else if previous.files.contains_key(path) {
                Action::Refuse(Refusal::EditedByHand)
            } else {
                Action::Refuse(Refusal::NotOurs)
            })
        }
    }
}

/// `None` when the file is already gone. Never removes a file edited since stackc wrote it, not
/// even with `--force` (which replaces files; it does not delete the user's work).
fn decide_stale(dir: &Path, previous: &Manifest, path: &str) -> io::Result<Option<Action>> {
    Ok(match safe_fs::inspect(dir, path) {
        Err(u) => Some(Action::Keep(Refusal::Unsafe(u))),
        Ok(false) => None,
        Ok(true) => {
            let old = safe_fs::read(dir, path)?;
            Some(if previous.holds(path, &old) {
                Action::Remove
            } else {
                Action::Keep(Refusal::EditedByHand)
            })
        }
    })
}
