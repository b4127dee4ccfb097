//! Spec -> model: every rule of the language, every problem collected.

mod build;
pub(crate) mod checks;
mod dependencies;
mod disk;
mod env;
mod health;
mod mounts;
mod resource;
mod routes;
mod secrets;
mod targets;
mod workload;

pub use build::build_paths;
pub use disk::disk_paths;
pub use mounts::{BUILT_WORKDIR, container_path};

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::str::FromStr;

use super::Model;
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::spec::{Parsed, ResourceSpec, Sp, StackSpec, WorkloadSpec};
use crate::units::Name;

/// Resolves a parsed spec into a model. `None` when any error was found (all of them are in `diags`).
pub fn resolve(
    parsed: &Parsed,
    text: &str,
    env: Option<&str>,
    diags: &mut Diagnostics,
) -> Option<Model> {
    let mut r = Resolver::new(parsed, text, diags);
    let errors_before = r.diags.error_count();

    let name = r.stack_name();
    let description = parsed
        .spec
        .stack
        .as_ref()
        .and_then(|s| s.description.clone());
    r.check_names();
    let resources = r.resources();
    let services = r.workloads(
        &parsed.spec.services,
        super::WorkloadKind::Service,
        &resources,
    );
    let jobs = r.workloads(&parsed.spec.jobs, super::WorkloadKind::Job, &resources);
    r.secret_collisions(&resources, &services, &jobs);
    let (routes, gateway) = r.routes_and_gateway();
    r.host_ports();
    r.unused_volumes(&resources);
    let deployment = name
        .as_ref()
        .and_then(|n| r.deployment(n, env, &parsed.spec.environments));
    let targets = deployment.as_ref().map(|d| r.targets(&d.name));

    // Entries referring to an entry that failed to decode are dropped without a report of their own:
    // the model is only complete when nothing was dropped.
    let complete = services.len() == parsed.spec.services.len()
        && jobs.len() == parsed.spec.jobs.len()
        && resources.len() == parsed.spec.resources.len()
        && parsed.broken.is_empty();
    if r.diags.error_count() > errors_before || !complete {
        return None;
    }
    Some(Model {
        name: name?,
        description,
        env: env.map(str::to_owned),
        deployment: deployment?,
        services,
        jobs,
        resources,
        routed: routes.iter().map(|r| r.service.clone()).collect(),
        routes,
        gateway,
        targets: targets??,
    })
}

/// Generated services (the gateway, probe installers) are named with this prefix, so user names cannot be.
pub const RESERVED_PREFIX: &str = "stackc-";

/// The names of a section, for suggestions.
fn names<T>(section: &crate::spec::Named<T>) -> Vec<&str> {
    section.keys().map(|k| k.get().as_str()).collect()
}

/// What a name stands for, looked up when references are checked.
#[derive(Clone, Copy)]
enum Entity<'a> {
    Service(&'a WorkloadSpec),
    Job,
    Resource(&'a ResourceSpec),
}

impl Entity<'_> {
    fn describe(self) -> &'static str {
        match self {
            Self::Service(_) => "service",
            Self::Job => "job",
            Self::Resource(_) => "resource",
        }
    }
}

struct Resolver<'a> {
    spec: &'a StackSpec,
    broken: &'a BTreeSet<String>,
    /// Volumes an environment's overlay mounts (see `Parsed::overlay_volumes`).
    overlay_volumes: &'a BTreeSet<String>,
    text: &'a str,
    diags: &'a mut Diagnostics,
    index: BTreeMap<&'a str, Entity<'a>>,
}

impl<'a> Resolver<'a> {
    fn new(parsed: &'a Parsed, text: &'a str, diags: &'a mut Diagnostics) -> Self {
        let spec = &parsed.spec;
        let mut index = BTreeMap::new();
        // Later kinds do not shadow earlier ones; `check_names` reports the clash.
        for (name, r) in spec.resources.iter().rev() {
            index.insert(name.get().as_str(), Entity::Resource(r.get()));
        }
        for name in spec.jobs.keys() {
            index.insert(name.get().as_str(), Entity::Job);
        }
        for (name, s) in &spec.services {
            index.insert(name.get().as_str(), Entity::Service(s.get()));
        }
        Self {
            spec,
            broken: &parsed.broken,
            overlay_volumes: &parsed.overlay_volumes,
            text,
            diags,
            index,
        }
    }

    fn push(&mut self, diagnostic: Diagnostic) {
        self.diags.push(diagnostic);
    }

    fn error(
        &mut self,
        code: Code,
        message: impl Into<String>,
        span: Range<usize>,
        label: impl Into<String>,
    ) {
        self.push(Diagnostic::error(code, message).at(span, label));
    }

