//! The command line (clap). Each command lives in its own file; this one holds the grammar.

mod build;
mod check;
mod deploy;
mod graph;
mod import;
mod report;
mod schema;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand, ValueEnum};

#[derive(Parser, Debug)]
#[command(
    name = "stackc",
    version,
    about = "Compile one stack.toml into Compose, Dockerfiles, Kubernetes and ECS",
    max_term_width = 100
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Validate the spec (and, without --env, every environment) and report every problem
    Check {
        #[command(flatten)]
        spec: SpecArgs,
        #[arg(long, value_enum, default_value_t = DiagnosticFormat::Human)]
        format: DiagnosticFormat,
    },
    /// Generate artifacts into a directory, or with --check compare the directory with them
    Build {
        #[command(flatten)]
        spec: SpecArgs,
        #[arg(long, value_enum, default_value_t = TargetArg::All)]
        target: TargetArg,
        /// Output directory
        #[arg(short = 'o', long = "out", value_name = "DIR", default_value = "dist")]
        out: PathBuf,
        /// Write nothing; exit 1 with a diff when DIR differs from what would be generated
        #[arg(long)]
        check: bool,
        /// Replace generated files that were edited by hand, and files at generated paths that
        /// stackc has no record of writing (never files elsewhere, never through symlinks)
        #[arg(long)]
        force: bool,
    },
    /// Print the dependency graph
    Graph {
        #[command(flatten)]
        spec: SpecArgs,
        #[arg(long, value_enum, default_value_t = GraphFormat::Dot)]
        format: GraphFormat,
    },
    /// Print the JSON Schema of stack.toml
    Schema {
        /// Compare FILE with the schema instead of printing it; exit 1 when it is stale
        #[arg(long, value_name = "FILE")]
        check: Option<PathBuf>,
    },
    /// Compare the stack on AWS (ECS) with the spec and print the changes an apply would make
    Plan {
        #[command(flatten)]
        spec: SpecArgs,
        /// Exit 0 when there are no changes, 2 when there are
        #[arg(long)]
        detailed_exitcode: bool,
        #[arg(long, value_enum, default_value_t = DiagnosticFormat::Human)]
        format: DiagnosticFormat,
        #[command(flatten)]
        aws: deploy::AwsArgs,
    },
    /// Show the plan, ask, then make the stack on AWS (ECS) match the spec
    Apply(deploy::ChangeArgs),
    /// Delete everything the stack owns on AWS, and nothing else
    Destroy(deploy::ChangeArgs),
    /// Write generated specs for benchmarks (`benches/compare.sh`): not part of the interface
    #[command(hide = true)]
    Synth {
        /// `stack` (layered services, with `compose.yaml` beside: the same stack for Compose),
        /// `chain` (each service waits for the next) or `errors` (one error each)
        #[arg(value_parser = ["stack", "chain", "errors"])]
        kind: String,
        /// How many services (errors)
        count: usize,
        /// Folder to write `stack.toml` (and `compose.yaml`) into
        #[arg(short = 'o', long = "out", value_name = "DIR", default_value = ".")]
        out: PathBuf,
    },
    /// Write a stack.toml from an existing Compose project, reporting what it does not carry over
    Import(import::ImportArgs),
    /// Print a shell completion script
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

#[derive(clap::Args, Debug)]
struct SpecArgs {
    /// The spec file
    #[arg(default_value = "stack.toml", value_name = "SPEC")]
    spec: PathBuf,
    /// Apply the overlay [environments.ENV]
    #[arg(long, value_name = "ENV")]
    env: Option<String>,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum DiagnosticFormat {
    Human,
    Json,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum GraphFormat {
    Dot,
    Mermaid,
    Json,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum TargetArg {
    Compose,
    Dockerfile,
    Kubernetes,
    Ecs,
    All,
}

/// Exit codes of the CLI contract.
pub mod exit {
    pub const OK: u8 = 0;
    pub const FAILED: u8 = 1;
    pub const USAGE: u8 = 2;
}

fn synth(kind: &str, count: usize, out: &std::path::Path) -> u8 {
    let mut files = vec![(
        "stack.toml",
        match kind {
            "chain" => crate::synth::chain(count),
            "errors" => crate::synth::errors(count),
            _ => crate::synth::spec(count),
        },
    )];
    if kind == "stack" {
        files.push(("compose.yaml", crate::synth::compose(count)));
    }
    for (name, text) in files {
        if let Err(e) =
            std::fs::create_dir_all(out).and_then(|()| std::fs::write(out.join(name), text))
        {
            crate::tell!("error: {}: {e}", out.join(name).display());
            return exit::FAILED;
        }
    }
    exit::OK
}

/// Runs the command line; the binary's `main` is just this.
#[must_use]
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            // With --detailed-exitcode, 2 means "changes pending": a usage error must not look
            // like one to the script that asked (Terraform's rule too).
            let detailed = std::env::args_os().any(|a| a == "--detailed-exitcode");
            let code = match e.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => {
                    exit::OK
                }
                _ if detailed => exit::FAILED,
                _ => exit::USAGE,
            };
            return ExitCode::from(code);
        }
    };
    let code = match cli.command {
        Command::Check { spec, format } => check::run(&spec, format),
        Command::Build {
            spec,
            target,
            out,
            check,
            force,
        } => build::run(&spec, target, &out, build::Mode { check, force }),
        Command::Graph { spec, format } => graph::run(&spec, format),
        Command::Plan {
            spec,
            detailed_exitcode,
            format,
            aws,
        } => deploy::plan(&spec, &aws, detailed_exitcode, format),
        Command::Apply(args) => deploy::apply(&args, deploy::Mode::Apply),
        Command::Import(args) => import::run(&args),
        Command::Destroy(args) => deploy::apply(&args, deploy::Mode::Destroy),
        Command::Schema { check } => schema::run(check.as_deref()),
        Command::Synth { kind, count, out } => synth(&kind, count, &out),
        Command::Completions { shell } => {
            // Into memory first: `generate` panics when its writer fails (a closed pipe).
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "stackc", &mut script);
            crate::say_raw!("{}", String::from_utf8_lossy(&script));
            exit::OK
        }
    };
    ExitCode::from(code)
}
