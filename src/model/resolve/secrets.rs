//! Secrets hygiene: credentials never written into the spec as literals, variables stackc sets itself
//! never set by the user, and one meaning per secret name.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use super::{Resolver, checks};
use crate::diagnostics::{Code, Diagnostic};
use crate::model::{EnvValue, Reference, Resource, Workload, WorkloadKind};
use crate::spec::{EnvValueSpec, Named, OutputValueSpec, Sp, WorkloadSpec};
use crate::targets::outputs::{EnvShape, env_secret, resource_secrets};
use crate::units::{Name, SecretName};

/// Variables stackc sets in containers start with this (`STACKC_SECRET_ENV`, Kubernetes'
/// `STACKC_SECRET_<NAME>` helpers); the other reserved ones are the `<VAR>_FILE` of secret variables.
pub const RESERVED_ENV_PREFIX: &str = "STACKC_";

const NOT_SECRET_HELP: &str =
    "if it is not a credential, say so: `{ value = \"…\", not_secret = true }`";

/// Whether a reference resolves to a secret.
fn secret_reference(resources: &BTreeMap<Name, Resource>, reference: &Reference) -> bool {
    match reference {
        Reference::ResourceOutput { resource, output } => resources
            .get(resource)
            .is_some_and(|r| r.output_is_secret(output)),
        Reference::Service { .. } => false,
    }
}

/// `DATABASE_PASSWORD` -> `database-password`, the secret exposed as that variable, if it is a valid name.
fn secret_for(var: &str) -> Option<SecretName> {
    let name = var.to_ascii_lowercase().replace('_', "-");
    name.parse::<SecretName>()
        .ok()
        .filter(|s| s.env_var() == var)
}