    /// Parses a spanned string with `T::from_str`, reporting failure under `code`.
    fn parse<T: FromStr<Err = String>>(
        &mut self,
        value: &Sp<String>,
        code: Code,
        what: &str,
    ) -> Option<T> {
        match value.get().parse::<T>() {
            Ok(v) => Some(v),
            Err(why) => {
                self.error(
                    code,
                    format!("invalid {what}: {why}"),
                    value.span(),
                    format!("invalid {what}"),
                );
                None
            }
        }
    }

    /// The span of a part of a string value, when the TOML spelling maps 1:1 onto the value.
    fn inner_span(&self, value: Range<usize>, inner: Range<usize>) -> Range<usize> {
        let raw = self.text.get(value.clone()).unwrap_or("");
        let simple = (raw.starts_with('"') && !raw.starts_with("\"\"\"") && !raw.contains('\\'))
            || (raw.starts_with('\'') && !raw.starts_with("'''"));
        if simple && value.start + 1 + inner.end < value.end {
            value.start + 1 + inner.start..value.start + 1 + inner.end
        } else {
            value
        }
    }

    /// The deployment: the stack, or `<stack>-<env>`, which must be a DNS label itself (it names the
    /// namespace, project and cluster by default, and is the `stackc:env` side of every tag).
    fn deployment(
        &mut self,
        stack: &Name,
        env: Option<&str>,
        environments: &[Sp<String>],
    ) -> Option<super::Deployment> {
        let env_name = match env {
            None => None,
            Some(e) => Some(e.parse::<Name>().ok()?),
        };
        match super::Deployment::new(stack.clone(), env_name) {
            Ok(d) => Some(d),
            Err(why) => {
                let env = env.unwrap_or_default();
                let span = environments
                    .iter()
                    .find(|e| e.get() == env)
                    .map_or(0..0, Sp::span);
                self.push(
                    Diagnostic::error(
                        Code::InvalidName,
                        format!("the deployment name `{stack}-{env}` (stack and environment) is invalid: {why}"),
                    )
                    .at(span, "environment name")
                    .help("every target names the environment's deployment `<stack>-<env>` (a DNS label of at most 63 characters): shorten the stack or environment name"),
                );
                None
            }
        }
    }

    fn stack_name(&mut self) -> Option<Name> {
        let stack = self.spec.stack.as_ref()?;
        self.parse(&stack.name, Code::InvalidName, "stack name")
    }

    /// Names are DNS labels, unique across services, jobs and resources (they share one DNS namespace).
    fn check_names(&mut self) {
        let mut seen: BTreeMap<&str, (&str, Range<usize>)> = BTreeMap::new();
        let sections = [
            ("service", self.spec.services.keys().collect::<Vec<_>>()),
            ("job", self.spec.jobs.keys().collect()),
            ("resource", self.spec.resources.keys().collect()),
        ];
        for (kind, names) in sections {
            for name in names {
                if let Err(why) = name.get().parse::<Name>() {
                    self.error(
                        Code::InvalidName,
                        format!("invalid {kind} name: {why}"),
                        name.span(),
                        "invalid name",
                    );
                } else if name.get().starts_with(RESERVED_PREFIX) {
                    self.push(
                        Diagnostic::error(Code::InvalidName, format!("`{}` uses the reserved prefix `{RESERVED_PREFIX}`", name.get()))
                            .at(name.span(), "reserved name")
                            .help("stackc names the services it generates (gateway, probes) with this prefix; choose another name"),
                    );
                }
                if let Some((first_kind, first_span)) = seen.get(name.get().as_str()) {
                    self.push(
                        Diagnostic::error(
                            Code::DuplicateName,
                            format!("`{}` names both a {first_kind} and a {kind}", name.get()),
                        )
                        .at(name.span(), format!("{kind} `{}`", name.get()))
                        .at(first_span.clone(), format!("{first_kind} `{}` defined here", name.get()))
                        .help("services, jobs and resources share one namespace (they become DNS names): rename one"),
                    );
                } else {
                    seen.insert(name.get().as_str(), (kind, name.span()));
                }
            }
        }
    }

    /// Reports a name that matches nothing, unless it names an entry that already failed to decode.
    fn unknown(&mut self, what: &str, name: &str, span: Range<usize>, candidates: &[&str]) {
        if self.broken.contains(name) {
            return;
        }
        self.push(
            Diagnostic::error(Code::UnknownReference, format!("unknown {what} `{name}`"))
                .at(span, format!("no {what} is named `{name}`"))
                .suggest(name, candidates.iter().copied()),
        );
    }
}
