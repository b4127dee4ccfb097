//! The JSON Schema checked by a real TOML schema validator (taplo, from scripts/install-tools).

mod common;

use std::process::Command;

fn taplo_check(taplo: &std::path::Path, files: &[std::path::PathBuf]) -> std::process::Output {
    let schema = format!(
        "file://{}",
        common::root().join("schemas/stack.schema.json").display()
    );
    Command::new(taplo)
        .arg("check")
        .arg("--schema")
        .arg(schema)
        .args(files)
        .output()
        .unwrap()
}

#[test]
fn taplo_accepts_every_valid_spec_and_rejects_unknown_fields() {
    let Some(taplo) = common::tool("taplo") else {
        common::skip_or_fail("taplo is not installed; run scripts/install-tools");
        return;
    };
    let specs = common::valid_specs();
    let out = taplo_check(&taplo, &specs);
    assert!(
        out.status.success(),
        "taplo rejected a valid spec:\n{}",
        common::text(&out.stderr)
    );

    for bad in [
        "unknown-field-service",
        "unknown-field-overlay",
        "invalid-port-zero",
        "missing-field-resource-type",
    ] {
        let out = taplo_check(
            &taplo,
            &[common::root().join(format!("tests/invalid/{bad}.toml"))],
        );
        assert!(
            !out.status.success(),
            "taplo accepted tests/invalid/{bad}.toml"
        );
    }
}
