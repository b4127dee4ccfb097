//! Secrets never reach an image: the generated ignore files exclude stackc's output folder (and every
//! stackc secrets folder) from a build context that contains it. Checked by reading the ignore file with
//! the rules of Docker's reader (moby/patternmatcher), not by running docker.

use std::path::Path;
use std::process::Command;

const SPEC: &str = r#"
[stack]
name = "t"

[services.api]
build = { context = ".", runtime = "python" }
port = 8000
env = { DATABASE_URL = "${resources.db.url}" }

[resources.db]
type = "postgres"
"#;

fn build(dir: &Path, out: &str) {
    let status = Command::new(env!("CARGO_BIN_EXE_stackc"))
        .args(["build", "stack.toml", "-o", out])
        .current_dir(dir)
        .status()
        .expect("stackc runs");
    assert!(status.success(), "build -o {out} failed");
}

fn touch(dir: &Path, file: &str) {
    let path = dir.join(file);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, "x").unwrap();
}

/// The patterns of a `.dockerignore` as Docker reads them: comments dropped, lines trimmed, cleaned,
/// a leading `/` removed.
fn patterns(text: &str) -> Vec<String> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| {
            let clean = l.trim_end_matches('/');
            clean.strip_prefix('/').unwrap_or(clean).to_owned()
        })
        .collect()
}

/// Whether Docker leaves `path` (relative to the context, `/`-separated) out: a pattern matches it or
/// one of its parent folders. None of the patterns here negate.
fn excluded(patterns: &[String], path: &str) -> bool {
    let segments: Vec<&str> = path.split('/').collect();
    patterns.iter().any(|p| {
        let pattern: Vec<&str> = p.split('/').collect();
        (1..=segments.len()).any(|n| matches(&pattern, &segments[..n]))
    })
}

fn matches(pattern: &[&str], path: &[&str]) -> bool {
    match (pattern.first(), path.first()) {
        (None, None) => true,
        (Some(&"**"), _) => {
            matches(&pattern[1..], path) || (!path.is_empty() && matches(pattern, &path[1..]))
        }
        (Some(p), Some(s)) => {
            segment(
                &p.chars().collect::<Vec<_>>(),
                &s.chars().collect::<Vec<_>>(),
            ) && matches(&pattern[1..], &path[1..])
        }
        _ => false,
    }
}

/// One path segment against one pattern segment: `*`, `?`, `[…]` (single characters) and `\` escapes.
fn segment(p: &[char], s: &[char]) -> bool {
    match p.first() {
        None => s.is_empty(),
        Some('*') => (0..=s.len()).any(|i| segment(&p[1..], &s[i..])),
        Some('?') => !s.is_empty() && segment(&p[1..], &s[1..]),
        Some('\\') => p.len() > 1 && s.first() == Some(&p[1]) && segment(&p[2..], &s[1..]),
        Some('[') => {
            let close = p.iter().position(|c| *c == ']').expect("class closes");
            !s.is_empty() && p[1..close].contains(&s[0]) && segment(&p[close + 1..], &s[1..])
        }
        Some(c) => s.first() == Some(c) && segment(&p[1..], &s[1..]),
    }
}

#[test]
fn ignore_files_exclude_the_output_folder_inside_the_build_context() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(root.join("stack.toml"), SPEC).unwrap();
    touch(root, "main.py");
    touch(root, "app/secrets/__init__.py"); // an application package named `secrets` is kept
    touch(root, "old/compose/secrets/db-password"); // the output of an earlier `-o old`
    build(root, "dist");
    touch(root, "dist/compose/secrets/db-password");

    let ignore = std::fs::read_to_string(root.join("dist/dockerfiles/api/.dockerignore")).unwrap();
    let beside =
        std::fs::read_to_string(root.join("dist/dockerfiles/api/Dockerfile.dockerignore")).unwrap();
    assert_eq!(ignore, beside);
    assert!(
        !ignore.contains(&*root.to_string_lossy()),
        "no absolute path:\n{ignore}"
    );
    let p = patterns(&ignore);
    for out in [
        "dist/compose/secrets/db-password",
        "dist/compose/compose.yaml",
        "old/compose/secrets/db-password",
    ] {
        assert!(excluded(&p, out), "{out} reaches the image:\n{ignore}");
    }
    for kept in ["main.py", "app/secrets/__init__.py", "distribution/x.py"] {
        assert!(!excluded(&p, kept), "{kept} is left out:\n{ignore}");
    }
}

#[test]
fn output_folder_names_are_matched_literally() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(root.join("stack.toml"), SPEC).unwrap();
    let out = "!gen [x]*";
    build(root, out);
    let ignore =
        std::fs::read_to_string(root.join(out).join("dockerfiles/api/.dockerignore")).unwrap();
    let p = patterns(&ignore);
    assert!(
        excluded(&p, "!gen [x]*/compose/secrets/db-password"),
        "{ignore}"
    );
    assert!(
        excluded(&p, "!gen [x]*/dockerfiles/api/Dockerfile"),
        "{ignore}"
    );
    for kept in ["!gen [x]yz/app.py", "!gen x/app.py", "gen [x]*/app.py"] {
        assert!(!excluded(&p, kept), "{kept} is left out:\n{ignore}");
    }
}
