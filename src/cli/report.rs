//! Shared by the commands: loading the spec and printing diagnostics.

use std::io::IsTerminal;

use super::{DiagnosticFormat, SpecArgs, exit};
use crate::compile::{Compiled, Outcome, UnknownEnvironment};
use crate::diagnostics::{Code, Diagnostic, render_human, render_json};
use crate::source::SourceFile;

/// Reads the spec, or reports why it cannot be read.
pub fn read(args: &SpecArgs, format: DiagnosticFormat) -> Result<SourceFile, u8> {
    SourceFile::read(&args.spec).map_err(|e| {
        let source = SourceFile::new(&args.spec, "");
        let d = Diagnostic::error(
            Code::Io,
            format!("cannot read {}: {e}", args.spec.display()),
        );
        print(&source, &[d], format);
        exit::FAILED
    })
}

pub fn print(source: &SourceFile, diagnostics: &[Diagnostic], format: DiagnosticFormat) {
    match format {
        DiagnosticFormat::Json => crate::say_raw!("{}", render_json(source, diagnostics)),
        DiagnosticFormat::Human => {
            if diagnostics.is_empty() {
                return;
            }
            let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
            crate::tell_raw!("{}", render_human(source, diagnostics, color));
            let errors = diagnostics.iter().filter(|d| d.is_error()).count();
            let warnings = diagnostics.len() - errors;
            if errors > 0 {
                let also = if warnings > 0 {
                    format!(" and {}", plural(warnings, "warning"))
                } else {
                    String::new()
                };
                crate::tell!(
                    "error: {}{also} in {}",
                    plural(errors, "error"),
                    source.display_name()
                );
            }
        }
    }
}

pub fn plural(n: usize, what: &str) -> String {
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
}

pub fn usage(error: &UnknownEnvironment) -> u8 {
    crate::tell!("error: {error}");
    exit::USAGE
}

/// Prints the outcome's diagnostics and hands back the compiled spec when it has no errors.
pub fn finish(
    source: &SourceFile,
    outcome: Outcome,
    format: DiagnosticFormat,
) -> Result<Compiled, u8> {
    print(source, &outcome.diagnostics, format);
    match outcome.compiled {
        Some(c) if !outcome.diagnostics.iter().any(Diagnostic::is_error) => Ok(c),
        _ => Err(exit::FAILED),
    }
}
