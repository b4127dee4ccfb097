use std::path::Path;

use super::{DiagnosticFormat, SpecArgs, TargetArg, exit, report};
use crate::compile;
use crate::diagnostics::{Diagnostic, Severity};
use crate::output::{self, Difference, Owner, Rendered, Request, WriteError};
use crate::targets::{self, RenderContext, Target};
use crate::{say, say_raw, tell};

/// How `build` treats the output folder.
#[derive(Debug, Clone, Copy)]
pub struct Mode {
    /// Compare only (`--check`).
    pub check: bool,
    /// Replace generated files edited by hand (`--force`).
    pub force: bool,
}

pub fn run(args: &SpecArgs, target: TargetArg, out: &Path, mode: Mode) -> u8 {
    let selected = match select(target) {
        Ok(t) => t,
        Err(message) => {
            tell!("error: {message}");
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
    let refused = targets::mount_limits::output_in_configs(&compiled, &context);
    if !refused.is_empty() {
        report::print(&source, &refused, DiagnosticFormat::Human);
        return exit::FAILED;
    }
    let mut request = Request {
        force: mode.force,
        ..Request::default()
    };
    // What each target cannot carry, asked once; rendered side by side first; reported and
    // requested below in target order.
    let unsupported: Vec<Vec<Diagnostic>> =
        selected.iter().map(|t| t.unsupported(&compiled)).collect();
    let configured: Vec<&dyn Target> = selected
        .iter()
        .zip(&unsupported)
        .filter(|(t, unsupported)| t.unconfigured(&compiled).is_none() && unsupported.is_empty())
        .map(|(t, _)| *t)
        .collect();
    let mut rendered = targets::render_all(&configured, &compiled, &context).into_iter();
    for (t, unsupported) in selected.into_iter().zip(unsupported) {
        if let Some(why) = t.unconfigured(&compiled) {
            if target == TargetArg::All {
                tell!("note: {}: skipped, {why}", t.name());
                // Whatever it wrote before is stale now.
                request.retired.push(owner(t));
                continue;
            }
            tell!(
                "error: the `{}` target cannot build this spec: {why}",
                t.name()
            );
            return exit::FAILED;
        }
        if !unsupported.is_empty() {
            if target == TargetArg::All {
                // The other targets still build: what this one cannot carry is a warning here.
                let warnings: Vec<Diagnostic> = unsupported
                    .into_iter()
                    .map(|mut d| {
                        d.severity = Severity::Warning;
                        d
                    })
                    .collect();
                report::print(&source, &warnings, DiagnosticFormat::Human);
                tell!(
                    "note: {}: skipped, it cannot carry what the spec asks (see above)",
                    t.name()
                );
                request.retired.push(owner(t));
                continue;
            }
            report::print(&source, &unsupported, DiagnosticFormat::Human);
            return exit::FAILED;
        }
        request.rendered.push(Rendered {
            owner: owner(t),
            artifacts: rendered.next().expect("one per configured target"),
        });
        for note in t.notes(&compiled) {
            tell!("note: {note}");
        }
        for warning in t.context_notes(&compiled, &context) {
            tell!("warning: {warning}");
        }
    }
    if mode.check {
        compare(out, &request)
    } else {
        write(out, &request)
    }
}

fn owner(t: &dyn Target) -> Owner {
    Owner {
        target: t.name(),
        folder: t.folder(),
        private: t.private_folders(),
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

fn write(out: &Path, request: &Request) -> u8 {
    match output::write(out, request) {
        Ok(r) => {
            for (path, why) in &r.kept {
                tell!("warning: kept {path}: no longer generated, but it {why}");
            }
            for path in &r.left_alone {
                tell!("note: left alone {path} (not written by stackc)");
            }
            tell!(
                "{}: {} written, {} unchanged, {} removed",
                out.display(),
                r.written.len(),
                r.unchanged.len(),
                r.removed.len()
            );
            exit::OK
        }
        Err(WriteError::Refused(refused)) => {
            for (path, why) in &refused {
                tell!("error: {path} {why}");
            }
            let n = refused.len();
            tell!(
                "error: nothing was written to {}: {n} {} not stackc's to replace",
                out.display(),
                if n == 1 { "path is" } else { "paths are" }
            );
            exit::FAILED
        }
        Err(WriteError::Io(e)) => {
            tell!("error: {e}");
            exit::FAILED
        }
    }
}

fn compare(out: &Path, request: &Request) -> u8 {
    let files: usize = request.rendered.iter().map(|r| r.artifacts.len()).sum();
    match output::check(out, request) {
        Ok(diffs) if diffs.is_empty() => {
            tell!(
                "{}: up to date ({})",
                out.display(),
                report::plural(files, "file")
            );
            exit::OK
        }
        Ok(diffs) => {
            for d in &diffs {
                match d {
                    Difference::Missing(p) => say!("missing: {p}"),
                    Difference::Stale(p) => say!("stale (would be removed): {p}"),
                    Difference::Changed { diff, .. } => say_raw!("{diff}"),
                    Difference::Refused { path, why, diff } => {
                        say!("refused (build would write nothing): {path} {why}");
                        if let Some(diff) = diff {
                            say_raw!("{diff}");
                        }
                    }
                }
            }
            tell!(
                "error: {} differs from the spec in {}; run `stackc build` to update",
                out.display(),
                report::plural(diffs.len(), "file")
            );
            exit::FAILED
        }
        Err(e) => {
            tell!("error: {e}");
            exit::FAILED
        }
    }
}
