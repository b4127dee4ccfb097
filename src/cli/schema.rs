use std::path::Path;

use super::exit;
use crate::schema::stack_schema_text;

pub fn run(check: Option<&Path>) -> u8 {
    let schema = stack_schema_text();
    let Some(path) = check else {
        crate::say_raw!("{schema}");
        return exit::OK;
    };
    match std::fs::read_to_string(path) {
        Ok(existing) if existing == schema => exit::OK,
        Ok(_) => {
            crate::tell!(
                "error: {} is stale; regenerate it with `stackc schema > {}`",
                path.display(),
                path.display()
            );
            exit::FAILED
        }
        Err(e) => {
            crate::tell!("error: cannot read {}: {e}", path.display());
            exit::FAILED
        }
    }
}
