//! `depends_on`, plus the edges implied by placeholders.

use std::collections::BTreeMap;
use std::ops::Range;

use super::env::ResolvedEnv;
use super::workload::is_volume;
use super::{Entity, Resolver};
use crate::diagnostics::{Code, Diagnostic};
use crate::model::{Condition, Dependency, DependencyOrigin, Reference};
use crate::spec::{DependsOnSpec, Sp, WorkloadSpec};
use crate::units::Name;

impl Resolver<'_> {
    pub(super) fn dependencies(
        &mut self,
        owner: &Sp<String>,
        spec: &WorkloadSpec,
        env: Option<&ResolvedEnv>,
    ) -> Option<Vec<Dependency>> {
        let mut out: BTreeMap<Name, Dependency> = BTreeMap::new();
        let mut ok = true;
        let declared: Vec<(&Sp<String>, Option<&Sp<String>>)> =
            match spec.depends_on.as_ref().map(Sp::get) {
                Some(DependsOnSpec::List(names)) => names.iter().map(|n| (n, None)).collect(),
                Some(DependsOnSpec::Map(entries)) => {
                    entries.iter().map(|(n, c)| (n, Some(c))).collect()
                }
                None => Vec::new(),
            };
        for (target, condition) in declared {
            match self.declared(owner, target, condition) {
                Some(dep) => {
                    if out.contains_key(&dep.target) {
                        ok = false;
                        self.error(
                            Code::DuplicateName,
                            format!("`{}` is listed twice in depends_on", target.get()),
                            target.span(),
                            "listed again",
                        );
                    } else {
                        out.insert(dep.target.clone(), dep);
                    }
                }
                None => ok = false,
            }
        }
        for (reference, span) in env.into_iter().flat_map(|e| &e.refs) {
            let target = match reference {
                Reference::ResourceOutput { resource, .. } => resource,
                Reference::Service { service, .. } => service,
            };
            // A service may name its own address (e.g. a public URL): that is no dependency.
            if target.as_str() == owner.get() || out.contains_key(target) {
                continue;
            }
            let Some(&entity) = self.index.get(target.as_str()) else {
                continue;
            };
            out.insert(
                target.clone(),
                Dependency {
                    target: target.clone(),
                    condition: default_condition(entity),
                    origin: DependencyOrigin::Reference,
                    span: span.clone(),
                },
            );
        }
        ok.then(|| out.into_values().collect())
    }

    fn declared(
        &mut self,
        owner: &Sp<String>,
        target: &Sp<String>,
        condition: Option<&Sp<String>>,
    ) -> Option<Dependency> {
        let name = target.get();
        if name == owner.get() {
            self.push(
                Diagnostic::error(Code::SelfDependency, format!("`{name}` depends on itself"))
                    .at(target.span(), "self-dependency")
                    .help("remove it from depends_on"),
            );
            return None;
        }
        let Some(&entity) = self.index.get(name.as_str()) else {
            let candidates: Vec<&str> = self
                .index
                .iter()
                .filter(|(n, e)| {
                    **n != owner.get().as_str() && !matches!(e, Entity::Resource(r) if is_volume(r))
                })
                .map(|(n, _)| *n)
                .collect();
            self.unknown("dependency", name, target.span(), &candidates);
            return None;
        };
        if let Entity::Resource(r) = entity
            && is_volume(r)
        {
            self.push(
                Diagnostic::error(
                    Code::ImpossibleCondition,
                    format!("`{name}` is a volume; volumes are mounted, not waited for"),
                )
                .at(target.span(), "a volume")
                .help(format!(
                    "mount it with `volumes = {{ \"/path\" = \"{name}\" }}`"
                )),
            );
            return None;
        }
        let condition = match condition {
            None => default_condition(entity),
            Some(c) => {
                let parsed = c.get().parse::<Condition>().ok();
                let Some(parsed) = parsed else {
                    self.push(
                        Diagnostic::error(
                            Code::InvalidValue,
                            format!("unknown condition `{}`", c.get()),
                        )
                        .at(c.span(), "unknown condition")
                        .suggest(c.get(), Condition::keywords())
                        .with_default_help("conditions are `started`, `healthy` and `completed`"),
                    );
                    return None;
                };
                self.condition_holds(name, entity, parsed, c.span())?;
                parsed
            }
        };
        Some(Dependency {
            target: name.parse().ok()?,
            condition,
            origin: DependencyOrigin::Declared,
            span: target.span(),
        })
    }

    /// Rejects conditions that can never be met, which would hang a deployment forever.
    fn condition_holds(
        &mut self,
        name: &str,
        entity: Entity<'_>,
        condition: Condition,
        span: Range<usize>,
    ) -> Option<()> {
        let problem = match (entity, condition) {
            (Entity::Service(_) | Entity::Resource(_), Condition::Completed) => Some((
                format!(
                    "{} `{name}` runs until stopped, so `completed` never holds",
                    entity.describe()
                ),
                "wait for `healthy` or `started`; only jobs complete".to_owned(),
            )),
            (Entity::Service(s), Condition::Healthy) if s.health.is_none() => Some((
                format!("service `{name}` has no health check, so `healthy` never holds"),
                format!("add `health = {{ … }}` to service `{name}`, or wait for `started`"),
            )),
            (Entity::Job, Condition::Healthy) => Some((
                format!(
                    "job `{name}` has no health check (jobs cannot have one), so `healthy` never holds"
                ),
                "wait for `completed` (the default for jobs) or `started`".to_owned(),
            )),
            _ => None,
        };
        match problem {
            Some((message, help)) => {
                self.push(
                    Diagnostic::error(Code::ImpossibleCondition, message)
                        .at(span, "can never hold")
                        .help(help),
                );
                None
            }
            None => Some(()),
        }
    }
}

/// The language's default: jobs complete; anything with a health check becomes healthy; the rest starts.
fn default_condition(entity: Entity<'_>) -> Condition {
    match entity {
        Entity::Job => Condition::Completed,
        Entity::Service(s) if s.health.is_some() => Condition::Healthy,
        Entity::Service(_) => Condition::Started,
        // Resources run with their type's native health check, unless someone else runs them.
        Entity::Resource(r) if r.external.as_ref().is_some_and(|e| *e.get()) => Condition::Started,
        Entity::Resource(_) => Condition::Healthy,
    }
}
