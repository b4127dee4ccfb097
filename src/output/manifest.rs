//! The record of what stackc wrote into an output folder: `DIR/.stackc/manifest.json`.
//!
//! It is how `build` knows which files are its own: only a file listed here, with the contents it
//! was written with, is ever overwritten or removed. Every other file in DIR is the user's. One typed
//! struct is both written and read, so writer and reader cannot disagree on its shape.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The folder in DIR holding stackc's bookkeeping (the manifest and the lock).
pub const STATE_DIR: &str = ".stackc";
pub const MANIFEST_FILE: &str = "manifest.json";
pub const LOCK_FILE: &str = "lock";

/// Bumped when the shape changes; a newer manifest than this stackc understands is refused
/// rather than misread.
pub const VERSION: u32 = 1;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub version: u32,
    /// Relative path (with `/`) -> what was written there. Sorted, so the file is deterministic.
    pub files: BTreeMap<String, Entry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// The target that owns the file (`compose`, `kubernetes`, ...).
    pub target: String,
    /// SHA-256 of the contents stackc wrote: a file whose contents differ was edited by hand.
    pub sha256: String,
}

impl Manifest {
    #[must_use]
    pub fn new() -> Self {
        Self {
            version: VERSION,
            files: BTreeMap::new(),
        }
    }

    /// Parses a manifest, refusing one this version cannot read.
    pub fn parse(text: &str) -> Result<Self, String> {
        let manifest: Self = serde_json::from_str(text).map_err(|e| e.to_string())?;
        if manifest.version > VERSION {
            return Err(format!(
                "it has version {}, newer than this stackc understands ({VERSION}); upgrade stackc",
                manifest.version
            ));
        }
        Ok(manifest)
    }

    #[must_use]
    pub fn render(&self) -> String {
        serde_json::to_string_pretty(self).expect("a manifest serializes") + "\n"
    }

    /// Whether `path` is recorded and still holds what stackc wrote.
    #[must_use]
    pub fn holds(&self, path: &str, contents: &[u8]) -> bool {
        self.files
            .get(path)
            .is_some_and(|e| e.sha256 == sha256(contents))
    }
}

#[must_use]
pub fn sha256(contents: &[u8]) -> String {
    let digest = Sha256::digest(contents);
    let mut hex = String::with_capacity(64);
    for byte in digest {
        let _ = write!(hex, "{byte:02x}");
    }
    hex
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_newer_versions() {
        let mut m = Manifest::new();
        m.files.insert(
            "compose/compose.yaml".into(),
            Entry {
                target: "compose".into(),
                sha256: sha256(b"x"),
            },
        );
        assert_eq!(Manifest::parse(&m.render()).unwrap(), m);
        assert!(m.holds("compose/compose.yaml", b"x"));
        assert!(!m.holds("compose/compose.yaml", b"y"));
        assert!(!m.holds("compose/other", b"x"));
        let newer = m.render().replace("\"version\": 1", "\"version\": 99");
        assert!(Manifest::parse(&newer).unwrap_err().contains("upgrade"));
    }

    #[test]
    fn known_digest() {
        assert_eq!(
            sha256(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
