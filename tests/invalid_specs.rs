//! The invalid-spec corpus: each file under tests/invalid/ breaks one rule and ends with the exact
//! diagnostics expected, as `# expect: <severity> <code> <line>:<column> <message>`.

mod common;

use std::collections::BTreeSet;

fn expectations(text: &str) -> BTreeSet<String> {
    text.lines()
        .filter_map(|l| l.strip_prefix("# expect: "))
        .map(str::to_owned)
        .collect()
}

fn actual(json: &str) -> BTreeSet<String> {
    let report: serde_json::Value =
        serde_json::from_str(json).expect("check --format json prints JSON");
    report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            let code = d["code"].as_str().unwrap().trim_start_matches("stackc::");
            format!(
                "{} {code} {}:{} {}",
                d["severity"].as_str().unwrap(),
                d["line"],
                d["column"],
                d["message"].as_str().unwrap()
            )
        })
        .collect()
}

#[test]
fn every_invalid_spec_reports_exactly_its_diagnostics() {
    let dir = common::root().join("tests/invalid");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(
        files.len() >= 40,
        "the corpus has {} specs; it should cover every rule",
        files.len()
    );
    let mut failures = Vec::new();
    for file in &files {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let expected = expectations(&std::fs::read_to_string(file).unwrap());
        assert!(
            expected.iter().any(|e| e.starts_with("error ")),
            "{name} expects no error"
        );

        let out = common::stackc(&["check", file.to_str().unwrap(), "--format", "json"]);
        if out.status.code() != Some(1) {
            failures.push(format!(
                "{name}: exit {:?}, expected 1\n{}",
                out.status.code(),
                common::text(&out.stderr)
            ));
            continue;
        }
        let got = actual(&common::text(&out.stdout));
        if got != expected {
            failures.push(format!("{name}:\n  expected {expected:#?}\n  got {got:#?}"));
        }
        // The human rendering must work too (and never panic).
        let human = common::stackc(&["check", file.to_str().unwrap()]);
        let stderr = common::text(&human.stderr);
        if human.status.code() != Some(1)
            || !stderr.contains("stackc::")
            || stderr.contains("panicked")
        {
            failures.push(format!(
                "{name}: human output broken (exit {:?}):\n{stderr}",
                human.status.code()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} specs failed:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
}
