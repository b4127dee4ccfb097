//! Serde types mirroring `stack.toml`. Values are kept raw (strings for durations, sizes, enums) with
//! their spans: the `model` stage parses them so that every problem is reported, not just the first.
//! The JSON Schema under `schemas/` is derived from these types.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;

use super::Sp;
use super::values::{
    CpuSpec, DependsOnSpec, EnvValueSpec, HostsSpec, MountSpec, OutputValueSpec, RouteSpec,
};

pub type Named<T> = BTreeMap<Sp<String>, Sp<T>>;

/// Routes in file order, each path with its target.
pub type RouteList = Vec<(Sp<String>, Sp<RouteSpec>)>;

/// A whole `stack.toml`.
#[derive(Debug, Clone, Default, JsonSchema)]
#[schemars(
    deny_unknown_fields,
    title = "stack.toml",
    description = "A stackc system description"
)]
pub struct StackSpec {
    pub stack: Option<Sp<StackMeta>>,
    /// Long-running containers.
    #[serde(default)]
    pub services: Named<WorkloadSpec>,
    /// Run-to-completion containers: migrations, seeding, one-time initialisation.
    #[serde(default)]
    pub jobs: Named<WorkloadSpec>,
    /// Backing services: databases, caches, brokers, volumes.
    #[serde(default)]
    pub resources: Named<ResourceSpec>,
    /// The single HTTP entry point: path prefix -> service. Longest prefix wins.
    #[schemars(with = "Option<BTreeMap<String, RouteSpec>>")]
    pub routes: Option<Sp<RouteList>>,
    /// How the entry point is exposed.
    pub gateway: Option<Sp<GatewaySpec>>,
    /// Overlays merged onto the base with `--env <name>`: tables merge, scalars and arrays replace.
    #[schemars(with = "BTreeMap<String, OverlaySpec>")]
    #[serde(default)]
    pub environments: Vec<Sp<String>>,
    /// Per-target settings.
    pub targets: Option<Sp<TargetsSpec>>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct StackMeta {
    /// Names the compose project, the Kubernetes namespace default and the ECS cluster default.
    pub name: Sp<String>,
    pub description: Option<String>,
}

/// A service or a job (jobs have no `replicas`, `port`, `ports` or `health`).
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct WorkloadSpec {
    /// A prebuilt image; either this or `build`.
    pub image: Option<Sp<String>>,
    /// Build from source with a generated Dockerfile; either this or `image`.
    pub build: Option<Sp<BuildSpec>>,
    /// Overrides the image's command (exec form).
    pub command: Option<Sp<Vec<String>>>,
    /// The main container port.
    #[schemars(range(min = 1, max = 65535))]
    pub port: Option<Sp<i64>>,
    /// Compose only: publish the main port on this host port (local development; other targets expose
    /// services through routes).
    #[schemars(range(min = 1, max = 65535))]
    pub publish: Option<Sp<i64>>,
    /// More named ports.
    #[serde(default)]
    pub ports: Vec<Sp<NamedPortSpec>>,
    #[schemars(range(min = 0))]
    pub replicas: Option<Sp<i64>>,
    /// Environment variables; values may use `${resources.<r>.<output>}` and `${services.<s>.url}`.
    #[serde(default)]
    pub env: BTreeMap<Sp<String>, Sp<EnvValueSpec>>,
    /// Secret names; values never appear in the spec or in any artifact.
    #[serde(default)]
    pub secrets: Vec<Sp<String>>,
    pub cpu: Option<Sp<CpuSpec>>,
    /// A size such as "512Mi".
    pub memory: Option<Sp<String>>,
    pub depends_on: Option<Sp<DependsOnSpec>>,
    /// Mount path -> a resource of type "volume", a host path (`"./data"`), or a table
    /// `{ volume | host | config = "…", read_only = true }`.
    #[serde(default)]
    pub volumes: BTreeMap<Sp<String>, Sp<MountSpec>>,
    pub health: Option<Sp<HealthSpec>>,
    /// Compose only: the development loop (`docker compose watch`), usually in a `dev` overlay.
    pub develop: Option<Sp<DevelopSpec>>,
    /// The uid to run as; default: a non-root uid chosen by the runtime template.
    #[schemars(range(min = 1))]
    pub user: Option<Sp<i64>>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct BuildSpec {
    /// The build context, relative to the spec file (default ".").
    pub context: Option<Sp<String>>,
    #[schemars(with = "crate::model::Runtime")]
    pub runtime: Sp<String>,
    /// The runtime's version, e.g. "3.12" for python or "22" for node.
    pub version: Option<Sp<String>>,
    /// The build step, e.g. "npm run build".
    pub command: Option<Sp<String>>,
    /// static: the folder the build step writes.
    pub output: Option<Sp<String>>,
    /// The binary, module or jar to run.
    pub entry: Option<Sp<String>>,
    /// dockerfile: the path of the user's own Dockerfile, relative to the context.
    pub dockerfile: Option<Sp<String>>,
}

/// The development loop: what `docker compose watch` syncs into the running container, and the
/// command the container runs meanwhile.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct DevelopSpec {
    /// Files and folders watched on the host.
    #[serde(default)]
    pub watch: Vec<Sp<WatchSpec>>,
    /// The command while developing (`["npm", "run", "dev"]`, `["uvicorn", "app:app", "--reload"]`),
    /// also for a service stackc builds.
    pub command: Option<Sp<Vec<String>>>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct WatchSpec {
    /// A file or folder relative to the spec.
    pub path: Sp<String>,
    /// Where `path` is synced to in the container (absolute). Default for a service stackc builds:
    /// the same place under `/app` as in the build context.
    pub target: Option<Sp<String>>,
    /// `sync` (default), `sync+restart`, `restart` or `rebuild`.
    pub action: Option<Sp<String>>,
    /// Patterns (relative to `path`) not to watch.
    #[serde(default)]
    pub ignore: Vec<Sp<String>>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct NamedPortSpec {
    pub name: Sp<String>,
    #[schemars(range(min = 1, max = 65535))]
    pub port: Sp<i64>,
    /// Compose only: publish this port on a host port.
    #[schemars(range(min = 1, max = 65535))]
    pub publish: Option<Sp<i64>>,
}

/// A health check: exactly one of `http`, `tcp` or `exec`, plus timings.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct HealthSpec {
    /// An HTTP GET path on the main port; healthy on a 2xx/3xx answer.
    pub http: Option<Sp<String>>,
    /// A TCP port that must accept connections.
    #[schemars(range(min = 1, max = 65535))]
    pub tcp: Option<Sp<i64>>,
    /// A command run inside the container; healthy when it exits 0.
    pub exec: Option<Sp<Vec<String>>>,
    /// Default "10s".
    pub interval: Option<Sp<String>>,
    /// Default "5s".
    pub timeout: Option<Sp<String>>,
    /// Default 3.
    #[schemars(range(min = 1))]
    pub retries: Option<Sp<i64>>,
    /// Default "0s".
    pub start_period: Option<Sp<String>>,
}

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct ResourceSpec {
    #[serde(rename = "type")]
    #[schemars(with = "crate::model::ResourceKind", required)]
    pub kind: Option<Sp<String>>,
    pub version: Option<Sp<String>>,
    /// Persistent storage, e.g. "10Gi".
    pub storage: Option<Sp<String>>,
    /// A compatible image instead of the default one.
    pub image: Option<Sp<String>>,
    /// Not run by the stack; outputs come from `outputs`.
    pub external: Option<Sp<bool>>,
    /// For external resources: literal values or `{ secret = "name" }`.
    #[serde(default)]
    pub outputs: BTreeMap<Sp<String>, Sp<OutputValueSpec>>,
    /// The user created for the stack (types with users).
    pub username: Option<Sp<String>>,
    /// The database created for the stack (types with databases).
    pub database: Option<Sp<String>>,
    pub cpu: Option<Sp<CpuSpec>>,
    pub memory: Option<Sp<String>>,
    /// Compose only: publish the resource's port on this host port.
    #[schemars(range(min = 1, max = 65535))]
    pub publish: Option<Sp<i64>>,
}

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct GatewaySpec {
    /// Compose: the published host port. Default 80.
    #[schemars(range(min = 1, max = 65535))]
    pub port: Option<Sp<i64>>,
    /// The host name(s) the gateway serves: Kubernetes ingress hosts, ALB host conditions, the
    /// self-signed certificate's names (Compose's nginx answers any host). A string or an array.
    pub host: Option<Sp<HostsSpec>>,
    pub cors: Option<Sp<CorsSpec>>,
    /// HTTPS on the entry point: where each target gets its certificate, redirect, HSTS.
    pub tls: Option<Sp<TlsSpec>>,
}

/// `[gateway.tls]`: each target takes the certificate source it can use, so one spec (or one
/// environment per target) serves Compose, Kubernetes and ECS.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct TlsSpec {
    /// `false` turns TLS off (in an environment whose base has it). Default true.
    pub enabled: Option<Sp<bool>>,
    /// Compose: a self-signed certificate for `host` and localhost, made once by `init-secrets.sh`.
    pub self_signed: Option<Sp<bool>>,
    /// A certificate you provide: Compose reads `<secret>.crt` and `<secret>.key` from its secrets
    /// folder; Kubernetes uses the `kubernetes.io/tls` Secret of this name.
    pub secret: Option<Sp<String>>,
    /// Kubernetes: cert-manager issues the Secret from this `ClusterIssuer`.
    pub issuer: Option<Sp<String>>,
    /// ECS: the ACM certificate of the HTTPS listener (`arn:aws:acm:<region>:<account>:certificate/<id>`).
    pub certificate_arn: Option<Sp<String>>,
    /// HTTP requests are redirected to HTTPS. Default true.
    pub redirect: Option<Sp<bool>>,
    /// `Strict-Transport-Security` max-age, e.g. "365d". Default: no HSTS header.
    pub hsts: Option<Sp<String>>,
    /// The HTTPS port: Compose publishes it on the host, the ECS load balancer listens on it. Default 443.
    #[schemars(range(min = 1, max = 65535))]
    pub port: Option<Sp<i64>>,
}

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct CorsSpec {
    #[serde(default)]
    pub origins: Vec<Sp<String>>,
    /// Allowed methods; default GET, HEAD and POST.
    #[serde(default)]
    pub methods: Vec<Sp<String>>,
    /// Request headers allowed in preflight.
    #[serde(default)]
    pub headers: Vec<Sp<String>>,
    #[serde(default)]
    pub credentials: bool,
    /// How long browsers may cache a preflight answer, e.g. "10m".
    pub max_age: Option<Sp<String>>,
}

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct TargetsSpec {
    pub compose: Option<Sp<ComposeTargetSpec>>,
    pub kubernetes: Option<Sp<KubernetesTargetSpec>>,
    pub ecs: Option<Sp<EcsTargetSpec>>,
}

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct ComposeTargetSpec {
    /// The compose project name; default: the stack name.
    pub project: Option<Sp<String>>,
    /// Run `stackc-recover`, which restarts containers Docker reports unhealthy and keeps the
    /// gateway's upstreams current (default true; it needs the Docker socket).
    pub recovery: Option<Sp<bool>>,
}

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct KubernetesTargetSpec {
    /// Default: the stack name.
    pub namespace: Option<Sp<String>>,
    pub ingress_class: Option<Sp<String>>,
    /// The `StorageClass` of volume claims; default: the cluster's default class.
    pub storage_class: Option<Sp<String>>,
    /// Where images of built services are pulled from (default: none, `<stack>/<name>`).
    pub registry: Option<Sp<String>>,
    /// The tag of built images (default "dev"); CI usually sets a commit.
    pub image_tag: Option<Sp<String>>,
    /// The namespace of the ingress controller, allowed to reach routed services (default "ingress-nginx").
    pub ingress_namespace: Option<Sp<String>>,
    /// Route with Gateway API `HTTPRoutes` attached to this Gateway instead of an Ingress.
    pub gateway: Option<Sp<String>>,
    /// The namespace of that Gateway (default: the stack's namespace).
    pub gateway_namespace: Option<Sp<String>>,
}

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct EcsTargetSpec {
    pub region: Option<Sp<String>>,
    /// Default: the stack name.
    pub cluster: Option<Sp<String>>,
    /// Default: the default VPC's subnets.
    #[serde(default)]
    pub subnets: Vec<Sp<String>>,
    pub execution_role: Option<Sp<String>>,
    pub task_role: Option<Sp<String>>,
    /// Where images of built services are pushed.
    pub registry: Option<Sp<String>>,
    /// The tag of built images in task definitions (default "latest"); CI usually sets a commit.
    pub image_tag: Option<Sp<String>>,
}

/// An environment overlay: the same sections as the base, every field optional.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
#[allow(dead_code)] // describes the schema of `[environments.<env>]` only
pub struct OverlaySpec {
    services: Option<BTreeMap<String, WorkloadSpec>>,
    jobs: Option<BTreeMap<String, WorkloadSpec>>,
    resources: Option<BTreeMap<String, ResourceSpec>>,
    routes: Option<BTreeMap<String, RouteSpec>>,
    gateway: Option<GatewaySpec>,
    targets: Option<TargetsSpec>,
}
