//! stackc: compiles one `stack.toml` into Docker Compose, Dockerfiles, Kubernetes manifests and ECS
//! definitions. The pipeline: `spec` (TOML with spans) -> `model` (resolved, validated) -> `graph`
//! -> `targets` (pure renderers) -> `output` (write or `--check`).

pub mod cli;
pub mod compile;
pub mod console;
pub mod deploy;
pub mod diagnostics;
pub mod graph;
pub mod import;
pub mod model;
pub mod output;
pub mod schema;
pub mod source;
pub mod spec;
pub mod synth;
pub mod targets;
pub mod units;
