use super::{DiagnosticFormat, SpecArgs, exit, report};
use crate::compile;

pub fn run(args: &SpecArgs, format: DiagnosticFormat) -> u8 {
    let source = match report::read(args, format) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let outcome = match compile::check(&source, args.env.as_deref()) {
        Ok(o) => o,
        Err(e) => return report::usage(&e),
    };
    match report::finish(&source, outcome, format) {
        Ok(compiled) => {
            if format == DiagnosticFormat::Human {
                let m = &compiled.model;
                let env = args
                    .env
                    .as_deref()
                    .map(|e| format!(" with --env {e}"))
                    .unwrap_or_default();
                crate::say!(
                    "{}: stack `{}`{env} is valid: {}, {}, {}, {}",
                    source.display_name(),
                    m.name,
                    report::plural(m.services.len(), "service"),
                    report::plural(m.jobs.len(), "job"),
                    report::plural(m.resources.len(), "resource"),
                    report::plural(m.routes.len(), "route")
                );
            }
            exit::OK
        }
        Err(code) => code,
    }
}
