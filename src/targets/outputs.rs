//! What references resolve to, shared by the targets: each target names hosts its own way, but the
//! shape of every output (URL formats, ports, users) is decided once, here.

use crate::model::{
    EnvPart, EnvValue, Model, OutputValue, Reference, Resource, ResourceKind, ServiceField,
};
use crate::units::{Name, Port};

/// A resolved piece of an env value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolved {
    Text(String),
    /// The value of a secret, by name.
    Secret(String),
}

/// How a target names the host of a service or resource (compose: the service name; Kubernetes: a
/// cluster DNS name; ECS: a Service Connect alias).
pub trait HostNaming {
    fn host(&self, name: &Name) -> String;
}

/// Hosts named as the services and resources themselves: Compose service names, ECS Service Connect aliases.
pub struct ByName;

impl HostNaming for ByName {
    fn host(&self, name: &Name) -> String {
        name.to_string()
    }
}

/// Where Compose's secret files live, relative to the output folder (`init-secrets.sh` writes them there
/// unless `$STACKC_SECRETS_DIR` says otherwise).
pub const SECRETS_DIR: &str = "compose/secrets";

/// The secret a stack-run resource's generated password lives in.
#[must_use]
pub fn password_secret(resource: &Resource) -> String {
    format!("{}-password", resource.name)
}

/// The secret a stack-run resource's URL (which embeds the password) lives in.
#[must_use]
pub fn url_secret(resource: &Resource) -> String {
    format!("{}-url", resource.name)
}

/// The port clients inside the stack use.
#[must_use]
pub fn resource_port(resource: &Resource) -> u16 {
    resource.kind.port().unwrap_or_default()
}

/// The URL of a resource, with `password` in place of the password (the caller decides how that is filled).
#[must_use]
pub fn resource_url(resource: &Resource, host: &str, password: &str) -> String {
    let port = resource_port(resource);
    let user = resource.username();
    let db = resource.database();
    match resource.kind {
        ResourceKind::Postgres => format!("postgres://{user}:{password}@{host}:{port}/{db}"),
        ResourceKind::Mysql | ResourceKind::Mariadb => {
            format!("mysql://{user}:{password}@{host}:{port}/{db}")
        }
        ResourceKind::Mongodb => {
            format!("mongodb://{user}:{password}@{host}:{port}/{db}?authSource=admin")
        }
        ResourceKind::Rabbitmq => format!("amqp://{user}:{password}@{host}:{port}/"),
        ResourceKind::Redis => format!("redis://{host}:{port}"),
        ResourceKind::Kafka => format!("{host}:{port}"),
        ResourceKind::Volume => String::new(),
    }
}

/// Resolves one reference.
#[must_use]
pub fn resolve(model: &Model, naming: &dyn HostNaming, reference: &Reference) -> Resolved {
    match reference {
        Reference::Service { service, field } => {
            let port = model
                .services
                .get(service)
                .and_then(|s| s.port)
                .map_or(0, Port::get);
            let host = naming.host(service);
            Resolved::Text(match field {
                ServiceField::Url => format!("http://{host}:{port}"),
                ServiceField::Host => host,
                ServiceField::Port => port.to_string(),
            })
        }
        Reference::ResourceOutput { resource, output } => {
            let r = &model.resources[resource];
            if let Some(external) = &r.external {
                return match &external.outputs[output] {
                    OutputValue::Literal(v) => Resolved::Text(v.clone()),
                    OutputValue::Secret(s) => Resolved::Secret(s.to_string()),
                };
            }
            let host = naming.host(resource);
            match output.as_str() {
                "host" => Resolved::Text(host),
                "port" => Resolved::Text(resource_port(r).to_string()),
                "username" => Resolved::Text(r.username().to_owned()),
                "database" => Resolved::Text(r.database()),
                "password" => Resolved::Secret(password_secret(r)),
                "url" if r.kind.has_credentials() => Resolved::Secret(url_secret(r)),
                "url" => Resolved::Text(resource_url(r, &host, "")),
                other => unreachable!("output `{other}` was checked by the model"),
            }
        }
    }
}

/// Resolves every part of an env value.
#[must_use]
pub fn resolve_value(model: &Model, naming: &dyn HostNaming, value: &EnvValue) -> Vec<Resolved> {
    value
        .parts
        .iter()
        .map(|p| match p {
            EnvPart::Text(t) => Resolved::Text(t.clone()),
            EnvPart::Ref(r) => resolve(model, naming, r),
        })
        .collect()
}

/// Where a secret's value comes from, which decides who creates it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretOrigin {
    /// A random credential of a resource the stack runs, created once.
    Generated,
    /// Assembled from text and other secrets (a resource's URL holding its password).
    Derived(Vec<Resolved>),
    /// Only the user knows it.
    User,
}

