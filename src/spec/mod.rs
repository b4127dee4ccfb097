//! The serde layer: parses `stack.toml` into [`StackSpec`], keeping spans, applying an environment overlay
//! on the raw tree first so that every merged value still points at the line it came from.

mod decode;
mod overlay;
mod spanned;
mod types;
mod unknown;
mod values;

use std::collections::BTreeSet;

pub use spanned::Sp;
pub use types::*;
pub use values::{
    CpuSpec, DependsOnSpec, EnvValueSpec, HostsSpec, MountSpec, MountTable, OutputValueSpec,
    RouteSpec,
};

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::source::SourceFile;

/// A parsed spec with one environment (or none) applied.
#[derive(Debug, Clone)]
pub struct Parsed {
    pub spec: StackSpec,
    /// Entries that failed to decode: references to them are not reported again as unknown.
    pub broken: BTreeSet<String>,
    /// Volumes the base or some environment's overlay mounts: not unused in a variant that does not
    /// (a cluster environment mounting a volume where the base mounts a host folder, or the reverse).
    pub overlay_volumes: BTreeSet<String>,
}

/// The raw document, parsed once and then specialised per environment.
pub struct Document<'i> {
    base: toml::Spanned<toml::de::DeTable<'i>>,
    environments: Vec<(Sp<String>, toml::Spanned<toml::de::DeValue<'i>>)>,
    /// Volumes mounted by the base or any overlay (see `Parsed::overlay_volumes`).
    mounted_volumes: BTreeSet<String>,
}

impl<'i> Document<'i> {
    /// Parses the TOML and reports syntax errors, bad environment tables and unknown fields anywhere.
    pub fn parse(source: &'i SourceFile, diags: &mut Diagnostics) -> Option<Self> {
        let (mut root, errors) = toml::de::DeTable::parse_recoverable(source.text());
        if !errors.is_empty() {
            for e in errors {
                let span = e.span().unwrap_or(0..0);
                diags.push(
                    Diagnostic::error(
                        Code::TomlSyntax,
                        format!("invalid TOML: {}", e.message().trim_end()),
                    )
                    .at(span, "here"),
                );
            }
            return None;
        }
        unknown::check(&root, diags);
        let environments = overlay::split(&mut root, diags);
        let mounted_volumes = environments
            .iter()
            .filter_map(|(_, overlay)| overlay.get_ref().as_table())
            .flat_map(overlay::mounted_volumes)
            .chain(overlay::mounted_volumes(root.get_ref()))
            .collect();
        Some(Self {
            base: root,
            environments,
            mounted_volumes,
        })
    }

    /// The names of the environments, in file order.
    pub fn environment_names(&self) -> impl Iterator<Item = &str> {
        self.environments
            .iter()
            .map(|(name, _)| name.get().as_str())
    }

    /// The spec with the named overlay applied (`None`: the base).
    ///
    /// # Errors
    /// Returns `Err` with a usage message when `env` names no environment.
    pub fn specialise(&self, env: Option<&str>, diags: &mut Diagnostics) -> Result<Parsed, String> {
        let mut root = self.base.clone();
        if let Some(env) = env {
            let Some((name, overlay)) = self.environments.iter().find(|(n, _)| n.get() == env)
            else {
                let known: Vec<_> = self.environment_names().collect();
                let hint = crate::diagnostics::did_you_mean(env, known.iter().copied())
                    .map(|s| format!("; did you mean `{s}`?"))
                    .unwrap_or_default();
                return Err(if known.is_empty() {
                    format!("unknown environment `{env}`: the spec defines no [environments]")
                } else {
                    format!(
                        "unknown environment `{env}` (defined: {}){hint}",
                        known.join(", ")
                    )
                });
            };
            // The names the base gives its deployment are the base's: an environment is a
            // deployment of its own, named after it unless its overlay names it.
            overlay::forget_deployment_names(root.get_mut());
            overlay::apply(root.get_mut(), name.get(), overlay, diags);
        }
        let env_names = self.environments.iter().map(|(n, _)| n.clone()).collect();
        let mut parsed = decode::decode(root, env_names, diags);
        parsed.overlay_volumes.clone_from(&self.mounted_volumes);
        Ok(parsed)
    }
}
