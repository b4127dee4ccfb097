//! The output folder's ownership property: whatever is already in it (the user's files, secrets,
//! symlinks in and out, a file at a path stackc generates), `stackc build` never removes or changes a
//! file it did not write, and never touches anything outside the output folder.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

/// What is at a path, without following symlinks.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Entry {
    File(Vec<u8>),
    Link(PathBuf),
    Dir,
}

fn snapshot(root: &Path) -> BTreeMap<PathBuf, Entry> {
    let mut out = BTreeMap::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let rel = path.strip_prefix(root).unwrap().to_path_buf();
            let kind = entry.file_type().unwrap();
            if kind.is_symlink() {
                out.insert(rel, Entry::Link(fs::read_link(&path).unwrap()));
            } else if kind.is_dir() {
                out.insert(rel, Entry::Dir);
                pending.push(path);
            } else {
                out.insert(rel, Entry::File(fs::read(&path).unwrap()));
            }
        }
    }
    out
}

/// Paths a user plausibly has in an output folder, some of them paths stackc generates.
const PATHS: &[&str] = &[
    "compose/compose.yaml",
    "compose/compose.override.yaml",
    "compose/secrets/db-password",
    "compose/secrets/stripe-key",
    "compose/gateway/nginx.conf",
    "compose/gateway",
    "compose/init-secrets.sh",
    "compose/stack.toml",
    "kubernetes/patch.yaml",
    "kubernetes/kustomization.yaml",
    "kubernetes",
    "dockerfiles/api/Dockerfile",
    "dockerfiles/mine/Dockerfile",
    "dockerfiles/web",
    "ecs/api.taskdef.json",
    "ecs",
    "notes.txt",
    ".stackc",
];

#[derive(Debug, Clone)]
enum Seed {
    File(String),
    /// To a file, or a folder, outside the output folder.
    LinkOut(bool),
    /// To the output folder's parent.
    LinkUp,
}

fn seed() -> impl Strategy<Value = Seed> {
    prop_oneof![
        "[a-z ]{0,12}".prop_map(Seed::File),
        any::<bool>().prop_map(Seed::LinkOut),
        Just(Seed::LinkUp),
    ]
}

fn plant(out: &Path, outside: &Path, rel: &str, seed: &Seed) {
    let path = out.join(rel);
    if fs::symlink_metadata(&path).is_ok() {
        return;
    }
    // The planting itself must not go through a link planted before.
    let mut prefix = out.to_path_buf();
    for part in Path::new(rel)
        .parent()
        .into_iter()
        .flat_map(Path::components)
    {
        prefix.push(part);
        if fs::symlink_metadata(&prefix).is_ok_and(|m| !m.is_dir()) {
            return;
        }
    }
    // A parent that is already a file or a link: this seed has nowhere to go.
    if fs::create_dir_all(path.parent().unwrap()).is_err() {
        return;
    }
    let _ = match seed {
        Seed::File(text) => fs::write(&path, text),
        Seed::LinkOut(true) => symlink(outside.join("dir"), &path),
        Seed::LinkOut(false) => symlink(outside.join("file"), &path),
        Seed::LinkUp => symlink("..", &path),
    };
}

fn build(spec: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["build", spec.to_str().unwrap(), "-o", out.to_str().unwrap()];
    args.extend(extra);
    common::stackc(&args)
}

fn examples() -> Vec<PathBuf> {
    let mut specs: Vec<PathBuf> = fs::read_dir(common::root().join("examples"))
        .unwrap()
        .map(|e| e.unwrap().path().join("stack.toml"))
        .filter(|p| p.exists())
        .collect();
    specs.sort();
    specs
}

