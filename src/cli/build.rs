use std::path::Path;

use super::{DiagnosticFormat, SpecArgs, TargetArg, exit, report};
use crate::compile;
use crate::output::{self, Artifacts, Difference};
use crate::targets::{self, RenderContext, Target};

pub fn run(args: &SpecArgs, target: TargetArg, out: &Path, check: bool) -> u8 {
    let selected = match select(target) {
        Ok(t) => t,
        Err(message) => {
            eprintln!("error: {message}");
            return exit::FAILED;
        }
    };
    let source = match report::read(args, DiagnosticFormat::Human) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let outcome = match compile::compile(&source, args.env.as_deref()) {
        Ok(o) => o,
        Err(e) => return report::usage(&e),
    };
    let compiled = match report::finish(&source, outcome, DiagnosticFormat::Human) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let context = RenderContext::new(&args.spec, out);
    let mut artifacts = Artifacts::new();
    let mut rendered = Vec::new();
    for t in selected {
        if let Some(why) = t.unconfigured(&compiled) {
            if target == TargetArg::All {
                eprintln!("note: {}: skipped, {why}", t.name());
                continue;
            }
            eprintln!(
                "error: the `{}` target cannot build this spec: {why}",
                t.name()
            );
            return exit::FAILED;
        }
        rendered.push(t);
        artifacts.extend(t.render(&compiled, &context));
        for note in t.notes(&compiled) {
            eprintln!("note: {note}");
        }
    }
    let folders: Vec<&str> = rendered.iter().map(|t| t.folder()).collect();
    if check {
        compare(out, &folders, &artifacts)
    } else {
        write(out, &folders, &artifacts)
    }
}

/// The targets `--target` names; naming one this build lacks is an error, never a silent no-op.
fn select(target: TargetArg) -> Result<Vec<&'static dyn Target>, String> {
    let available = targets::available();
    let wanted = match target {
        TargetArg::All => return Ok(available),
        TargetArg::Compose => "compose",
        TargetArg::Dockerfile => "dockerfile",
        TargetArg::Kubernetes => "kubernetes",
        TargetArg::Ecs => "ecs",
    };
    available
        .into_iter()
        .find(|t| t.name() == wanted)
        .map(|t| vec![t])
        .ok_or_else(|| {
            format!("the `{wanted}` target is not implemented in this version of stackc")
        })
}

fn write(out: &Path, folders: &[&str], artifacts: &Artifacts) -> u8 {
    match output::write(out, folders, artifacts) {
        Ok(r) => {
            eprintln!(
                "{}: {} written, {} unchanged, {} removed",
                out.display(),
                r.written.len(),
                r.unchanged.len(),
                r.removed.len()
            );
            exit::OK
        }
        Err(e) => {
            eprintln!("error: {e}");
            exit::FAILED
        }
    }
}

fn compare(out: &Path, folders: &[&str], artifacts: &Artifacts) -> u8 {
    match output::check(out, folders, artifacts) {
        Ok(diffs) if diffs.is_empty() => {
            eprintln!("{}: up to date ({} files)", out.display(), artifacts.len());
            exit::OK
        }
        Ok(diffs) => {
            for d in &diffs {
                match d {
                    Difference::Missing(p) => println!("missing: {p}"),
                    Difference::Stale(p) => println!("stale (would be removed): {p}"),
                    Difference::Changed { diff, .. } => print!("{diff}"),
                }
            }
            eprintln!(
                "error: {} differs from the spec in {} files; run `stackc build` to update",
                out.display(),
                diffs.len()
            );
            exit::FAILED
        }
        Err(e) => {
            eprintln!("error: {e}");
            exit::FAILED
        }
    }
}
