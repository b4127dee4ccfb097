//! The resolved model: names checked, values parsed, defaults applied, references resolved.
//! Targets render from this and nothing else.

mod kinds;
mod placeholder;
pub(crate) mod resolve;

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

pub use kinds::{Condition, ResourceKind, Runtime};
pub use placeholder::{Piece, split as split_placeholders};
pub use resolve::{BUILT_WORKDIR, container_path};
pub use resolve::{build_paths, disk_paths, resolve};

use crate::units::{ByteSize, Duration, EnvVarName, MilliCpu, Name, Port, SecretName};

#[derive(Debug, Clone)]
pub struct Model {
    pub name: Name,
    pub description: Option<String>,
    /// The environment overlay applied, if any.
    pub env: Option<String>,
    /// The deployment this model is: the stack, or the stack in one environment.
    pub deployment: Deployment,
    pub services: BTreeMap<Name, Workload>,
    pub jobs: BTreeMap<Name, Workload>,
    pub resources: BTreeMap<Name, Resource>,
    /// Longest prefix first.
    pub routes: Vec<Route>,
    /// The services some route leads to: targets ask per service, and a scan of `routes` each time
    /// made them quadratic.
    pub routed: BTreeSet<Name>,
    /// Present whenever there are routes.
    pub gateway: Option<Gateway>,
    pub targets: Targets,
}

impl Model {
    /// Services and jobs, services first, each in name order.
    pub fn workloads(&self) -> impl Iterator<Item = &Workload> {
        self.services.values().chain(self.jobs.values())
    }

    /// Whether a route leads to the service.
    #[must_use]
    pub fn is_routed(&self, service: &Name) -> bool {
        self.routed.contains(service)
    }
}

/// One deployment of a stack: the base spec (`<stack>`) or one environment (`<stack>-<env>`). Every
/// target names what it deploys after it, so environments of one stack never share anything unless
/// an environment's target settings name a Compose project, Kubernetes namespace or ECS cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deployment {
    pub stack: Name,
    pub env: Option<Name>,
    /// `<stack>` or `<stack>-<env>`: a DNS-1123 label, the default project, namespace and cluster.
    pub name: Name,
}

impl Deployment {
    /// The value of the `stackc:env` tag (and label) of the base deployment: `-`, which no
    /// environment can be named (a DNS label has a letter or digit at each end).
    pub const BASE_TAG: &'static str = "-";

    /// The deployment of `stack` in `env`; `Err` when `<stack>-<env>` is not a DNS-1123 label
    /// (longer than 63 characters).
    ///
    /// # Errors
    /// Why the combined name is invalid.
    pub fn new(stack: Name, env: Option<Name>) -> Result<Self, String> {
        let name = match &env {
            None => stack.clone(),
            Some(env) => format!("{stack}-{env}").parse()?,
        };
        Ok(Self { stack, env, name })
    }