#[test]
fn build_never_touches_what_it_did_not_write() {
    let specs = examples();
    let strategy = (
        prop::collection::vec((0..PATHS.len(), seed()), 0..8),
        0..specs.len(),
        0..specs.len(),
        any::<bool>(),
    );
    let mut runner = TestRunner::new(Config {
        cases: 48,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&strategy, |(seeds, first, second, force)| {
            let root = tempfile::tempdir().unwrap();
            let out = root.path().join("dist");
            let outside = root.path().join("outside");
            fs::create_dir_all(outside.join("dir")).unwrap();
            fs::write(outside.join("dir/precious"), "keep").unwrap();
            fs::write(outside.join("file"), "keep").unwrap();
            fs::create_dir_all(&out).unwrap();
            for (i, s) in &seeds {
                plant(&out, &outside, PATHS[*i], s);
            }
            let before_out = snapshot(&out);
            let before_outside = snapshot(&outside);

            // Two builds of different specs: the second has stale files of the first to remove.
            build(&specs[first], &out, &[]);
            let flags: &[&str] = if force { &["--force"] } else { &[] };
            build(&specs[second], &out, flags);

            let after_out = snapshot(&out);
            for (path, entry) in &before_out {
                // A user's folder may gain files; everything the user had stays exactly as it was.
                if *entry == Entry::Dir {
                    prop_assert!(after_out.get(path) == Some(&Entry::Dir), "{path:?} lost");
                } else if force {
                    // --force may replace a file at a generated path, never a symlink.
                    if let Entry::Link(_) = entry {
                        prop_assert_eq!(after_out.get(path), Some(entry), "{:?}", path);
                    } else {
                        prop_assert!(after_out.contains_key(path), "{path:?} removed");
                    }
                } else {
                    prop_assert_eq!(after_out.get(path), Some(entry), "{:?} changed", path);
                }
            }
            prop_assert_eq!(snapshot(&outside), before_outside);
            let names: Vec<_> = fs::read_dir(root.path())
                .unwrap()
                .map(|e| e.unwrap().file_name())
                .collect();
            prop_assert_eq!(names.len(), 2, "nothing new beside the output folder");
            Ok(())
        })
        .unwrap();
}

/// The README flow, end to end through the binary: the secrets `init-secrets.sh` and the user
/// wrote survive a rebuild, and the database password stays the one the volume was made with.
#[test]
fn rebuilding_keeps_the_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let spec = common::root().join("examples/shop/stack.toml");
    assert!(build(&spec, dir.path(), &[]).status.success());
    let secrets = dir.path().join("compose/secrets");
    fs::create_dir_all(&secrets).unwrap();
    fs::write(secrets.join("stripe-key"), "sk_test").unwrap();
    fs::write(secrets.join("db-password"), "generated-once").unwrap();
    fs::write(
        dir.path().join("compose/compose.override.yaml"),
        "services: {}\n",
    )
    .unwrap();
    let again = build(&spec, dir.path(), &[]);
    assert!(again.status.success());
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert!(stderr.contains("0 removed"), "{stderr}");
    assert!(
        stderr.contains("left alone compose/compose.override.yaml"),
        "{stderr}"
    );
    assert_eq!(
        fs::read_to_string(secrets.join("stripe-key")).unwrap(),
        "sk_test"
    );
    assert_eq!(
        fs::read_to_string(secrets.join("db-password")).unwrap(),
        "generated-once"
    );
}

/// `stackc build compose/stack.toml -o .`: the spec sits in a folder stackc writes; it stays.
#[test]
fn the_spec_inside_the_output_folder_is_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let compose = dir.path().join("compose");
    fs::create_dir_all(&compose).unwrap();
    let spec = compose.join("stack.toml");
    fs::write(
        &spec,
        "[stack]\nname = \"solo\"\n\n[services.web]\nimage = \"nginx:1.27\"\nport = 80\n",
    )
    .unwrap();
    for _ in 0..2 {
        let out = build(&spec, dir.path(), &["--target", "compose"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert!(spec.exists());
}

/// A target no longer configured: `--check` reports its files, `build` removes them.
#[test]
fn files_of_an_unconfigured_target_are_stale() {
    let dir = tempfile::tempdir().unwrap();
    let spec_dir = tempfile::tempdir().unwrap();
    let spec = spec_dir.path().join("stack.toml");
    let base = "[stack]\nname = \"solo\"\n\n[services.web]\nimage = \"nginx:1.27\"\nport = 8080\n";
    fs::write(
        &spec,
        format!("{base}\n[targets.ecs]\nregion = \"eu-west-1\"\n"),
    )
    .unwrap();
    assert!(build(&spec, dir.path(), &[]).status.success());
    assert!(dir.path().join("ecs").exists());
    fs::write(&spec, base).unwrap();
    let check = build(&spec, dir.path(), &["--check"]);
    assert_eq!(check.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&check.stdout).contains("stale (would be removed): ecs/"));
    assert!(build(&spec, dir.path(), &[]).status.success());
    assert!(
        !dir.path().join("ecs").exists()
            || fs::read_dir(dir.path().join("ecs")).unwrap().count() == 0
    );
    assert!(build(&spec, dir.path(), &["--check"]).status.success());
}