/// The origin of a secret named by a resolved reference.
#[must_use]
pub fn secret_origin(model: &Model, naming: &dyn HostNaming, name: &str) -> SecretOrigin {
    let mut run = model.resources.values().filter(|r| r.external.is_none());
    let Some(r) = run.find(|r| url_secret(r) == name || password_secret(r) == name) else {
        return SecretOrigin::User;
    };
    if password_secret(r) == name {
        return SecretOrigin::Generated;
    }
    let marker = "\u{0}";
    let mut parts = Vec::new();
    for (i, piece) in resource_url(r, &naming.host(&r.name), marker)
        .split(marker)
        .enumerate()
    {
        if i > 0 {
            parts.push(Resolved::Secret(password_secret(r)));
        }
        if !piece.is_empty() {
            parts.push(Resolved::Text(piece.to_owned()));
        }
    }
    SecretOrigin::Derived(parts)
}

/// What an env variable's value is, once resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnvSource {
    /// Plain text.
    Literal(String),
    /// The value of one secret.
    Secret(String),
    /// Text and secrets mixed: a secret of its own (`env-<workload>-<var>`), derived from these parts.
    Derived { name: String, parts: Vec<Resolved> },
}

/// Classifies a workload's env variable.
#[must_use]
pub fn env_source(
    model: &Model,
    naming: &dyn HostNaming,
    workload: &Name,
    var: &str,
    value: &EnvValue,
) -> EnvSource {
    let parts = resolve_value(model, naming, value);
    let secret: Vec<bool> = parts
        .iter()
        .map(|p| matches!(p, Resolved::Secret(_)))
        .collect();
    match (EnvShape::of(&secret), parts.as_slice()) {
        (EnvShape::Secret, [Resolved::Secret(name)]) => EnvSource::Secret(name.clone()),
        (EnvShape::Literal, _) => EnvSource::Literal(
            parts
                .iter()
                .map(|p| match p {
                    Resolved::Text(t) => t.as_str(),
                    Resolved::Secret(_) => "",
                })
                .collect(),
        ),
        _ => EnvSource::Derived {
            name: env_secret(workload, var),
            parts,
        },
    }
}

/// How an env value reaches a container, decided by which of its parts are secret: one rule for the
/// targets (which resolve the parts) and the model (which checks names before anything is resolved).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnvShape {
    /// No secret part: plain text.
    Literal,
    /// Exactly one part, a secret: the secret itself.
    Secret,
    /// Secrets among other parts: a secret of its own, assembled from them (`env_secret`).
    Derived,
}

impl EnvShape {
    /// The shape of a value whose parts are secret or not, in order.
    #[must_use]
    pub fn of(secret_parts: &[bool]) -> Self {
        match secret_parts {
            [true] => Self::Secret,
            parts if parts.iter().any(|s| *s) => Self::Derived,
            _ => Self::Literal,
        }
    }

    /// The shape of a model value, given which references are secret.
    #[must_use]
    pub fn of_value(value: &EnvValue, is_secret: impl Fn(&Reference) -> bool) -> Self {
        let secret: Vec<bool> = value
            .parts
            .iter()
            .map(|p| matches!(p, EnvPart::Ref(r) if is_secret(r)))
            .collect();
        Self::of(&secret)
    }
}

/// The secret an env value mixing text and secrets is assembled into.
#[must_use]
pub fn env_secret(workload: &Name, var: &str) -> String {
    format!(
        "env-{workload}-{}",
        var.to_ascii_lowercase().replace('_', "-")
    )
}

/// The secrets stackc itself makes exist for a resource the stack runs (its generated password and the
/// URL derived from it), each with the output that reads it; none for external resources and types
/// without credentials.
#[must_use]
pub fn resource_secrets(resource: &Resource) -> Vec<(String, &'static str)> {
    if resource.external.is_some() || !resource.kind.has_credentials() {
        return Vec::new();
    }
    vec![
        (password_secret(resource), "password"),
        (url_secret(resource), "url"),
    ]
}

/// The secrets a set of parts reads.
pub fn secrets_in(parts: &[Resolved]) -> impl Iterator<Item = &str> {
    parts.iter().filter_map(|p| {
        if let Resolved::Secret(s) = p {
            Some(s.as_str())
        } else {
            None
        }
    })
}

/// The ports a service or stack-run resource serves to the rest of the stack (main port first); none for
/// jobs, volumes and external resources.
#[must_use]
pub fn served_ports(model: &Model, name: &Name) -> Vec<u16> {
    if let Some(w) = model.services.get(name) {
        return w
            .port
            .iter()
            .map(|p| p.get())
            .chain(w.ports.iter().map(|p| p.port.get()))
            .collect();
    }
    match model.resources.get(name) {
        Some(r) if r.external.is_none() && r.kind != ResourceKind::Volume => vec![resource_port(r)],
        _ => Vec::new(),
    }
}

