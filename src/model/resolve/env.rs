//! Env variables and the placeholders inside them.

use std::collections::BTreeMap;
use std::ops::Range;

use super::{Entity, Resolver, names};
use crate::diagnostics::{Code, Diagnostic};
use crate::model::placeholder::{self, Piece};
use crate::model::{EnvPart, EnvValue, Reference, Resource, ResourceKind, ServiceField};
use crate::spec::WorkloadSpec;
use crate::units::{EnvVarName, Name};

pub(super) struct ResolvedEnv {
    /// Each variable with the span of its value.
    pub vars: BTreeMap<EnvVarName, (EnvValue, Range<usize>)>,
    /// Every reference with the span of its placeholder: these become dependency edges.
    pub refs: Vec<(Reference, Range<usize>)>,
}

const PLACEHOLDER_HELP: &str = "placeholders are `${resources.<name>.<output>}` and `${services.<name>.url}` (or `.host`, `.port`); write `$${` for a literal `${`";

impl Resolver<'_> {
    pub(super) fn env(
        &mut self,
        spec: &WorkloadSpec,
        resources: &BTreeMap<Name, Resource>,
    ) -> Option<ResolvedEnv> {
        let mut out = ResolvedEnv {
            vars: BTreeMap::new(),
            refs: Vec::new(),
        };
        let mut ok = true;
        for (key, value) in &spec.env {
            let Some(name) =
                self.parse::<EnvVarName>(key, Code::InvalidEnvName, "environment variable name")
            else {
                ok = false;
                continue;
            };
            let pieces = match placeholder::split(&value.get().text) {
                Ok(p) => p,
                Err(e) => {
                    ok = false;
                    let span = self.inner_span(value.span(), e.range);
                    self.push(
                        Diagnostic::error(Code::InvalidPlaceholder, e.message)
                            .at(span, "here")
                            .help(PLACEHOLDER_HELP),
                    );
                    continue;
                }
            };
            let placeholders: Vec<Range<usize>> = pieces
                .iter()
                .filter_map(|p| match p {
                    Piece::Placeholder { range, .. } => Some(range.clone()),
                    Piece::Text(_) => None,
                })
                .collect();
            self.env_hygiene(spec, key, value, &placeholders);
            let mut parts = Vec::new();
            for piece in pieces {
                match piece {
                    Piece::Text(t) => parts.push(EnvPart::Text(t)),
                    Piece::Placeholder { path, range } => {
                        let span = self.inner_span(value.span(), range);
                        match self.reference(&path, span.clone(), resources) {
                            Some(r) => {
                                out.refs.push((r.clone(), span));
                                parts.push(EnvPart::Ref(r));
                            }
                            None => ok = false,
                        }
                    }
                }
            }
            out.vars.insert(name, (EnvValue { parts }, value.span()));
        }
        self.file_variables(spec, &out.vars, resources);
        ok.then_some(out)
    }

    fn reference(
        &mut self,
        path: &[String],
        span: Range<usize>,
        resources: &BTreeMap<Name, Resource>,
    ) -> Option<Reference> {
        let shown = format!("${{{}}}", path.join("."));
        match path {
            [root, name, output] if root == "resources" => {
                self.resource_reference(name, output, span, resources)
            }
            [root, name, field] if root == "services" => self.service_reference(name, field, span),
            [root, ..] if root == "resources" || root == "services" => {
                self.push(
                    Diagnostic::error(
                        Code::InvalidPlaceholder,
                        format!("malformed placeholder `{shown}`"),
                    )
                    .at(span, format!("expected `${{{root}.<name>.<field>}}`"))
                    .help(PLACEHOLDER_HELP),
                );
                None
            }
            [root, ..] => {
                let mut d = Diagnostic::error(
                    Code::InvalidPlaceholder,
                    format!("unknown placeholder `{shown}`"),
                )
                .at(span, "unknown placeholder");
                d = if root == "jobs" {
                    d.help("jobs have no outputs to refer to; only resources and services do")
                } else {
                    d.suggest(root, ["resources", "services"])
                        .with_default_help(PLACEHOLDER_HELP)
                };
                self.push(d);
                None
            }
            [] => None,
        }
    }

    fn resource_reference(
        &mut self,
        name: &str,
        output: &str,
        span: Range<usize>,
        resources: &BTreeMap<Name, Resource>,
    ) -> Option<Reference> {
        let resource = match self.index.get(name).copied() {
            Some(Entity::Resource(r)) => r,
            Some(other) => {
                self.push(
                    Diagnostic::error(
                        Code::UnknownReference,
                        format!("`{name}` is a {}, not a resource", other.describe()),
                    )
                    .at(span, "not a resource")
                    .help(format!(
                        "a {0}'s address is `${{services.{name}.url}}`",
                        other.describe()
                    )),
                );
                return None;
            }
            None => {
                let names = names(&self.spec.resources);
                self.unknown("resource", name, span, &names);
                return None;
            }
        };
        let kind = resource
            .kind
            .as_ref()
            .and_then(|k| k.get().parse::<ResourceKind>().ok())?;
        if !kind.outputs().contains(&output) {
            let msg = if kind == ResourceKind::Volume {
                format!("`{name}` is a volume and has no outputs; mount it with `volumes` instead")
            } else {
                format!("resource `{name}` ({kind}) has no output `{output}`")
            };
            self.push(
                Diagnostic::error(Code::UnknownOutput, msg)
                    .at(span, "unknown output")
                    .suggest(output, kind.outputs().iter().copied())
                    .with_default_help(format!("{kind} outputs: {}", kind.outputs().join(", "))),
            );
            return None;
        }
        let resolved = name.parse::<Name>().ok().and_then(|n| resources.get(&n));
        if let Some(external) = resolved.and_then(|r| r.external.as_ref())
            && !external.outputs.contains_key(output)
        {
            let provided: Vec<&str> = external.outputs.keys().map(String::as_str).collect();
            let mut d = Diagnostic::error(
                Code::ExternalOutputMissing,
                format!("resource `{name}` is external but provides no `{output}` output"),
            )
            .at(span, format!("needs `{output}`"));
            if let Some(outputs) = resource.outputs.keys().next() {
                d = d.at(outputs.span(), format!("provides: {}", provided.join(", ")));
            }
            self.push(d.help(format!(
                    "add `{output}` to `resources.{name}.outputs`, e.g. `{output} = {{ secret = \"{name}-{output}\" }}`"
                )));
            return None;
        }
        Some(Reference::ResourceOutput {
            resource: name.parse().ok()?,
            output: output.to_owned(),
        })
    }

    fn service_reference(
        &mut self,
        name: &str,
        field: &str,
        span: Range<usize>,
    ) -> Option<Reference> {
        let service = match self.index.get(name).copied() {
            Some(Entity::Service(s)) => s,
            Some(Entity::Resource(_)) => {
                self.push(
                    Diagnostic::error(
                        Code::UnknownReference,
                        format!("`{name}` is a resource, not a service"),
                    )
                    .at(span, "not a service")
                    .help(format!(
                        "a resource's address is `${{resources.{name}.url}}` (or `.host`, `.port`)"
                    )),
                );
                return None;
            }
            Some(Entity::Job) => {
                self.push(
                    Diagnostic::error(
                        Code::UnknownReference,
                        format!("`{name}` is a job; jobs have no address"),
                    )
                    .at(span, "a job")
                    .help("only services (with a port) and resources can be referred to"),
                );
                return None;
            }
            None => {
                let names = names(&self.spec.services);
                self.unknown("service", name, span, &names);
                return None;
            }
        };
        let Some((_, field)) = ServiceField::ALL.iter().find(|(f, _)| *f == field) else {
            self.push(
                Diagnostic::error(
                    Code::UnknownOutput,
                    format!("services have no field `{field}`"),
                )
                .at(span, "unknown field")
                .suggest(field, ServiceField::ALL.iter().map(|(f, _)| *f))
                .with_default_help("services offer `url`, `host` and `port`"),
            );
            return None;
        };
        if service.port.is_none() {
            self.push(
                Diagnostic::error(
                    Code::UnknownOutput,
                    format!("service `{name}` has no `port`, so it has no address to refer to"),
                )
                .at(span, "service without a port")
                .help(format!("give service `{name}` a `port`")),
            );
            return None;
        }
        Some(Reference::Service {
            service: name.parse().ok()?,
            field: *field,
        })
    }
}
