//! Validated value types of the spec language. Each parses from its TOML spelling with `FromStr`
//! (or `TryFrom` for numbers) and renders back canonically, so the model never holds an unchecked value.

mod cpu;
mod duration;
mod name;
mod port;
mod size;

pub use cpu::MilliCpu;
pub use duration::Duration;
pub use name::{EnvVarName, Name, SecretName};
pub use port::Port;
pub use size::ByteSize;