/// The secrets a stack's artifacts read, by who makes each exist: shared by the targets whose secrets
/// are created outside the artifacts (Compose files, ECS's SSM parameters).
#[derive(Debug, Default)]
pub struct SecretLedger {
    /// Random credentials created once.
    pub generated: std::collections::BTreeSet<String>,
    /// Values assembled from text and other secrets, in dependency order: resource URLs (0), env values (1).
    pub derived: std::collections::BTreeMap<(u8, String), Vec<Resolved>>,
    /// Secrets only the user knows.
    pub user: std::collections::BTreeSet<String>,
}

impl SecretLedger {
    /// A resource's password.
    pub fn password(&mut self, resource: &Resource) -> String {
        let name = password_secret(resource);
        self.generated.insert(name.clone());
        name
    }

    /// Records a secret by its origin (and, for a derived one, what it is derived from).
    pub fn use_secret(&mut self, model: &Model, naming: &dyn HostNaming, name: &str) {
        match secret_origin(model, naming, name) {
            SecretOrigin::Generated => {
                self.generated.insert(name.to_owned());
            }
            SecretOrigin::Derived(parts) => {
                self.generated.extend(secrets_in(&parts).map(str::to_owned));
                self.derived.insert((0, name.to_owned()), parts);
            }
            SecretOrigin::User => {
                self.user.insert(name.to_owned());
            }
        }
    }

    /// Records what an env value needs and returns the secret the variable reads; `None` for literals.
    pub fn env(
        &mut self,
        model: &Model,
        naming: &dyn HostNaming,
        source: EnvSource,
    ) -> Option<String> {
        match source {
            EnvSource::Literal(_) => None,
            EnvSource::Secret(name) => {
                self.use_secret(model, naming, &name);
                Some(name)
            }
            EnvSource::Derived { name, parts } => {
                for s in secrets_in(&parts) {
                    self.use_secret(model, naming, s);
                }
                self.derived.insert((1, name.clone()), parts);
                Some(name)
            }
        }
    }

    /// Every secret name.
    #[must_use]
    pub fn names(&self) -> std::collections::BTreeSet<String> {
        let derived = self.derived.keys().map(|(_, n)| n.clone());
        self.generated
            .iter()
            .cloned()
            .chain(derived)
            .chain(self.user.iter().cloned())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceFile;

    #[test]
    fn env_shapes() {
        assert_eq!(EnvShape::of(&[]), EnvShape::Literal);
        assert_eq!(EnvShape::of(&[false, false]), EnvShape::Literal);
        assert_eq!(EnvShape::of(&[true]), EnvShape::Secret);
        assert_eq!(EnvShape::of(&[true, true]), EnvShape::Derived);
        assert_eq!(EnvShape::of(&[false, true]), EnvShape::Derived);
    }

    /// The model's view of a value's shape (from references) is the targets' (from resolved parts).
    #[test]
    fn model_and_target_agree_on_shapes() {
        let spec = r#"
[stack]
name = "t"
[resources.db]
type = "postgres"
[resources.cache]
type = "redis"
[services.api]
image = "nginx:1.27"
port = 80
env = { A = "${resources.db.url}", B = "x${resources.db.password}", C = "${resources.cache.url}", D = "${services.api.url}", E = "plain", F = "${resources.db.password}${resources.db.password}" }
"#;
        let source = SourceFile::new("stack.toml", spec);
        let model = crate::compile::compile(&source, None)
            .unwrap()
            .compiled
            .unwrap()
            .model;
        let api = &model.services[&"api".parse::<Name>().unwrap()];
        for (var, value) in &api.env {
            let from_model = EnvShape::of_value(value, |r| match r {
                Reference::ResourceOutput { resource, output } => {
                    model.resources[resource].output_is_secret(output)
                }
                Reference::Service { .. } => false,
            });
            let from_target = match env_source(&model, &ByName, &api.name, var.as_str(), value) {
                EnvSource::Literal(_) => EnvShape::Literal,
                EnvSource::Secret(_) => EnvShape::Secret,
                EnvSource::Derived { name, .. } => {
                    assert_eq!(name, env_secret(&api.name, var.as_str()));
                    EnvShape::Derived
                }
            };
            assert_eq!(from_model, from_target, "{var}");
        }
        let db = &model.resources[&"db".parse::<Name>().unwrap()];
        assert_eq!(
            resource_secrets(db),
            [
                ("db-password".to_owned(), "password"),
                ("db-url".to_owned(), "url")
            ]
        );
        assert!(resource_secrets(&model.resources[&"cache".parse::<Name>().unwrap()]).is_empty());
    }
}
