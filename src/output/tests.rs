use std::fs;
use std::path::Path;

use super::manifest::Manifest;
use super::*;

fn artifacts(items: &[(&str, &str)]) -> Artifacts {
    items
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn owner(target: &'static str, folder: &'static str, private: &[&str]) -> Owner {
    Owner {
        target,
        folder,
        private: private.iter().map(|p| (*p).to_owned()).collect(),
    }
}

fn compose(items: &[(&str, &str)]) -> Request {
    Request {
        rendered: vec![Rendered {
            owner: owner("compose", "compose", &["compose/secrets"]),
            artifacts: artifacts(items),
        }],
        ..Request::default()
    }
}

fn refused(result: Result<WriteReport, WriteError>) -> Vec<(String, Refusal)> {
    match result {
        Err(WriteError::Refused(r)) => r,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn writes_then_checks_clean_then_detects_drift() {
    let dir = tempfile::tempdir().unwrap();
    let a = compose(&[
        ("compose/compose.yaml", "a: 1\n"),
        ("compose/nginx.conf", "x\n"),
    ]);
    let report = write(dir.path(), &a).unwrap();
    assert_eq!(report.written.len(), 2);
    assert!(check(dir.path(), &a).unwrap().is_empty());

    let b = compose(&[("compose/compose.yaml", "a: 2\n")]);
    let diffs = check(dir.path(), &b).unwrap();
    assert!(
        matches!(&diffs[0], Difference::Changed { diff, .. } if diff.contains("-a: 1") && diff.contains("+a: 2"))
    );
    assert_eq!(diffs[1], Difference::Stale("compose/nginx.conf".into()));

    let report = write(dir.path(), &b).unwrap();
    assert_eq!(report.removed, vec!["compose/nginx.conf".to_owned()]);
    assert!(check(dir.path(), &b).unwrap().is_empty());
}

/// The README flow: build, write the secrets, build again: the secrets are the user's.
#[test]
fn secrets_and_user_files_survive_rebuilds() {
    let dir = tempfile::tempdir().unwrap();
    let req = compose(&[("compose/compose.yaml", "a\n")]);
    write(dir.path(), &req).unwrap();
    fs::create_dir_all(dir.path().join("compose/secrets")).unwrap();
    fs::write(dir.path().join("compose/secrets/db-password"), "s3cret").unwrap();
    fs::write(dir.path().join("compose/compose.override.yaml"), "mine").unwrap();
    fs::write(dir.path().join("compose/stack.toml"), "[stack]").unwrap();
    let report = write(dir.path(), &compose(&[("compose/compose.yaml", "b\n")])).unwrap();
    assert!(report.removed.is_empty());
    assert_eq!(
        report.left_alone,
        vec!["compose/compose.override.yaml", "compose/stack.toml"],
        "named, and the private secrets folder is not even listed"
    );
    assert_eq!(
        fs::read_to_string(dir.path().join("compose/secrets/db-password")).unwrap(),
        "s3cret"
    );
    assert_eq!(
        fs::read_to_string(dir.path().join("compose/compose.override.yaml")).unwrap(),
        "mine"
    );
    assert!(dir.path().join("compose/stack.toml").exists());
}

#[test]
fn a_file_stackc_did_not_write_is_never_overwritten_without_force() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir_all(dir.path().join("compose")).unwrap();
    fs::write(dir.path().join("compose/compose.yaml"), "hand-written").unwrap();
    let req = compose(&[
        ("compose/compose.yaml", "gen\n"),
        ("compose/nginx.conf", "n\n"),
    ]);
    let why = refused(write(dir.path(), &req));
    assert_eq!(
        why,
        vec![("compose/compose.yaml".to_owned(), Refusal::NotOurs)]
    );
    assert_eq!(
        fs::read_to_string(dir.path().join("compose/compose.yaml")).unwrap(),
        "hand-written"
    );
    assert!(
        !dir.path().join("compose/nginx.conf").exists(),
        "a refused build writes nothing"
    );
    assert!(matches!(
        &check(dir.path(), &req).unwrap()[0],
        Difference::Refused { .. }
    ));

    let forced = Request { force: true, ..req };
    write(dir.path(), &forced).unwrap();
    assert_eq!(
        fs::read_to_string(dir.path().join("compose/compose.yaml")).unwrap(),
        "gen\n"
    );
}

#[test]
fn identical_files_are_adopted() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir_all(dir.path().join("compose")).unwrap();
    fs::write(dir.path().join("compose/compose.yaml"), "gen\n").unwrap();
    let report = write(dir.path(), &compose(&[("compose/compose.yaml", "gen\n")])).unwrap();
    assert_eq!(report.unchanged, vec!["compose/compose.yaml"]);
    write(dir.path(), &compose(&[("compose/compose.yaml", "gen 2\n")])).unwrap();
}

#[test]
fn edits_to_generated_files_are_not_lost() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        &compose(&[("compose/a", "1\n"), ("compose/b", "1\n")]),
    )
    .unwrap();
    fs::write(dir.path().join("compose/a"), "edited").unwrap();
    fs::write(dir.path().join("compose/b"), "edited").unwrap();
    // `a` is still generated: refused. `b` is stale and edited: kept, reported, the user's from now on.
    let why = refused(write(dir.path(), &compose(&[("compose/a", "2\n")])));
    assert_eq!(why, vec![("compose/a".to_owned(), Refusal::EditedByHand)]);
    fs::write(dir.path().join("compose/a"), "2\n").unwrap();
    let report = write(dir.path(), &compose(&[("compose/a", "2\n")])).unwrap();
    assert_eq!(
        report.kept,
        vec![("compose/b".to_owned(), Refusal::EditedByHand)]
    );
    assert_eq!(
        fs::read_to_string(dir.path().join("compose/b")).unwrap(),
        "edited"
    );
    let report = write(dir.path(), &compose(&[("compose/a", "2\n")])).unwrap();
    assert_eq!(report.left_alone, vec!["compose/b"]);
}

