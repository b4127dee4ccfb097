//! File operations that never follow a symlink inside the output folder and never leave a
//! half-written file: the only ways stackc touches the disk when writing artifacts.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Component, Path, PathBuf};

/// Why a relative artifact path cannot be used safely.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unsafe {
    /// Not a plain relative path (`..`, absolute, empty segments): a bug in a target.
    NotRelative,
    /// This prefix of the path (relative to DIR) is a symlink.
    Symlink(String),
    /// This prefix exists and is not a folder (or the path itself is a folder).
    NotAFile(String),
}

impl std::fmt::Display for Unsafe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NotRelative => f.write_str("is not a relative path inside the output folder"),
            Self::Symlink(at) => write!(
                f,
                "`{at}` is a symlink, and stackc never writes through one"
            ),
            Self::NotAFile(at) => write!(f, "`{at}` is in the way (not a plain file or folder)"),
        }
    }
}

/// Checks that `rel` is a plain relative path whose every existing prefix under `dir` is a real
/// folder (not a symlink), and whose last component, when it exists, is a regular file.
/// Returns whether the file exists.
pub fn inspect(dir: &Path, rel: &str) -> Result<bool, Unsafe> {
    let parts: Vec<&str> = rel.split('/').collect();
    let plain = parts.iter().all(|p| {
        !p.is_empty()
            && *p != "."
            && *p != ".."
            && matches!(Path::new(p).components().next(), Some(Component::Normal(_)))
            && Path::new(p).components().count() == 1
    });
    if !plain {
        return Err(Unsafe::NotRelative);
    }
    let mut path = dir.to_path_buf();
    for (i, part) in parts.iter().enumerate() {
        path.push(part);
        let shown = || parts[..=i].join("/");
        let meta = match fs::symlink_metadata(&path) {
            Ok(m) => m,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
            Err(_) => return Err(Unsafe::NotAFile(shown())),
        };
        let last = i + 1 == parts.len();
        if meta.file_type().is_symlink() {
            return Err(Unsafe::Symlink(shown()));
        }
        if (last && !meta.is_file()) || (!last && !meta.is_dir()) {
            return Err(Unsafe::NotAFile(shown()));
        }
    }
    Ok(true)
}

/// Reads a file that [`inspect`] found to exist.
pub fn read(dir: &Path, rel: &str) -> io::Result<Vec<u8>> {
    let path = dir.join(rel);
    fs::read(&path).map_err(|e| with_path(&e, &path))
}

/// A file written beside its destination, moved into place by [`Staged::commit`]: readers see the
/// old file or the new one, never a mix; a failure before the commit leaves the old file as it was.
#[derive(Debug)]
pub struct Staged {
    temp: PathBuf,
    dest: PathBuf,
}

impl Staged {
    /// Writes `contents` to a new temporary file next to `dir/rel`, creating missing folders
    /// (whose prefixes [`inspect`] has checked). Keeps the permissions of a file being replaced.
    pub fn write(dir: &Path, rel: &str, contents: &[u8]) -> io::Result<Self> {
        let dest = dir.join(rel);
        let parent = dest.parent().unwrap_or(dir);
        fs::create_dir_all(parent).map_err(|e| with_path(&e, parent))?;
        let name = dest
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let temp = parent.join(format!(".{name}.stackc-{}.tmp", std::process::id()));
        // A leftover of a killed run of this same process id is ours: it is never a user's file.
        match fs::symlink_metadata(&temp) {
            Ok(m) if m.is_file() => fs::remove_file(&temp).map_err(|e| with_path(&e, &temp))?,
            _ => {}
        }
        // `create_new` refuses an existing path, symlinks included, so the write cannot be
        // redirected; the default mode (0666 less the umask) matches a plain `fs::write`.
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)
            .map_err(|e| with_path(&e, &temp))?;
        let staged = Self { temp, dest };
        file.write_all(contents)
            .map_err(|e| with_path(&e, &staged.temp))?;
        if let Ok(old) = fs::symlink_metadata(&staged.dest)
            && old.is_file()
        {
            fs::set_permissions(&staged.temp, old.permissions())
                .map_err(|e| with_path(&e, &staged.temp))?;
        }
        Ok(staged)
    }

    /// Moves the file into place (an atomic rename on one file system).
    pub fn commit(self) -> io::Result<()> {
        fs::rename(&self.temp, &self.dest).map_err(|e| with_path(&e, &self.dest))?;
        std::mem::forget(self);
        Ok(())
    }
}

