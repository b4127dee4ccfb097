//! Coverage-guided fuzzing of the whole pipeline: any bytes as a spec -> parse -> validate (every
//! environment) -> render both diagnostic formats -> render every target -> read every artifact
//! back as its consumers do (YAML 1.1 and 1.2 must agree; JSON must parse; the model's env is in
//! compose.yaml as strings). A panic or a disagreement is a finding.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stackc::compile;
use stackc::diagnostics::{render_human, render_json};
use stackc::source::SourceFile;
use stackc::targets::RenderContext;

#[path = "../../tests/support/artifact_oracle.rs"]
mod artifact_oracle;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let source = SourceFile::new("fuzz.toml", text);
    let Ok(outcome) = compile::check(&source, None) else {
        return;
    };
    let _ = render_json(&source, &outcome.diagnostics);
    let _ = render_human(&source, &outcome.diagnostics, false);
    let Some(compiled) = outcome.compiled else {
        return;
    };
    // A folder that does not exist: nothing depends on the machine's files.
    let context = RenderContext::new(
        std::path::Path::new("/nonexistent-fuzz/stack.toml"),
        std::path::Path::new("/nonexistent-fuzz/dist"),
    );
    let mut artifacts = stackc::output::Artifacts::new();
    for target in stackc::targets::available() {
        if target.unconfigured(&compiled).is_none() && target.unsupported(&compiled).is_empty() {
            artifacts.extend(target.render(&compiled, &context));
        }
        let _ = target.notes(&compiled);
    }
    let problems = artifact_oracle::problems(&compiled, &artifacts);
    assert!(problems.is_empty(), "{problems:#?}");
});