impl Resolver<'_> {
    /// Checks one env variable's name and literal value. `placeholders` are the ranges of its
    /// placeholders in the value's text.
    pub(super) fn env_hygiene(
        &mut self,
        spec: &WorkloadSpec,
        key: &Sp<String>,
        value: &Sp<EnvValueSpec>,
        placeholders: &[Range<usize>],
    ) {
        let var = key.get();
        if var.starts_with(RESERVED_ENV_PREFIX) {
            self.push(
                Diagnostic::error(
                    Code::ReservedEnvName,
                    format!("`{var}` is reserved: stackc sets the `{RESERVED_ENV_PREFIX}*` variables in containers"),
                )
                .at(key.span(), "reserved name")
                .help("choose a name without the `STACKC_` prefix"),
            );
            return;
        }
        let EnvValueSpec { text, not_secret } = value.get();
        // A variable that collides with a secret's is reported as that collision (by `secrets`).
        let is_secret_var = spec
            .secrets
            .iter()
            .filter_map(|s| s.get().parse::<SecretName>().ok())
            .any(|s| s.env_var() == *var);
        if *not_secret || is_secret_var {
            return;
        }
        // A password is a password whatever it looks like (`1234567`, `/hunter2`); for tokens and
        // keys, values that are plainly numbers, flags, durations or paths pass.
        let literal = if checks::password_name(var) {
            !text.trim().is_empty()
        } else {
            !checks::plainly_not_secret(text)
        };
        if placeholders.is_empty() && checks::credential_name(var) && literal {
            let help = match secret_for(var) {
                Some(s) => format!(
                    "keep credentials out of the spec: remove it from `env` and add `secrets = [\"{s}\"]`, which exposes the secret `{s}` as `{var}`; {NOT_SECRET_HELP}"
                ),
                None => format!(
                    "keep credentials out of the spec: list a secret in `secrets = [\"…\"]` (exposed as its name in capitals, `-` as `_`); {NOT_SECRET_HELP}"
                ),
            };
            self.push(
                Diagnostic::error(
                    Code::LiteralSecret,
                    format!("`{var}` looks like a credential but its value is written in the spec"),
                )
                .at(value.span(), "literal credential")
                .help(help),
            );
        } else if let Some(password) = checks::url_password(text, placeholders) {
            let span = self.inner_span(value.span(), password);
            let url_secret = secret_for(var).map_or_else(|| "…".to_owned(), |s| s.to_string());
            self.push(
                Diagnostic::error(
                    Code::LiteralSecret,
                    format!("the connection string in `{var}` has a password written in the spec"),
                )
                .at(span, "literal password")
                .help(format!(
                    "refer to the resource's URL (`${{resources.<name>.url}}`) or password (`${{resources.<name>.password}}`), or make the whole URL a secret: `secrets = [\"{url_secret}\"]`; {NOT_SECRET_HELP}"
                )),
            );
        }
    }

    /// A literal output of an external resource with a password in a URL.
    pub(super) fn output_hygiene(&mut self, key: &Sp<String>, value: &Sp<OutputValueSpec>) {
        let OutputValueSpec::Literal(text) = value.get() else {
            return;
        };
        if let Some(password) = checks::url_password(text, &[]) {
            let span = self.inner_span(value.span(), password);
            self.push(
                Diagnostic::error(
                    Code::LiteralSecret,
                    format!(
                        "the URL in output `{}` has a password written in the spec",
                        key.get()
                    ),
                )
                .at(span, "literal password")
                .help(format!(
                    "name a secret holding the whole URL instead: `{} = {{ secret = \"…\" }}`",
                    key.get()
                )),
            );
        }
    }

    /// `<VAR>_FILE` is set by stackc (compose, for images that read the `_FILE` convention) to the file
    /// of every variable holding a secret: the user cannot set it too.
    pub(super) fn file_variables(
        &mut self,
        spec: &WorkloadSpec,
        env: &BTreeMap<crate::units::EnvVarName, (EnvValue, Range<usize>)>,
        resources: &BTreeMap<Name, Resource>,
    ) {
        let mut secret_vars: BTreeSet<String> = env
            .iter()
            .filter(|(_, (value, _))| {
                EnvShape::of_value(value, |r| secret_reference(resources, r)) != EnvShape::Literal
            })
            .map(|(k, _)| k.to_string())
            .collect();
        let user: Vec<(String, Range<usize>)> = spec
            .secrets
            .iter()
            .filter_map(|s| Some((s.get().parse::<SecretName>().ok()?.env_var(), s.span())))
            .collect();
        secret_vars.extend(user.iter().map(|(v, _)| v.clone()));
        for key in spec.env.keys() {
            self.file_variable(key.get(), key.span(), &secret_vars);
        }
        for (var, span) in user {
            if var.starts_with(RESERVED_ENV_PREFIX) {
                self.push(
                    Diagnostic::error(
                        Code::ReservedEnvName,
                        format!("this secret is exposed as `{var}`, a reserved name: stackc sets the `{RESERVED_ENV_PREFIX}*` variables in containers"),
                    )
                    .at(span.clone(), "reserved variable")
                    .help("rename the secret"),
                );
            }
            self.file_variable(&var, span, &secret_vars);
        }
    }

    fn file_variable(&mut self, var: &str, span: Range<usize>, secret_vars: &BTreeSet<String>) {
        let Some(base) = var.strip_suffix("_FILE") else {
            return;
        };
        if secret_vars.contains(base) {
            self.push(
                Diagnostic::error(
                    Code::ReservedEnvName,
                    format!("`{var}` is reserved: `{base}` holds a secret, and stackc sets `{var}` to the file holding it"),
                )
                .at(span, "reserved variable")
                .help(format!("images that read `{base}_FILE` get it from stackc; rename this variable")),
            );
        }
    }

    /// A secret name means one thing: a secret the user supplies (`secrets = [...]`, an external
    /// output's `{ secret = "…" }`) cannot share a name with one stackc makes (a resource's password or
    /// URL, a value assembled from text and secrets), nor can two of stackc's own: `init-secrets.sh` (and
    /// ECS's SSM parameters) would write one over the other.
    pub(super) fn secret_collisions(
        &mut self,
        resources: &BTreeMap<Name, Resource>,
        services: &BTreeMap<Name, Workload>,
        jobs: &BTreeMap<Name, Workload>,
    ) {
        let spec = self.spec;
        let mut derived: BTreeMap<String, Made> = BTreeMap::new();
        let mut made = Vec::new();
        for name in spec.resources.keys() {
            let Some(r) = name
                .get()
                .parse::<Name>()
                .ok()
                .and_then(|n| resources.get(&n))
            else {
                continue;
            };
            for (secret, output) in resource_secrets(r) {
                let what = if output == "password" {
                    "the generated password"
                } else {
                    "the URL (with the password)"
                };
                made.push(Made {
                    secret,
                    origin: format!("{what} of resource `{}`", r.name),
                    span: name.span(),
                    read: format!("`${{resources.{}.{output}}}`", r.name),
                });
            }
        }
        for (specs, models) in [(&spec.services, services), (&spec.jobs, jobs)] {
            made.extend(derived_env_secrets(specs, models, resources));
        }
        for m in made {
            if let Some(first) = derived.get(&m.secret) {
                self.push(
                    Diagnostic::error(
                        Code::SecretCollision,
                        format!("stackc would make two secrets named `{}`", m.secret),
                    )
                    .at(m.span, m.origin)
                    .at(first.span.clone(), first.origin.clone())
                    .help("rename one of them (the secret's name comes from the resource, workload and variable names)"),
                );
            } else {
                derived.insert(m.secret.clone(), m);
            }
        }

        let mut user: Vec<&Sp<String>> = spec
            .services
            .values()
            .chain(spec.jobs.values())
            .flat_map(|w| w.secrets.iter())
            .collect();
        for r in spec.resources.values() {
            user.extend(r.outputs.values().filter_map(|v| match v.get() {
                OutputValueSpec::Secret(name) => Some(name),
                OutputValueSpec::Literal(_) => None,
            }));
        }
        for secret in user {
            let Some(m) = derived.get(secret.get()) else {
                continue;
            };
            self.push(
                Diagnostic::error(
                    Code::SecretCollision,
                    format!("secret `{}` is also the name of {}", secret.get(), m.origin),
                )
                .at(secret.span(), "your secret")
                .at(m.span.clone(), format!("stackc makes `{}` from this", secret.get()))
                .help(format!(
                    "stackc writes `{}` itself (init-secrets.sh would overwrite your file): rename your secret; stackc's value is read with {}",
                    secret.get(),
                    m.read
                )),
            );
        }
    }
}

