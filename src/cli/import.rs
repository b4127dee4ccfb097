//! `stackc import`: writes a stack.toml from a Compose project, reports what it did not carry
//! over, and checks the result.

use std::path::{Path, PathBuf};

use super::{DiagnosticFormat, exit};
use crate::import::{self, Options};
use crate::source::SourceFile;

#[derive(clap::Args, Debug)]
pub struct ImportArgs {
    /// Compose files, merged in order (default: compose.yaml or docker-compose.yml in the project
    /// directory, and its override file)
    #[arg(value_name = "COMPOSE_FILE")]
    files: Vec<PathBuf>,
    /// Variables for interpolation, instead of the project's .env (repeatable)
    #[arg(long = "env-file", value_name = "FILE")]
    env_files: Vec<PathBuf>,
    /// The project directory (default: the first file's)
    #[arg(long, value_name = "DIR")]
    project_directory: Option<PathBuf>,
    /// Import the services of this profile too (repeatable)
    #[arg(long, value_name = "PROFILE")]
    profile: Vec<String>,
    /// Where to write the spec (`-`: standard output)
    #[arg(
        short = 'o',
        long = "out",
        value_name = "FILE",
        default_value = "stack.toml"
    )]
    out: PathBuf,
    /// Replace the output file if it exists
    #[arg(long)]
    force: bool,
    /// How to report: human (stderr) or json (stdout: warnings, secrets, the check's result)
    #[arg(long, value_enum, default_value_t = DiagnosticFormat::Human)]
    format: DiagnosticFormat,
}

pub fn run(args: &ImportArgs) -> u8 {
    let to_stdout = args.out.as_os_str() == "-";
    // A dangling symlink `exists()` not, but writing would follow it.
    let present = std::fs::symlink_metadata(&args.out).is_ok();
    if !to_stdout && present && !args.force {
        crate::tell!(
            "error: {} exists: stackc import does not replace it (pass --force, or -o another file)",
            args.out.display()
        );
        return exit::FAILED;
    }
    let spec_dir = if to_stdout {
        PathBuf::from(".")
    } else {
        args.out
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
    };
    let options = Options {
        files: args.files.clone(),
        env_files: args.env_files.clone(),
        project_directory: args.project_directory.clone(),
        profiles: args.profile.clone(),
        environment: std::env::vars().collect(),
    };
    let imported = match import::import(&options, &spec_dir) {
        Ok(i) => i,
        Err(e) => {
            crate::tell!("error: {e}");
            return exit::FAILED;
        }
    };
    // Never over a file the import reads.
    if !to_stdout
        && let Ok(out) = std::fs::canonicalize(&args.out)
        && imported
            .inputs
            .iter()
            .any(|i| std::fs::canonicalize(i).is_ok_and(|i| i == out))
    {
        crate::tell!(
            "error: {} is one of the Compose files being imported: write the spec elsewhere",
            args.out.display()
        );
        return exit::FAILED;
    }
    if !to_stdout && std::fs::symlink_metadata(&args.out).is_ok_and(|m| m.file_type().is_symlink())
    {
        crate::tell!(
            "error: {} is a symlink: stackc import writes a file of its own (remove the link, or -o another path)",
            args.out.display()
        );
        return exit::FAILED;
    }
    let spec_path = if to_stdout {
        PathBuf::from("stack.toml")
    } else {
        args.out.clone()
    };
    let problems = check(&spec_path, &imported.text);
    // A spec stackc itself calls a credential leak is not written anywhere.
    let leaks = problems.iter().any(|p| p.contains("literal-secret"));
    if leaks {
        crate::tell!(
            "error: the imported spec would hold a credential: nothing written (please report this Compose file)"
        );
    } else if to_stdout {
        print!("{}", imported.text);
    } else if let Err(e) = std::fs::write(&args.out, &imported.text) {
        crate::tell!("error: {}: {e}", args.out.display());
        return exit::FAILED;
    }
    match args.format {
        DiagnosticFormat::Json => {
            let report = serde_json::json!({
                "version": 1,
                "stack": imported.stack,
                "names": imported.names,
                "written": if to_stdout { None } else { Some(args.out.display().to_string()) },
                "warnings": imported.warnings,
                "secrets": imported.secrets,
                "problems": problems,
            });
            // With the spec on standard output, the report goes to standard error.
            if to_stdout {
                crate::tell!("{report:#}");
            } else {
                println!("{report:#}");
            }
        }
        DiagnosticFormat::Human => human(args, &imported, &problems, to_stdout),
    }
    if problems.is_empty() {
        exit::OK
    } else {
        exit::FAILED
    }
}

fn human(args: &ImportArgs, imported: &import::Imported, problems: &[String], to_stdout: bool) {
    for w in &imported.warnings {
        crate::tell!(
            "warning: {}:{}:{}: {}: {}",
            w.file,
            w.line,
            w.column,
            w.key,
            w.message
        );
    }
    for s in &imported.secrets {
        crate::tell!(
            "secret: `{}` of {} is now the secret `{}` (its value is not in the spec): after `stackc build`, write it to dist/compose/secrets/{} (Compose), a Secret (Kubernetes) or SSM (ECS)",
            s.variable,
            s.service,
            s.secret,
            s.secret
        );
    }
    for p in problems.iter().filter(|p| !p.contains("literal-secret")) {
        crate::tell!("error: the imported spec does not check: {p}");
    }
    if !to_stdout {
        crate::tell!(
            "{}: stack `{}` imported ({} not carried over as written, {} secrets); next: stackc check {0}",
            args.out.display(),
            imported.stack,
            imported.warnings.len(),
            imported.secrets.len()
        );
    }
}

/// The imported spec checked as `stackc check` would, in the base and every environment: each
/// error as one line (an import bug, or a Compose file stackc cannot express).
fn check(path: &Path, text: &str) -> Vec<String> {
    let source = SourceFile::new(path, text);
    let mut envs: Vec<Option<String>> = vec![None];
    if let Ok(doc) = text.parse::<toml::Table>()
        && let Some(toml::Value::Table(e)) = doc.get("environments")
    {
        envs.extend(e.keys().map(|k| Some(k.clone())));
    }
    let mut out = Vec::new();
    for env in envs {
        match crate::compile::check(&source, env.as_deref()) {
            Ok(outcome) => {
                for d in outcome.diagnostics.iter().filter(|d| d.is_error()) {
                    let at = env
                        .as_deref()
                        .map(|e| format!(" (--env {e})"))
                        .unwrap_or_default();
                    let line = d
                        .labels
                        .first()
                        .map(|l| format!("line {}: ", source.line_of(l.span.start)))
                        .unwrap_or_default();
                    out.push(format!("{line}{} [{}]{at}", d.message, d.code.as_str()));
                }
            }
            Err(e) => out.push(format!("{e:?}")),
        }
    }
    out
}