    /// What the `stackc:env` tag says: the environment, or [`Self::BASE_TAG`].
    #[must_use]
    pub fn env_tag(&self) -> &str {
        self.env.as_ref().map_or(Self::BASE_TAG, Name::as_str)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum WorkloadKind {
    Service,
    Job,
}

#[derive(Debug, Clone)]
pub struct Workload {
    pub name: Name,
    pub kind: WorkloadKind,
    pub source: ImageSource,
    pub command: Option<Vec<String>>,
    /// The main port.
    pub port: Option<Port>,
    /// Compose only: the host port the main port is published on.
    pub publish: Option<Port>,
    /// Additional named ports.
    pub ports: Vec<NamedPort>,
    /// Always 1 for jobs.
    pub replicas: u32,
    pub env: BTreeMap<EnvVarName, EnvValue>,
    pub secrets: Vec<SecretName>,
    pub cpu: Option<MilliCpu>,
    pub memory: Option<ByteSize>,
    /// In name order; declared conditions win over those implied by references.
    pub depends_on: Vec<Dependency>,
    /// Container path (absolute, normalised) -> what is mounted there.
    pub mounts: BTreeMap<String, Mount>,
    pub health: Option<Health>,
    pub user: Option<u32>,
    /// Compose only: the development loop.
    pub develop: Option<Develop>,
}

impl Workload {
    /// The lowest port the workload listens on (main or named).
    #[must_use]
    pub fn lowest_port(&self) -> Option<u16> {
        self.port
            .iter()
            .chain(self.ports.iter().map(|p| &p.port))
            .map(|p| p.get())
            .min()
    }

    /// "service `api`" or "job `migrate`", for messages.
    #[must_use]
    pub fn label(&self) -> String {
        match self.kind {
            WorkloadKind::Service => format!("service `{}`", self.name),
            WorkloadKind::Job => format!("job `{}`", self.name),
        }
    }

    /// The volume resources mounted: (container path, volume, read-only).
    pub fn volume_mounts(&self) -> impl Iterator<Item = (&str, &Name, bool)> {
        self.mounts.iter().filter_map(|(path, m)| match &m.source {
            MountSource::Volume(v) => Some((path.as_str(), v, m.read_only)),
            _ => None,
        })
    }
}

#[derive(Debug, Clone)]
pub struct Mount {
    pub source: MountSource,
    pub read_only: bool,
    /// A host path or config outside the spec's folder is allowed (`outside_project = true`).
    pub outside_project: bool,
    /// Where the mount is written, for targets that cannot carry it.
    pub span: Range<usize>,
}

#[derive(Debug, Clone)]
pub enum MountSource {
    /// A resource of type volume.
    Volume(Name),
    /// A path of the machine running the containers, as written (relative to the spec, or absolute).
    Host(String),
    /// Project files shipped with the deployment (always read-only).
    Config(Config),
}

#[derive(Debug, Clone)]
pub struct Config {
    /// As written, relative to the spec (or absolute).
    pub path: String,
    /// A single file mounted at the path, or a folder's files under it.
    pub folder: bool,
    /// The files, read when the spec is compiled: (path inside the folder, `""` for a single file;
    /// contents), in path order.
    pub files: Vec<ConfigFile>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigFile {
    /// `/`-separated path inside the config folder; empty for a single file.
    pub path: String,
    pub contents: Vec<u8>,
    /// Executable on disk (kept: an entrypoint script in a config must stay runnable).
    pub executable: bool,
}

impl Config {
    /// Kubernetes keeps a `ConfigMap` at 1 MiB, but `kubectl apply` (client-side, as `apply -k`)
    /// copies the whole object into an annotation of at most 256 KiB: 192 KiB of files and names
    /// leave room for the rest. One limit for every target, so a config that builds for one builds
    /// for all (data belongs in a volume or host folder).
    pub const MAX_BYTES: usize = 192 * 1024;

    /// Bytes of content, keys included (as Kubernetes counts them).
    #[must_use]
    pub fn size(&self) -> usize {
        self.files
            .iter()
            .map(|f| f.path.len() + f.contents.len())
            .sum()
    }
}

/// `docker compose watch`: files synced into the container, and the command meanwhile.
#[derive(Debug, Clone)]
pub struct Develop {
    pub watch: Vec<Watch>,
    pub command: Option<Vec<String>>,
}

#[derive(Debug, Clone)]
pub struct Watch {
    /// Relative to the spec, as written.
    pub path: String,
    /// Absolute in the container; `None` for `rebuild` and `restart`.
    pub target: Option<String>,
    pub action: WatchAction,
    pub ignore: Vec<String>,
    pub span: Range<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WatchAction {
    Sync,
    SyncRestart,
    Restart,
    Rebuild,
}

impl WatchAction {
    pub const ALL: [(&'static str, Self); 4] = [
        ("sync", Self::Sync),
        ("sync+restart", Self::SyncRestart),
        ("restart", Self::Restart),
        ("rebuild", Self::Rebuild),
    ];

    #[must_use]
    pub fn as_str(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, a)| *a == self)
            .map_or("sync", |(n, _)| n)
    }

    /// Whether files are copied into the container (and so a target path is needed).
    #[must_use]
    pub fn syncs(self) -> bool {
        matches!(self, Self::Sync | Self::SyncRestart)
    }
}

#[derive(Debug, Clone)]
pub enum ImageSource {
    Image(String),
    Build(Build),
}

#[derive(Debug, Clone)]
pub struct Build {
    /// Relative to the spec file, as written (default ".").
    pub context: String,
    pub runtime: Runtime,
    pub version: Option<String>,
    pub command: Option<String>,
    pub output: Option<String>,
    pub entry: Option<String>,
    pub dockerfile: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedPort {
    pub name: String,
    pub port: Port,
    /// Compose only: the host port this port is published on.
    pub publish: Option<Port>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DependencyOrigin {
    /// Listed in `depends_on`.
    Declared,
    /// Implied by a placeholder in `env`.
    Reference,
}

#[derive(Debug, Clone)]
pub struct Dependency {
    pub target: Name,
    pub condition: Condition,
    pub origin: DependencyOrigin,
    /// Where the dependency is written, for diagnostics about it.
    pub span: Range<usize>,
}

#[derive(Debug, Clone)]
pub struct Health {
    pub probe: Probe,
    pub interval: Duration,
    pub timeout: Duration,
    pub retries: u32,
    pub start_period: Duration,
}

impl Health {
    pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(10);
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);
    pub const DEFAULT_RETRIES: u32 = 3;
}

#[derive(Debug, Clone)]
pub enum Probe {
    Http { path: String, port: Port },
    Tcp { port: Port },
    Exec { command: Vec<String> },
}

#[derive(Debug, Clone)]
pub struct Resource {
    pub name: Name,
    pub kind: ResourceKind,
    /// The type's default when the spec names none; empty for volumes.
    pub version: String,
    /// A compatible image replacing the type's default.
    pub image: Option<String>,
    pub storage: Option<ByteSize>,
    pub username: Option<String>,
    pub database: Option<String>,
    pub cpu: Option<MilliCpu>,
    pub memory: Option<ByteSize>,
    /// Compose only: the host port the resource's port is published on.
    pub publish: Option<Port>,
    /// Set when the stack does not run the resource.
    pub external: Option<External>,
}

#[derive(Debug, Clone, Default)]
pub struct External {
    pub outputs: BTreeMap<String, OutputValue>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutputValue {
    Literal(String),
    Secret(SecretName),
}

/// An env value: text with references resolved per target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvValue {
    pub parts: Vec<EnvPart>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnvPart {
    Text(String),
    Ref(Reference),
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Reference {
    ResourceOutput { resource: Name, output: String },
    Service { service: Name, field: ServiceField },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ServiceField {
    Url,
    Host,
    Port,
}

impl ServiceField {
    pub const ALL: [(&'static str, Self); 3] = [
        ("url", Self::Url),
        ("host", Self::Host),
        ("port", Self::Port),
    ];
}

impl EnvValue {
    /// Literal text only, no references.
    #[must_use]
    pub fn as_literal(&self) -> Option<String> {
        self.parts
            .iter()
            .map(|p| match p {
                EnvPart::Text(t) => Some(t.as_str()),
                EnvPart::Ref(_) => None,
            })
            .collect()
    }

    /// Whether the value embeds a secret (a password or anything holding one).
    #[must_use]
    pub fn is_secret(&self, model: &Model) -> bool {
        self.parts.iter().any(|p| match p {
            EnvPart::Ref(Reference::ResourceOutput { resource, output }) => model
                .resources
                .get(resource)
                .is_some_and(|r| r.output_is_secret(output)),
            _ => false,
        })
    }
}

impl Resource {
    pub const DEFAULT_USERNAME: &'static str = "app";

    /// The user the stack's services connect as.
    #[must_use]
    pub fn username(&self) -> &str {
        self.username.as_deref().unwrap_or(Self::DEFAULT_USERNAME)
    }

    /// The database created for the stack: by default the resource's name, `-` made `_` (valid unquoted
    /// in every engine).
    #[must_use]
    pub fn database(&self) -> String {
        self.database
            .clone()
            .unwrap_or_else(|| self.name.as_str().replace('-', "_"))
    }

    #[must_use]
    pub fn output_is_secret(&self, output: &str) -> bool {
        match &self.external {
            Some(ext) => matches!(ext.outputs.get(output), Some(OutputValue::Secret(_))),
            None => self.kind.is_secret_output(output),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Route {
    /// Normalised: starts with `/`, no trailing `/` except the root.
    pub prefix: String,
    pub service: Name,
    pub strip_prefix: bool,
}

#[derive(Debug, Clone)]
pub struct Gateway {
    pub port: Port,
    /// The host names served (`[gateway] host`), in the spec's order; empty: any host.
    pub hosts: Vec<String>,
    /// Where `host` is written, for the targets' refusals.
    pub hosts_span: Option<std::ops::Range<usize>>,
    pub cors: Option<Cors>,
    pub tls: Option<Tls>,
}

impl Gateway {
    pub const DEFAULT_PORT: u16 = 80;
    pub const DEFAULT_TLS_PORT: u16 = 443;
}

/// HTTPS on the gateway; each target uses the certificate source it can.
#[derive(Debug, Clone)]
pub struct Tls {
    /// Compose: made by `init-secrets.sh`.
    pub self_signed: bool,
    /// Compose: `<secret>.crt`/`.key` files; Kubernetes: the TLS Secret.
    pub secret: Option<SecretName>,
    /// Kubernetes: the cert-manager `ClusterIssuer`.
    pub issuer: Option<String>,
    /// ECS: the ACM certificate.
    pub certificate_arn: Option<String>,
    pub redirect: bool,
    pub hsts: Option<Duration>,
    /// Compose: the published HTTPS port.
    pub port: Port,
    /// Where `[gateway.tls]` is, for what a target reports about it.
    pub span: std::ops::Range<usize>,
}

#[derive(Debug, Clone)]
pub struct Cors {
    pub origins: Vec<String>,
    pub methods: Vec<String>,
    pub headers: Vec<String>,
    pub credentials: bool,
    pub max_age: Option<Duration>,
}

#[derive(Debug, Clone)]
pub struct Targets {
    pub compose: ComposeSettings,
    pub kubernetes: KubernetesSettings,
    pub ecs: Option<EcsSettings>,
}

#[derive(Debug, Clone)]
pub struct ComposeSettings {
    pub project: Name,
    /// A supervising service restarts unhealthy containers and reloads the gateway (`recovery`).
    pub recovery: bool,
}

#[derive(Debug, Clone)]
pub struct KubernetesSettings {
    pub namespace: Name,
    pub ingress_class: Option<String>,
    pub storage_class: Option<String>,
    pub registry: Option<String>,
    pub image_tag: String,
    pub ingress_namespace: String,
    /// Gateway API: the Gateway (name, namespace) `HTTPRoutes` attach to; `None`: an Ingress.
    pub gateway: Option<(String, Option<String>)>,
    /// Service names for the names a Kubernetes Service cannot have (DNS-1035: a letter first).
    pub service_aliases: BTreeMap<Name, Name>,
}

impl KubernetesSettings {
    /// The name of the Kubernetes Service (and so the cluster DNS name) of a service or resource.
    #[must_use]
    pub fn service_name<'a>(&'a self, name: &'a Name) -> &'a Name {
        self.service_aliases.get(name).unwrap_or(name)
    }
}

#[derive(Debug, Clone)]
pub struct EcsSettings {
    pub region: Option<String>,
    pub cluster: String,
    pub subnets: Vec<String>,
    pub execution_role: Option<String>,
    pub task_role: Option<String>,
    pub registry: Option<String>,
    pub image_tag: String,
}