/// A secret stackc makes: what it is, where it comes from, and how a spec reads it.
struct Made {
    secret: String,
    origin: String,
    span: Range<usize>,
    read: String,
}

/// The secrets assembled from env values mixing text and secrets.
fn derived_env_secrets(
    specs: &Named<WorkloadSpec>,
    models: &BTreeMap<Name, Workload>,
    resources: &BTreeMap<Name, Resource>,
) -> Vec<Made> {
    let mut out = Vec::new();
    for (name, spec) in specs {
        let Some(w) = name.get().parse::<Name>().ok().and_then(|n| models.get(&n)) else {
            continue;
        };
        let kind = match w.kind {
            WorkloadKind::Service => "service",
            WorkloadKind::Job => "job",
        };
        for (key, value) in &spec.env {
            let Some(model) = w.env.iter().find(|(k, _)| k.as_str() == key.get()) else {
                continue;
            };
            if EnvShape::of_value(model.1, |r| secret_reference(resources, r)) == EnvShape::Derived
            {
                out.push(Made {
                    secret: env_secret(&w.name, key.get()),
                    origin: format!(
                        "the value of `{}` in {kind} `{}` (text and secrets)",
                        key.get(),
                        w.name
                    ),
                    span: value.span(),
                    read: format!("the variable `{}` of {kind} `{}`", key.get(), w.name),
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceFile;

    fn codes(spec: &str) -> Vec<String> {
        let source = SourceFile::new("stack.toml", spec);
        let outcome = crate::compile::compile(&source, None).unwrap();
        outcome
            .diagnostics
            .iter()
            .map(|d| d.code.as_str().trim_start_matches("stackc::").to_owned())
            .collect()
    }

    const HEAD: &str = "[stack]\nname = \"t\"\n[resources.db]\ntype = \"postgres\"\n[services.api]\nimage = \"nginx:1.27\"\n";

    #[test]
    fn secret_names_for_variables() {
        assert_eq!(
            secret_for("DATABASE_PASSWORD").map(|s| s.to_string()),
            Some("database-password".into())
        );
        // Not exposed under the same name (lowercase), or not a valid secret name.
        assert_eq!(secret_for("db_password"), None);
        assert_eq!(secret_for("_TOKEN"), None);
    }

    #[test]
    fn not_secret_marks_a_value_and_keeps_it() {
        let spec = format!(
            "{HEAD}env = {{ SORT_KEY = {{ value = \"created_at\", not_secret = true }} }}\n"
        );
        assert!(codes(&spec).is_empty(), "{:?}", codes(&spec));
        let source = SourceFile::new("stack.toml", spec);
        let model = crate::compile::compile(&source, None)
            .unwrap()
            .compiled
            .unwrap()
            .model;
        let api = &model.services[&"api".parse::<Name>().unwrap()];
        let value = api.env.values().next().unwrap();
        assert_eq!(
            value.parts,
            [crate::model::EnvPart::Text("created_at".into())]
        );
        // Without the mark it is a literal credential.
        let spec = format!("{HEAD}env = {{ SORT_KEY = \"created_at\" }}\n");
        assert_eq!(codes(&spec), ["literal-secret"]);
    }

    #[test]
    fn secret_references_are_not_literals() {
        for value in [
            "${resources.db.password}",
            "${resources.db.url}",
            "postgres://app:${resources.db.password}@db:5432/app",
        ] {
            let spec = format!("{HEAD}env = {{ DATABASE_PASSWORD = \"{value}\" }}\n");
            assert!(codes(&spec).is_empty(), "{value}: {:?}", codes(&spec));
        }
    }

    #[test]
    fn file_variables_only_of_secret_variables() {
        let spec = format!(
            "{HEAD}env = {{ CONFIG = \"x\", CONFIG_FILE = \"/etc/app.conf\", DB_HOST = \"${{resources.db.host}}\", DB_HOST_FILE = \"/x\" }}\n"
        );
        assert!(codes(&spec).is_empty(), "{:?}", codes(&spec));
        let spec =
            format!("{HEAD}env = {{ DB = \"${{resources.db.password}}\", DB_FILE = \"/x\" }}\n");
        assert_eq!(codes(&spec), ["reserved-env-name"]);
    }
}
