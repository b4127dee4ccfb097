//! Targets: pure functions from a compiled spec to a sorted map of relative path -> file contents.

use crate::compile::Compiled;
use crate::output::Artifacts;

/// A compilation target, writing beneath its own folder of the output directory.
pub trait Target: Sync {
    /// The `--target` name.
    fn name(&self) -> &'static str;
    /// The folder under the output directory this target owns (its stale files are removed).
    fn folder(&self) -> &'static str;
    /// Renders every file, paths relative to the output directory.
    fn render(&self, compiled: &Compiled) -> Artifacts;
}

/// Targets of the contract, in `--target all` order.
pub const NAMES: [&str; 4] = ["compose", "dockerfile", "kubernetes", "ecs"];

/// The targets this build implements.
#[must_use]
pub fn available() -> Vec<&'static dyn Target> {
    Vec::new()
}
