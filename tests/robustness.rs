//! Inputs and environments that used to crash stackc (exit 101/134) instead of a clear answer:
//! each test reproduces one finding of the "nothing lost, nothing leaked" review.

mod common;

use std::fmt::Write as _;
use std::process::{Command, Stdio};

use common::{stackc, text};

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_stackc"));
    c.current_dir(common::root());
    c
}

fn spec_file(dir: &tempfile::TempDir, text: &str) -> String {
    let path = dir.path().join("stack.toml");
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_owned()
}

fn no_panic(out: &std::process::Output) {
    let stderr = text(&out.stderr);
    assert!(
        !stderr.contains("panicked") && !stderr.contains("overflowed its stack"),
        "{stderr}"
    );
    assert!(
        matches!(out.status.code(), Some(0..=2)),
        "{:?}: {stderr}",
        out.status
    );
}

#[test]
fn a_closed_stdout_ends_quietly() {
    for args in [
        vec!["graph", "examples/shop/stack.toml"],
        vec!["schema"],
        vec!["check", "examples/shop/stack.toml", "--format", "json"],
        vec!["completions", "bash"],
    ] {
        let mut child = bin()
            .args(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // The reader goes away before stackc writes.
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        no_panic(&out);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: {}",
            text(&out.stderr)
        );
    }
}

#[cfg(target_os = "linux")]
#[test]
fn a_full_disk_is_an_error_not_a_panic() {
    let full = std::fs::File::create("/dev/full").unwrap();
    let out = bin().arg("schema").stdout(full).output().unwrap();
    no_panic(&out);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("cannot write to standard output"));
    // Diagnostics to a full stderr: the exit code still tells.
    let full = std::fs::File::create("/dev/full").unwrap();
    let out = bin()
        .args(["check", "tests/invalid/invalid-port-zero.toml"])
        .stderr(full)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn diagnostics_past_column_65535_render() {
    let dir = tempfile::tempdir().unwrap();
    let long = "x".repeat(70_000);
    let spec = spec_file(
        &dir,
        &format!(
            "[stack]\nname = \"x\"\n[services.a]\nimage = \"nginx:1\"\nenv = {{ A = \"{long}\", \"b-c\" = \"1\" }}\n"
        ),
    );
    let out = stackc(&["check", &spec]);
    no_panic(&out);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("stack.toml:5:70017"), "{stderr}");
    assert!(stderr.len() < 4_000, "an excerpt, not the whole line");
}

#[test]
fn columns_count_characters_after_a_bom_and_on_non_ascii_lines() {
    let dir = tempfile::tempdir().unwrap();
    let spec = spec_file(
        &dir,
        "\u{feff}[stack]\nname = \"x\"\ndescription = \"ééé\"\n[services.a]\nimage = \"nginx:1\"\nenv = { \"é\" = \"1\", \"b-c\" = \"1\" }\n",
    );
    let human = text(&stackc(&["check", &spec]).stderr);
    let json: serde_json::Value =
        serde_json::from_str(&text(&stackc(&["check", &spec, "--format", "json"]).stdout)).unwrap();
    let columns: Vec<String> = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| format!("stack.toml:{}:{}", d["line"], d["column"]))
        .collect();
    assert_eq!(columns, ["stack.toml:6:9", "stack.toml:6:20"], "{json:#}");
    for at in &columns {
        assert!(
            human.contains(at.as_str()),
            "human output agrees with JSON on {at}: {human}"
        );
    }
}

#[test]
fn a_100000_service_chain_and_cycle_check_without_overflow() {
    let dir = tempfile::tempdir().unwrap();
    let n = 100_000;
    let mut chain = String::from("[stack]\nname = \"chain\"\n");
    let mut cycle = chain.clone();
    for i in 0..n {
        let _ = write!(chain, "[services.s{i}]\nimage = \"nginx:1\"\n");
        if i + 1 < n {
            let _ = writeln!(chain, "depends_on = [\"s{}\"]", i + 1);
        }
        let _ = writeln!(
            cycle,
            "[services.s{i}]\nimage = \"nginx:1\"\ndepends_on = [\"s{}\"]",
            (i + 1) % n
        );
    }
    let out = stackc(&["check", &spec_file(&dir, &chain)]);
    no_panic(&out);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = stackc(&["check", &spec_file(&dir, &cycle)]);
    no_panic(&out);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("dependency cycle: s0 -> s1 -> s2"),
        "{}",
        &stderr[..500.min(stderr.len())]
    );
    assert!(stderr.contains("the first 32 of its 100000 edges are marked"));
}

