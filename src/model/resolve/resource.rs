//! Resources: databases, caches, brokers, volumes; run by the stack or external.

use std::collections::BTreeMap;

use super::{Resolver, checks};
use crate::diagnostics::{Code, Diagnostic};
use crate::model::{External, OutputValue, Resource, ResourceKind};
use crate::spec::{OutputValueSpec, ResourceSpec, Sp};
use crate::units::{ByteSize, Name, SecretName};

impl Resolver<'_> {
    pub(super) fn resources(&mut self) -> BTreeMap<Name, Resource> {
        let specs = &self.spec.resources;
        specs
            .iter()
            .filter_map(|(name, spec)| Some((name.get().parse().ok()?, self.resource(name, spec)?)))
            .collect()
    }

    fn resource(&mut self, name: &Sp<String>, spec: &Sp<ResourceSpec>) -> Option<Resource> {
        let Some(kind_text) = &spec.kind else {
            self.push(
                Diagnostic::error(
                    Code::MissingField,
                    format!("resource `{}` has no `type`", name.get()),
                )
                .at(name.span(), "no type")
                .help(format!(
                    "add `type = \"…\"`, one of: {}",
                    ResourceKind::keywords().collect::<Vec<_>>().join(", ")
                )),
            );
            return None;
        };
        let Ok(kind) = kind_text.get().parse::<ResourceKind>() else {
            self.push(
                Diagnostic::error(
                    Code::InvalidResource,
                    format!("unknown resource type `{}`", kind_text.get()),
                )
                .at(kind_text.span(), "unknown type")
                .suggest(kind_text.get(), ResourceKind::keywords())
                .with_default_help(format!(
                    "types: {}",
                    ResourceKind::keywords().collect::<Vec<_>>().join(", ")
                )),
            );
            return None;
        };
        let external = spec.external.as_ref().is_some_and(|e| *e.get());
        let mut ok = self.fields_apply(kind, external, spec);

        if let Some(v) = &spec.version
            && let Err(why) = checks::version(v.get())
        {
            ok = false;
            self.error(Code::InvalidResource, why, v.span(), "invalid version");
        }
        if let Some(image) = &spec.image
            && let Err(why) = checks::image_reference(image.get())
        {
            ok = false;
            self.error(Code::InvalidImage, why, image.span(), "invalid image");
        }
        for (field, value) in [("username", &spec.username), ("database", &spec.database)] {
            if let Some(v) = value {
                let valid = !v.get().is_empty()
                    && v.get().len() <= 63
                    && v.get()
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_');
                if !valid {
                    ok = false;
                    self.error(
                        Code::InvalidResource,
                        format!(
                            "`{}` is not a valid {field}: use letters, digits and `_`",
                            v.get()
                        ),
                        v.span(),
                        format!("invalid {field}"),
                    );
                }
            }
        }
        let storage = spec
            .storage
            .as_ref()
            .map(|s| self.parse::<ByteSize>(s, Code::InvalidSize, "storage size"));
        let cpu = spec.cpu.as_ref().map(|c| self.cpu(c));
        let memory = spec.memory.as_ref().map(|m| self.memory(m));
        let publish = spec.publish.as_ref().map(|p| self.port(p));
        let outputs = if external {
            self.external_outputs(kind, spec)
        } else {
            Some(External::default())
        };

        let text = |v: &Option<Sp<String>>| v.as_ref().map(|s| s.get().clone());
        let resource = Resource {
            name: name.get().parse().ok()?,
            kind,
            version: text(&spec.version)
                .or_else(|| kind.default_version().map(str::to_owned))
                .unwrap_or_default(),
            image: text(&spec.image),
            storage: storage.flatten(),
            username: text(&spec.username),
            database: text(&spec.database),
            cpu: cpu.flatten(),
            memory: memory.flatten(),
            publish: if external { None } else { publish.flatten() },
            external: external.then_some(outputs?),
        };
        ok.then_some(resource)
    }

    /// Fields that only some types (or only run resources) understand.
    fn fields_apply(&mut self, kind: ResourceKind, external: bool, spec: &ResourceSpec) -> bool {
        let mut ok = true;
        let mut reject = |r: &mut Self, field: &str, span: std::ops::Range<usize>, why: String| {
            ok = false;
            r.push(
                Diagnostic::error(
                    Code::InvalidResource,
                    format!("`{field}` does not apply to {why}"),
                )
                .at(span, "not applicable"),
            );
        };
        if kind == ResourceKind::Volume {
            let fields = [
                ("version", spec.version.as_ref().map(Sp::span)),
                ("image", spec.image.as_ref().map(Sp::span)),
                ("username", spec.username.as_ref().map(Sp::span)),
                ("database", spec.database.as_ref().map(Sp::span)),
                ("cpu", spec.cpu.as_ref().map(Sp::span)),
                ("memory", spec.memory.as_ref().map(Sp::span)),
                (
                    "external",
                    spec.external.as_ref().filter(|e| *e.get()).map(Sp::span),
                ),
                ("publish", spec.publish.as_ref().map(Sp::span)),
            ];
            for (field, span) in fields {
                if let Some(span) = span {
                    reject(
                        self,
                        field,
                        span,
                        "a volume (volumes only have `storage`)".into(),
                    );
                }
            }
        } else {
            if let Some(u) = &spec.username
                && !kind.has_credentials()
            {
                reject(
                    self,
                    "username",
                    u.span(),
                    format!("{kind}, which has no users"),
                );
            }
            if let Some(d) = &spec.database
                && !kind.has_database()
            {
                reject(
                    self,
                    "database",
                    d.span(),
                    format!("{kind}, which has no databases"),
                );
            }
        }
        if !external && let Some((key, _)) = spec.outputs.iter().next() {
            ok = false;
            self.push(
                    Diagnostic::error(Code::InvalidResource, "`outputs` are only for external resources")
                        .at(key.span(), "outputs of a resource the stack runs")
                        .help("the stack computes the outputs of resources it runs; set `external = true` to supply them yourself"),
                );
        }
        ok
    }

    fn external_outputs(&mut self, kind: ResourceKind, spec: &ResourceSpec) -> Option<External> {
        let mut outputs = BTreeMap::new();
        let mut ok = true;
        for (key, value) in &spec.outputs {
            if !kind.outputs().contains(&key.get().as_str()) {
                ok = false;
                self.push(
                    Diagnostic::error(
                        Code::UnknownOutput,
                        format!("{kind} resources have no output `{}`", key.get()),
                    )
                    .at(key.span(), "unknown output")
                    .suggest(key.get(), kind.outputs().iter().copied())
                    .with_default_help(format!("{kind} outputs: {}", kind.outputs().join(", "))),
                );
                continue;
            }
            let resolved = match value.get() {
                OutputValueSpec::Secret(name) => self
                    .parse::<SecretName>(name, Code::InvalidSecretName, "secret name")
                    .map(OutputValue::Secret),
                OutputValueSpec::Literal(_) if key.get() == "password" => {
                    self.push(
                        Diagnostic::error(
                            Code::InvalidResource,
                            "a password cannot be a literal value",
                        )
                        .at(value.span(), "literal password")
                        .help("name a secret instead: `password = { secret = \"…\" }`"),
                    );
                    None
                }
                OutputValueSpec::Literal(text) => {
                    self.output_hygiene(key, value);
                    Some(OutputValue::Literal(text.clone()))
                }
            };
            match resolved {
                Some(v) => {
                    outputs.insert(key.get().clone(), v);
                }
                None => ok = false,
            }
        }
        ok.then_some(External { outputs })
    }

    /// A volume nobody mounts is likely a mistake (a typo in a mount, or a leftover). Mounts are read
    /// from the spec, so a service that failed for another reason does not make its volume look unused.
    pub(super) fn unused_volumes(&mut self, resources: &BTreeMap<Name, Resource>) {
        let spec = self.spec;
        let mounted: std::collections::BTreeSet<&str> = spec
            .services
            .values()
            .chain(spec.jobs.values())
            .flat_map(|w| w.volumes.values().filter_map(|m| m.get().volume()))
            .collect();
        for name in spec.resources.keys() {
            let is_unused_volume = name
                .get()
                .parse::<Name>()
                .ok()
                .and_then(|n| resources.get(&n))
                .is_some_and(|r| {
                    r.kind == ResourceKind::Volume
                        && !mounted.contains(r.name.as_str())
                        && !self.overlay_volumes.contains(r.name.as_str())
                });
            if is_unused_volume {
                self.push(
                    Diagnostic::warning(
                        Code::UnusedVolume,
                        format!(
                            "volume `{}` is not mounted by any service or job",
                            name.get()
                        ),
                    )
                    .at(name.span(), "unused volume")
                    .help(format!(
                        "mount it with `volumes = {{ \"/data\" = \"{}\" }}` or remove it",
                        name.get()
                    )),
                );
            }
        }
    }
}