impl Drop for Staged {
    /// A staged file that was never committed is removed (a failed build leaves no litter).
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.temp);
    }
}

/// Removes a file [`inspect`] found to be a regular file, then the folders that removal left
/// empty, up to (not including) `dir`'s first-level target folder.
pub fn remove(dir: &Path, rel: &str) -> io::Result<()> {
    let path = dir.join(rel);
    fs::remove_file(&path).map_err(|e| with_path(&e, &path))?;
    let mut parts: Vec<&str> = rel.split('/').collect();
    parts.pop();
    while parts.len() > 1 {
        // Fails (and stops) on the first folder that still holds something: only empty ones go.
        if fs::remove_dir(dir.join(parts.join("/"))).is_err() {
            break;
        }
        parts.pop();
    }
    Ok(())
}

/// An exclusive lock on the output folder, held for a whole build, so that two builds into one
/// folder run one after the other instead of tripping over each other's files.
#[derive(Debug)]
pub struct Lock(#[allow(dead_code)] File);

impl Lock {
    /// Takes the lock, waiting for another build to finish. `shared` for readers (`--check`).
    pub fn take(state_dir: &Path, lock_file: &str, shared: bool) -> io::Result<Self> {
        if let Ok(meta) = fs::symlink_metadata(state_dir)
            && !meta.is_dir()
        {
            return Err(io::Error::other(format!(
                "{} is not a folder (a symlink or a file): stackc keeps its manifest there and will not follow it",
                state_dir.display()
            )));
        }
        fs::create_dir_all(state_dir).map_err(|e| with_path(&e, state_dir))?;
        let path = state_dir.join(lock_file);
        let mut options = OpenOptions::new();
        options.read(true).write(true).create(true).truncate(false);
        // A lock file that is a symlink would make stackc create or lock a file outside DIR.
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, libc::O_NOFOLLOW);
        let file = options.open(&path).map_err(|e| {
            if fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink()) {
                io::Error::other(format!(
                    "{} is a symlink: stackc locks the output folder there and will not follow it",
                    path.display()
                ))
            } else {
                with_path(&e, &path)
            }
        })?;
        if shared {
            file.lock_shared()
        } else {
            file.lock()
        }
        .map_err(|e| with_path(&e, &path))?;
        Ok(Self(file))
    }
}

pub fn with_path(e: &io::Error, path: &Path) -> io::Error {
    io::Error::new(e.kind(), format!("{}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_paths_only() {
        let dir = tempfile::tempdir().unwrap();
        for bad in ["", "/etc/passwd", "a/../b", "./a", "a//b", "a/"] {
            assert_eq!(inspect(dir.path(), bad), Err(Unsafe::NotRelative), "{bad}");
        }
        assert_eq!(inspect(dir.path(), "a/b"), Ok(false));
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_anywhere_on_the_path_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(outside.path(), dir.path().join("compose")).unwrap();
        assert_eq!(
            inspect(dir.path(), "compose/compose.yaml"),
            Err(Unsafe::Symlink("compose".into()))
        );
        fs::create_dir(dir.path().join("k")).unwrap();
        std::os::unix::fs::symlink(outside.path().join("x"), dir.path().join("k/a.yaml")).unwrap();
        assert_eq!(
            inspect(dir.path(), "k/a.yaml"),
            Err(Unsafe::Symlink("k/a.yaml".into()))
        );
    }

    #[test]
    fn staged_writes_replace_atomically_and_clean_up() {
        let dir = tempfile::tempdir().unwrap();
        let staged = Staged::write(dir.path(), "a/b.txt", b"new").unwrap();
        assert!(!dir.path().join("a/b.txt").exists());
        drop(staged);
        assert_eq!(fs::read_dir(dir.path().join("a")).unwrap().count(), 0);
        Staged::write(dir.path(), "a/b.txt", b"new")
            .unwrap()
            .commit()
            .unwrap();
        assert_eq!(fs::read(dir.path().join("a/b.txt")).unwrap(), b"new");
        assert_eq!(fs::read_dir(dir.path().join("a")).unwrap().count(), 1);
    }

    #[test]
    fn removing_prunes_only_empty_folders() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join("d/x")).unwrap();
        fs::write(dir.path().join("d/x/Dockerfile"), "x").unwrap();
        fs::write(dir.path().join("d/keep"), "x").unwrap();
        remove(dir.path(), "d/x/Dockerfile").unwrap();
        assert!(!dir.path().join("d/x").exists());
        assert!(dir.path().join("d/keep").exists());
    }
}