#[test]
fn many_diagnostics_render_in_linear_time() {
    // 40,000 errors took 139 s (miette rescanned the file per diagnostic); now well under that even
    // in a debug build. A loose bound: this is a regression test, not a benchmark.
    let dir = tempfile::tempdir().unwrap();
    let env: Vec<String> = (0..20_000)
        .map(|i| format!("\"bad-{i}\" = \"x\""))
        .collect();
    let spec = spec_file(
        &dir,
        &format!(
            "[stack]\nname = \"e\"\n[services.a]\nimage = \"nginx:1\"\nenv = {{ {} }}\n",
            env.join(", ")
        ),
    );
    let start = std::time::Instant::now();
    let out = stackc(&["check", &spec]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("20000 errors"));
    assert!(start.elapsed().as_secs() < 60, "{:?}", start.elapsed());
}

#[test]
fn usage_errors_with_detailed_exitcode_exit_1() {
    // 2 means "changes pending" to the script that asked for detailed exit codes.
    let out = stackc(&[
        "plan",
        "examples/shop/stack.toml",
        "--detailed-exitcode",
        "--nope",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let out = stackc(&["plan", "examples/shop/stack.toml", "--nope"]);
    assert_eq!(out.status.code(), Some(2));
    let out = stackc(&["--help"]);
    assert_eq!(out.status.code(), Some(0));
}

/// A spec's file name is quoted in every generated header: a newline in it must not become a line
/// of `init-secrets.sh` (a command), `compose.yaml` (a key) or `nginx.conf` (a directive).
#[test]
fn a_spec_file_name_cannot_inject_lines() {
    let dir = tempfile::tempdir().unwrap();
    let src = common::root().join("examples/shop");
    for sub in ["api", "web"] {
        common::copy_dir(&src.join(sub), &dir.path().join(sub));
    }
    let name = "s\ntouch PWNED\n  injected: key\n#.toml";
    let spec = dir.path().join(name);
    std::fs::copy(src.join("stack.toml"), &spec).unwrap();
    let out_dir = dir.path().join("dist");
    let out = stackc(&[
        "build",
        spec.to_str().unwrap(),
        "-o",
        out_dir.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let mut checked = 0;
    for entry in walk(&out_dir) {
        let body = std::fs::read_to_string(&entry).unwrap();
        assert!(
            !body
                .lines()
                .any(|l| l == "touch PWNED" || l.trim() == "injected: key"),
            "{}:\n{body}",
            entry.display()
        );
        checked += 1;
    }
    assert!(checked > 10);
}

/// `build --check | head`: output stops when the reader goes away, the verdict does not.
#[test]
fn a_closed_stdout_keeps_the_commands_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().to_str().unwrap();
    assert!(
        stackc(&["build", "examples/shop/stack.toml", "-o", out_dir])
            .status
            .success()
    );
    std::fs::remove_file(dir.path().join("compose/compose.yaml")).unwrap();
    let mut child = bin()
        .args([
            "build",
            "examples/shop/stack.toml",
            "-o",
            out_dir,
            "--check",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    no_panic(&out);
    assert_eq!(
        out.status.code(),
        Some(1),
        "still out of date: {}",
        text(&out.stderr)
    );
}

#[test]
fn check_into_a_file_says_it_is_not_a_folder() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("dist");
    std::fs::write(&file, "x").unwrap();
    let out = stackc(&[
        "build",
        "examples/shop/stack.toml",
        "-o",
        file.to_str().unwrap(),
        "--check",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("is not a folder"),
        "{}",
        text(&out.stderr)
    );
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}
