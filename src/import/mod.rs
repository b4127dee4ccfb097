//! `stackc import`: a Compose project (files, overrides, `.env`, `extends`, anchors, profiles) as
//! a `stack.toml`. The pipeline: [`project`] reads and merges the files as Compose does,
//! [`map`] turns services into services, jobs and resources (reporting every key it does not
//! carry over), [`toml_out`] writes the spec.

pub mod interpolate;
pub mod map;
pub mod project;
pub mod toml_out;
pub mod yaml;

use std::path::Path;

pub use map::{Imported, SecretNote, Warning};
pub use project::Options;

/// Reads the project and maps it; `spec_dir` is where the spec will be written (its paths are
/// relative to it).
///
/// # Errors
/// What stops Compose from reading the project (a missing file, a YAML error, a required
/// variable without a value), with its position.
pub fn import(options: &Options, spec_dir: &Path) -> Result<Imported, String> {
    let project = project::load(options)?;
    Ok(map::import(&project, spec_dir))
}