#[cfg(unix)]
#[test]
fn symlinks_are_never_followed() {
    use std::os::unix::fs::symlink;
    let dir = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    fs::write(outside.path().join("compose.yaml"), "theirs").unwrap();
    fs::write(outside.path().join("nginx.conf"), "theirs").unwrap();
    let out = dir.path().join("dist");
    write(
        &out,
        &compose(&[("compose/nginx.conf", "n\n"), ("compose/x/y", "n\n")]),
    )
    .unwrap();

    // A stale file behind a symlinked folder, and a link up to the parent: nothing there is touched.
    fs::remove_dir_all(out.join("compose/x")).unwrap();
    symlink(outside.path(), out.join("compose/x")).unwrap();
    symlink("..", out.join("compose/up")).unwrap();
    let report = write(&out, &compose(&[("compose/nginx.conf", "n\n")])).unwrap();
    assert!(matches!(&report.kept[..], [(p, Refusal::Unsafe(_))] if p == "compose/x/y"));
    assert!(report.left_alone.contains(&"compose/up".to_owned()));

    // A symlinked artifact is not written through.
    symlink(
        outside.path().join("compose.yaml"),
        out.join("compose/compose.yaml"),
    )
    .unwrap();
    let why = refused(write(&out, &compose(&[("compose/compose.yaml", "gen\n")])));
    assert!(matches!(
        &why[0].1,
        Refusal::Unsafe(safe_fs::Unsafe::Symlink(_))
    ));
    assert_eq!(
        fs::read_to_string(outside.path().join("compose.yaml")).unwrap(),
        "theirs"
    );
    assert_eq!(
        fs::read_to_string(outside.path().join("nginx.conf")).unwrap(),
        "theirs"
    );
    assert!(dir.path().join("dist").exists());
}

#[test]
fn retired_targets_lose_their_files_and_check_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let mut both = compose(&[("compose/compose.yaml", "c\n")]);
    both.rendered.push(Rendered {
        owner: owner("ecs", "ecs", &[]),
        artifacts: artifacts(&[("ecs/api.taskdef.json", "{}\n")]),
    });
    write(dir.path(), &both).unwrap();

    // Only compose built: the ECS files are not this build's business.
    let only_compose = compose(&[("compose/compose.yaml", "c\n")]);
    assert!(check(dir.path(), &only_compose).unwrap().is_empty());
    // ECS no longer configured: its files are stale.
    let retired = Request {
        retired: vec![owner("ecs", "ecs", &[])],
        ..only_compose
    };
    assert_eq!(
        check(dir.path(), &retired).unwrap(),
        vec![Difference::Stale("ecs/api.taskdef.json".into())]
    );
    let report = write(dir.path(), &retired).unwrap();
    assert_eq!(report.removed, vec!["ecs/api.taskdef.json"]);
}

