use super::{DiagnosticFormat, GraphFormat, SpecArgs, exit, report};
use crate::{compile, graph};

pub fn run(args: &SpecArgs, format: GraphFormat) -> u8 {
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
    let text = match format {
        GraphFormat::Dot => graph::render_dot(&compiled.model, &compiled.graph),
        GraphFormat::Mermaid => graph::render_mermaid(&compiled.model, &compiled.graph),
        GraphFormat::Json => graph::render_json(&compiled.model, &compiled.graph),
    };
    crate::say_raw!("{text}");
    exit::OK
}
