//! One snapshot per example and environment of everything stackc generates for it: the graph and every
//! artifact of every available target. Review changes with `cargo insta review`.

mod common;

use std::fmt::Write as _;

use stackc::compile::{self, Compiled};
use stackc::source::SourceFile;
use stackc::targets::RenderContext;
use stackc::{graph, targets};
use std::path::Path;

/// Every file stackc would write for the spec, plus the graph, as one reviewable text.
fn bundle(compiled: &Compiled, spec: &str) -> String {
    // A fixed layout, so snapshots do not depend on where the repository is checked out.
    let context = RenderContext::new(&Path::new("/repo").join(spec), Path::new("/repo/dist"));
    let mut out = String::new();
    let _ = writeln!(
        out,
        "=== graph.json ===\n{}",
        graph::render_json(&compiled.model, &compiled.graph)
    );
    for target in targets::available() {
        let unsupported = target.unsupported(compiled);
        if !unsupported.is_empty() {
            // What `build` refuses to render, in its words: a mount the target cannot carry.
            let _ = writeln!(out, "=== {}: not built ===", target.name());
            for d in unsupported {
                let _ = writeln!(out, "{}: {}", d.code, d.message);
            }
            continue;
        }
        for (path, contents) in target.render(compiled, &context) {
            let _ = writeln!(out, "=== {path} ===\n{contents}");
        }
    }
    out
}

fn compile(source: &SourceFile, env: Option<&str>) -> Compiled {
    let outcome = compile::compile(source, env).expect("environment exists");
    outcome.compiled.unwrap_or_else(|| {
        panic!(
            "{} ({env:?}) does not compile: {:?}",
            source.display_name(),
            outcome.diagnostics
        )
    })
}

#[test]
fn examples() {
    let mut examples: Vec<_> = std::fs::read_dir(common::root().join("examples"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    examples.sort();
    for dir in examples {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let spec = dir.join("stack.toml");
        let source = SourceFile::new(
            format!("examples/{name}/stack.toml"),
            std::fs::read_to_string(&spec).unwrap(),
        );
        let envs = std::iter::once(None).chain(common::environments(&spec).into_iter().map(Some));
        for env in envs {
            let spec_path = format!("examples/{name}/stack.toml");
            let first = bundle(&compile(&source, env.as_deref()), &spec_path);
            // Determinism: a second compilation gives byte-identical output.
            assert_eq!(
                first,
                bundle(&compile(&source, env.as_deref()), &spec_path),
                "{name} {env:?} is not deterministic"
            );
            let snapshot = match &env {
                Some(e) => format!("{name}@{e}"),
                None => name.clone(),
            };
            insta::with_settings!({ snapshot_path => common::root().join("snapshots"), prepend_module_to_snapshot => false, omit_expression => true }, {
                insta::assert_snapshot!(snapshot, first);
            });
        }
    }
}
