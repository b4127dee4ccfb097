//! Writing artifacts, and `--check`: comparing what is on disk with what would be written.

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};

/// Relative path (with `/`) -> file contents. Sorted, so output order never depends on hashing.
pub type Artifacts = BTreeMap<String, String>;

#[derive(Debug, Default, PartialEq, Eq)]
pub struct WriteReport {
    pub written: Vec<String>,
    pub unchanged: Vec<String>,
    pub removed: Vec<String>,
}

/// A difference between the directory and the artifacts.
#[derive(Debug, PartialEq, Eq)]
pub enum Difference {
    Missing(String),
    Stale(String),
    Changed { path: String, diff: String },
}

/// Files currently under the owned folders, as relative paths.
fn existing(dir: &Path, folders: &[&str]) -> io::Result<Vec<String>> {
    let mut out = Vec::new();
    for folder in folders {
        let root = dir.join(folder);
        if root.is_dir() {
            collect(&root, &mut out)?;
        }
    }
    let mut rel: Vec<String> = out
        .into_iter()
        .filter_map(|p| {
            p.strip_prefix(dir).ok().map(|r| {
                r.components()
                    .map(|c| c.as_os_str().to_string_lossy())
                    .collect::<Vec<_>>()
                    .join("/")
            })
        })
        .collect();
    rel.sort();
    Ok(rel)
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) -> io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect(&path, out)?;
        } else {
            out.push(path);
        }
    }
    Ok(())
}

/// Writes the artifacts under `dir`, leaving unchanged files untouched and removing stale files
/// from the folders the targets own.
///
/// # Errors
/// Any I/O error, with the path it happened on.
pub fn write(dir: &Path, folders: &[&str], artifacts: &Artifacts) -> io::Result<WriteReport> {
    let mut report = WriteReport::default();
    for (rel, contents) in artifacts {
        let path = dir.join(rel);
        if std::fs::read(&path).is_ok_and(|old| old == contents.as_bytes()) {
            report.unchanged.push(rel.clone());
            continue;
        }
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| with_path(&e, parent))?;
        }
        std::fs::write(&path, contents).map_err(|e| with_path(&e, &path))?;
        report.written.push(rel.clone());
    }
    for rel in existing(dir, folders)? {
        if !artifacts.contains_key(&rel) {
            let path = dir.join(&rel);
            std::fs::remove_file(&path).map_err(|e| with_path(&e, &path))?;
            report.removed.push(rel);
        }
    }
    Ok(report)
}

/// Compares `dir` with the artifacts without writing anything.
///
/// # Errors
/// Any I/O error other than a missing file.
pub fn check(dir: &Path, folders: &[&str], artifacts: &Artifacts) -> io::Result<Vec<Difference>> {
    let mut out = Vec::new();
    for (rel, contents) in artifacts {
        let path = dir.join(rel);
        match std::fs::read_to_string(&path) {
            Ok(old) if old == *contents => {}
            Ok(old) => out.push(Difference::Changed {
                path: rel.clone(),
                diff: unified_diff(rel, &old, contents),
            }),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                out.push(Difference::Missing(rel.clone()));
            }
            Err(e) => return Err(with_path(&e, &path)),
        }
    }
    for rel in existing(dir, folders)? {
        if !artifacts.contains_key(&rel) {
            out.push(Difference::Stale(rel));
        }
    }
    Ok(out)
}

fn unified_diff(rel: &str, old: &str, new: &str) -> String {
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{rel}"), &format!("b/{rel}"))
        .to_string()
}

fn with_path(e: &io::Error, path: &Path) -> io::Error {
    io::Error::new(e.kind(), format!("{}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn artifacts(items: &[(&str, &str)]) -> Artifacts {
        items
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn writes_then_checks_clean_then_detects_drift() {
        let dir = tempfile::tempdir().unwrap();
        let a = artifacts(&[
            ("compose/compose.yaml", "a: 1\n"),
            ("compose/nginx.conf", "x\n"),
        ]);
        let report = write(dir.path(), &["compose"], &a).unwrap();
        assert_eq!(report.written.len(), 2);
        assert!(check(dir.path(), &["compose"], &a).unwrap().is_empty());

        let b = artifacts(&[("compose/compose.yaml", "a: 2\n")]);
        let diffs = check(dir.path(), &["compose"], &b).unwrap();
        assert!(
            matches!(&diffs[0], Difference::Changed { diff, .. } if diff.contains("-a: 1") && diff.contains("+a: 2"))
        );
        assert_eq!(diffs[1], Difference::Stale("compose/nginx.conf".into()));

        let report = write(dir.path(), &["compose"], &b).unwrap();
        assert_eq!(report.removed, vec!["compose/nginx.conf".to_owned()]);
        assert!(check(dir.path(), &["compose"], &b).unwrap().is_empty());
    }

    #[test]
    fn unowned_files_are_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("README"), "mine").unwrap();
        write(
            dir.path(),
            &["compose"],
            &artifacts(&[("compose/c.yaml", "x")]),
        )
        .unwrap();
        assert!(dir.path().join("README").exists());
    }
}
