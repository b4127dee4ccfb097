//! The pipeline from a spec file to a model and its graph, shared by every command.

use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::graph::StackGraph;
use crate::model::{self, Model};
use crate::source::SourceFile;
use crate::spec::Document;

/// A spec that passed every check.
#[derive(Debug, Clone)]
pub struct Compiled {
    pub model: Model,
    pub graph: StackGraph,
}

/// What compiling found: the result (when there were no errors) and every diagnostic, sorted.
#[derive(Debug)]
pub struct Outcome {
    pub compiled: Option<Compiled>,
    pub diagnostics: Vec<Diagnostic>,
}

/// `--env` named an environment the spec does not define: a usage error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownEnvironment(pub String);

impl std::fmt::Display for UnknownEnvironment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Compiles the spec with one environment applied (or none).
///
/// # Errors
/// When `env` names no environment of the spec.
pub fn compile(source: &SourceFile, env: Option<&str>) -> Result<Outcome, UnknownEnvironment> {
    let mut diags = Diagnostics::default();
    let Some(document) = Document::parse(source, &mut diags) else {
        return Ok(Outcome {
            compiled: None,
            diagnostics: diags.into_sorted(),
        });
    };
    let compiled = compile_variant(source, &document, env, &mut diags)?;
    Ok(Outcome {
        compiled,
        diagnostics: diags.into_sorted(),
    })
}

/// Checks the base spec and, unless `env` picks one, every environment: a broken overlay shows in CI
/// even when nobody builds that environment today.
///
/// # Errors
/// When `env` names no environment of the spec.
pub fn check(source: &SourceFile, env: Option<&str>) -> Result<Outcome, UnknownEnvironment> {
    let mut diags = Diagnostics::default();
    let Some(document) = Document::parse(source, &mut diags) else {
        return Ok(Outcome {
            compiled: None,
            diagnostics: diags.into_sorted(),
        });
    };
    let names: Vec<&str> = if env.is_none() {
        document.environment_names().collect()
    } else {
        Vec::new()
    };
    // Variants are independent: compile the environments beside the base, on other threads.
    let (compiled, env_results) = std::thread::scope(|scope| {
        let handles: Vec<_> = names
            .iter()
            .map(|name| {
                let document = &document;
                scope.spawn(move || {
                    let mut env_diags = Diagnostics::default();
                    compile_variant(source, document, Some(name), &mut env_diags).map(|_| {
                        env_diags.set_env(name);
                        env_diags
                    })
                })
            })
            .collect();
        let compiled = compile_variant(source, &document, env, &mut diags);
        let results: Vec<_> = handles
            .into_iter()
            .map(|h| h.join().expect("compiling never panics"))
            .collect();
        (compiled, results)
    });
    let compiled = compiled?;
    for env_diags in env_results {
        diags.extend(env_diags?);
    }
    Ok(Outcome {
        compiled,
        diagnostics: dedupe_across_envs(diags),
    })
}

/// A problem of the base shows again under every environment: keep the base's copy only.
fn dedupe_across_envs(diags: Diagnostics) -> Vec<Diagnostic> {
    let all = diags.into_sorted();
    // A set, not a list: thousands of diagnostics times every environment must stay linear.
    let base: std::collections::HashSet<(
        crate::diagnostics::Code,
        Option<std::ops::Range<usize>>,
        &str,
    )> = all
        .iter()
        .filter(|d| d.env.is_none())
        .map(|d| (d.code, d.span(), d.message.as_str()))
        .collect();
    let keep: Vec<bool> = all
        .iter()
        .map(|d| d.env.is_none() || !base.contains(&(d.code, d.span(), d.message.as_str())))
        .collect();
    all.into_iter()
        .zip(keep)
        .filter_map(|(d, keep)| keep.then_some(d))
        .collect()
}

fn compile_variant(
    source: &SourceFile,
    document: &Document<'_>,
    env: Option<&str>,
    diags: &mut Diagnostics,
) -> Result<Option<Compiled>, UnknownEnvironment> {
    // Any error of this variant, from decoding too, invalidates it: an entry that failed to decode is
    // missing from the spec, and everything that refers to it is dropped without a second report.
    let errors_before = diags.error_count();
    let parsed = document
        .specialise(env, diags)
        .map_err(UnknownEnvironment)?;
    let model = model::resolve(&parsed, source.text(), env, diags);
    let Some(mut model) = model.filter(|_| diags.error_count() == errors_before) else {
        return Ok(None);
    };
    // What the spec names on disk, once the spec itself is valid (the folder of an in-memory source
    // may not exist: then every context is reported missing, as a warning).
    let builds = model::build_paths(&parsed.spec, source.dir(), diags);
    let mounts = model::disk_paths(&mut model, source.dir(), diags);
    if !(builds && mounts) {
        return Ok(None);
    }
    match StackGraph::build(&model) {
        Ok(graph) => Ok(Some(Compiled { model, graph })),
        Err(cycles) => {
            diags.extend(cycles);
            Ok(None)
        }
    }
}