#[test]
fn concurrent_builds_take_turns() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_path_buf();
    let threads: Vec<_> = (0..4)
        .map(|i| {
            let path = path.clone();
            std::thread::spawn(move || {
                for round in 0..10 {
                    let body = format!("{i}-{round}\n");
                    let files: Vec<(String, String)> = (0..5)
                        .map(|f| (format!("compose/f{f}"), body.clone()))
                        .collect();
                    let req = Request {
                        rendered: vec![Rendered {
                            owner: owner("compose", "compose", &[]),
                            artifacts: files.into_iter().collect(),
                        }],
                        ..Request::default()
                    };
                    write(&path, &req).unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    // Every file is from one and the same build.
    let first = fs::read_to_string(path.join("compose/f0")).unwrap();
    for f in 1..5 {
        assert_eq!(
            fs::read_to_string(path.join(format!("compose/f{f}"))).unwrap(),
            first
        );
    }
}

#[test]
fn a_damaged_manifest_stops_the_build() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), &compose(&[("compose/a", "1\n")])).unwrap();
    fs::write(dir.path().join(".stackc/manifest.json"), "{").unwrap();
    assert!(matches!(
        write(dir.path(), &compose(&[("compose/a", "2\n")])),
        Err(WriteError::Io(_))
    ));
    assert_eq!(
        fs::read_to_string(dir.path().join("compose/a")).unwrap(),
        "1\n"
    );
}

#[test]
fn the_output_folder_may_not_be_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("dist");
    fs::write(&file, "x").unwrap();
    assert!(write(Path::new(&file), &compose(&[("compose/a", "1\n")])).is_err());
}

/// A manifest is a file in the user's folder: entries outside their target's folder, in a
/// private folder or in `.stackc/` never make stackc delete anything.
#[test]
fn a_crafted_manifest_cannot_delete_the_users_files() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), &compose(&[("compose/compose.yaml", "c\n")])).unwrap();
    fs::create_dir_all(dir.path().join("compose/secrets")).unwrap();
    let victims = [
        "compose/secrets/stripe-key",
        "NOTES.md",
        "stack.toml",
        ".stackc/lock",
        "compose",
    ];
    let mut manifest: Manifest =
        Manifest::parse(&fs::read_to_string(dir.path().join(".stackc/manifest.json")).unwrap())
            .unwrap();
    for v in &victims[..4] {
        let path = dir.path().join(v);
        if !path.exists() {
            fs::write(&path, "mine").unwrap();
        }
        let sha = manifest::sha256(&fs::read(&path).unwrap());
        manifest.files.insert(
            (*v).to_owned(),
            manifest::Entry {
                target: "compose".into(),
                sha256: sha,
            },
        );
    }
    fs::write(dir.path().join(".stackc/manifest.json"), manifest.render()).unwrap();
    let forced = Request {
        force: true,
        ..compose(&[("compose/compose.yaml", "c\n")])
    };
    let report = write(dir.path(), &forced).unwrap();
    assert!(report.removed.is_empty(), "{report:?}");
    assert_eq!(report.kept.len(), 4, "{report:?}");
    for v in &victims[..4] {
        assert!(dir.path().join(v).exists(), "{v}");
    }
}

#[test]
fn force_replaces_but_never_deletes_an_edited_stale_file() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        &compose(&[("compose/a", "1\n"), ("compose/b", "1\n")]),
    )
    .unwrap();
    fs::write(dir.path().join("compose/b"), "tuned").unwrap();
    let forced = Request {
        force: true,
        ..compose(&[("compose/a", "1\n")])
    };
    let report = write(dir.path(), &forced).unwrap();
    assert_eq!(
        report.kept,
        vec![("compose/b".to_owned(), Refusal::EditedByHand)]
    );
    assert_eq!(
        fs::read_to_string(dir.path().join("compose/b")).unwrap(),
        "tuned"
    );
}

#[cfg(unix)]
#[test]
fn a_symlinked_lock_is_not_followed() {
    let dir = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    fs::create_dir_all(dir.path().join(".stackc")).unwrap();
    std::os::unix::fs::symlink(
        outside.path().join("victim"),
        dir.path().join(".stackc/lock"),
    )
    .unwrap();
    assert!(write(dir.path(), &compose(&[("compose/a", "1\n")])).is_err());
    assert!(!outside.path().join("victim").exists());
}
