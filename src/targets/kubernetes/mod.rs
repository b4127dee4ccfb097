//! The Kubernetes target: `kubernetes/*.yaml` (one object kind per file) and a `kustomization.yaml`, so
//! `kubectl apply -k DIR/kubernetes` deploys the stack. Objects are k8s-openapi's typed structs.

mod mounts;
mod network;
mod pod;

use std::collections::BTreeMap;
use std::fmt::Write as _;

use k8s_openapi::api::apps::v1::{Deployment, DeploymentSpec, StatefulSet, StatefulSetSpec};
use k8s_openapi::api::batch::v1::{Job, JobSpec};
use k8s_openapi::api::core::v1::{
    ConfigMap, Container, EnvVar, Namespace, PersistentVolumeClaim, PersistentVolumeClaimSpec,
    PodTemplateSpec, Service, ServiceAccount, ServicePort, ServiceSpec, Sysctl,
    TopologySpreadConstraint, VolumeMount, VolumeResourceRequirements,
};
use k8s_openapi::api::policy::v1::{PodDisruptionBudget, PodDisruptionBudgetSpec};
use k8s_openapi::api::rbac::v1::{PolicyRule, Role, RoleBinding, RoleRef, Subject};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde::Serialize;

use crate::compile::Compiled;
use crate::graph::NodeKind;
use crate::model::{
    ImageSource, KubernetesSettings, Model, Resource, ResourceKind, Workload, WorkloadKind,
};
use crate::output::Artifacts;
use crate::targets::outputs::{
    EnvSource, HostNaming, Resolved, SecretOrigin, env_source, password_secret, resource_port,
    secret_origin,
};
use crate::targets::{RenderContext, Target, engines, images, probe};
use crate::units::Name;

pub use network::network_policies;

pub struct Kubernetes;

/// kubectl for init containers that wait for jobs and port-less services through the API.
const KUBECTL: &str = "registry.k8s.io/kubectl:v1.33.0";
const WAITER: &str = "stackc-waiter";

/// Services by their cluster DNS name, `<service>.<namespace>.svc`, which resolves from any namespace.
struct ClusterDns<'a>(&'a KubernetesSettings);

impl HostNaming for ClusterDns<'_> {
    fn host(&self, name: &Name) -> String {
        format!("{}.{}.svc", self.0.service_name(name), self.0.namespace)
    }
}

/// Secrets derived from others (a resource's URL holding its password) replaced by their parts, so that
/// only secrets that exist on their own are referenced.
fn expand(model: &Model, parts: Vec<Resolved>) -> Vec<Resolved> {
    parts
        .into_iter()
        .flat_map(|p| match &p {
            Resolved::Secret(s) => {
                match secret_origin(model, &ClusterDns(&model.targets.kubernetes), s) {
                    SecretOrigin::Derived(inner) => expand(model, inner),
                    _ => vec![p],
                }
            }
            Resolved::Text(_) => vec![p],
        })
        .collect()
}

/// The recommended labels.
fn labels(model: &Model, name: &str, component: &str) -> BTreeMap<String, String> {
    // A label value holds 63 characters; objects named after a workload (`<name>-env`) may not.
    let name = crate::targets::fit::fit(name, 63);
    [
        ("app.kubernetes.io/name", name.as_str()),
        // The deployment (`<stack>-<env>`): pods of two environments sharing a namespace (one
        // named explicitly) are never selected by the other's Services and NetworkPolicies.
        ("app.kubernetes.io/instance", model.deployment.name.as_str()),
        ("app.kubernetes.io/component", component),
        ("app.kubernetes.io/part-of", model.name.as_str()),
        ("app.kubernetes.io/managed-by", "stackc"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

/// The labels that select a workload's pods.
fn selector(model: &Model, name: &str) -> BTreeMap<String, String> {
    [
        ("app.kubernetes.io/name", name),
        // The deployment (`<stack>-<env>`): pods of two environments sharing a namespace (one
        // named explicitly) are never selected by the other's Services and NetworkPolicies.
        ("app.kubernetes.io/instance", model.deployment.name.as_str()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

fn meta(model: &Model, name: &str, component: &str) -> ObjectMeta {
    ObjectMeta {
        name: Some(name.to_owned()),
        namespace: Some(model.targets.kubernetes.namespace.to_string()),
        labels: Some(labels(model, name, component)),
        ..ObjectMeta::default()
    }
}

/// Objects of one kind, as one file of YAML documents.
#[derive(Default)]
struct Documents(Vec<String>);

impl Documents {
    fn push<T: Serialize>(&mut self, object: &T) {
        self.0.push(crate::targets::yaml::to_string(object));
    }
}

impl Target for Kubernetes {
    fn name(&self) -> &'static str {
        "kubernetes"
    }

    fn folder(&self) -> &'static str {
        "kubernetes"
    }

    fn unsupported(&self, compiled: &Compiled) -> Vec<crate::diagnostics::Diagnostic> {
        let mut out = crate::targets::mount_limits::host_paths(compiled, "Kubernetes");
        out.extend(crate::targets::tls_limits::kubernetes(compiled));
        out.extend(crate::targets::host_limits::gateway_api(compiled));
        out
    }

    fn notes(&self, compiled: &Compiled) -> Vec<String> {
        let mut notes = Self::service_name_notes(&compiled.model);
        notes.extend(Self::route_notes(compiled));
        notes
    }

    fn render(&self, compiled: &Compiled, ctx: &RenderContext) -> Artifacts {
        let model = &compiled.model;
        let mut files: BTreeMap<&'static str, Documents> = BTreeMap::new();
        let ns = model.targets.kubernetes.namespace.to_string();
        let mut namespace_meta = ObjectMeta {
            name: Some(ns.clone()),
            labels: Some(labels(model, &ns, "namespace")),
            ..ObjectMeta::default()
        };
        namespace_meta.labels.get_or_insert_default().extend(
            [
                ("pod-security.kubernetes.io/enforce", "restricted"),
                ("pod-security.kubernetes.io/enforce-version", "latest"),
            ]
            .map(|(k, v)| (k.to_owned(), v.to_owned())),
        );
        files.entry("namespace.yaml").or_default().push(&Namespace {
            metadata: namespace_meta,
            ..Namespace::default()
        });

        let mut waiter = false;
        for w in model.workloads() {
            waiter |= workload(compiled, w, &mut files);
        }
        for r in model.resources.values().filter(|r| r.external.is_none()) {
            if r.kind == ResourceKind::Volume {
                files
                    .entry("persistentvolumeclaims.yaml")
                    .or_default()
                    .push(&claim(
                        model,
                        r.name.as_str(),
                        r.storage.as_ref().map(ToString::to_string),
                        "volume",
                    ));
            } else {
                resource(model, r, &mut files);
            }
        }
        if waiter {
            rbac(model, &mut files);
        }
        for ingress in network::ingresses(compiled) {
            files.entry("ingresses.yaml").or_default().push(&ingress);
        }
        for route in network::http_routes(compiled) {
            files.entry("httproutes.yaml").or_default().push(&route);
        }
        for policy in network_policies(compiled) {
            files
                .entry("networkpolicies.yaml")
                .or_default()
                .push(&policy);
        }

        let mut out = Artifacts::new();
        let header = format!(
            "# Generated by stackc from {}: stack `{}`. Do not edit.\n",
            ctx.spec_file, model.name
        );
        for (file, docs) in &files {
            out.insert(
                format!("kubernetes/{file}"),
                header.clone() + &docs.0.join("---\n"),
            );
        }
        let kustomization = Kustomization {
            api_version: "kustomize.config.k8s.io/v1beta1",
            kind: "Kustomization",
            resources: files.keys().map(|f| (*f).to_owned()).collect(),
        };
        out.insert(
            "kubernetes/kustomization.yaml".into(),
            header + &crate::targets::yaml::to_string(&kustomization),
        );
        out
    }
}

impl Kubernetes {
    /// Services and resources whose Service has another name than theirs (a Service name starts with
    /// a letter: DNS-1035).
    fn service_name_notes(model: &Model) -> Vec<String> {
        let k = &model.targets.kubernetes;
        let with_service = model
            .services
            .values()
            .filter(|w| w.port.is_some())
            .map(|w| &w.name)
            .chain(
                model
                    .resources
                    .values()
                    .filter(|r| r.external.is_none() && r.kind != ResourceKind::Volume)
                    .map(|r| &r.name),
            );
        with_service
            .filter_map(|name| {
                k.service_aliases.get(name).map(|alias| {
                    format!(
                        "kubernetes: `{name}` is reached as the Service `{alias}` ({alias}.{}.svc): a Service name must start with a letter",
                        k.namespace
                    )
                })
            })
            .collect()
    }

    /// What routing cannot carry over, said at build time.
    fn route_notes(compiled: &Compiled) -> Vec<String> {
        let model = &compiled.model;
        let k = &model.targets.kubernetes;
        let Some(gateway) = &model.gateway else {
            return Vec::new();
        };
        let mut notes = Vec::new();
        if gateway.cors.is_some() && k.gateway.is_some() {
            notes.push("kubernetes: [gateway].cors is not applied by the HTTPRoute (CORS is not in Gateway API's standard channel); answer CORS in the services or configure the Gateway".into());
        }
        let stripped = model
            .routes
            .iter()
            .any(|r| r.strip_prefix && r.prefix != "/");
        let nginx = k
            .ingress_class
            .as_deref()
            .is_none_or(|c| c.contains("nginx"));
        let redirect = gateway.tls.as_ref().is_some_and(|t| t.redirect);
        if k.gateway.is_none() && !nginx && (gateway.cors.is_some() || stripped || redirect) {
            notes.push(format!(
                "kubernetes: strip_prefix, CORS and the HTTPS redirect use ingress-nginx annotations, which the `{}` ingress class may ignore",
                k.ingress_class.as_deref().unwrap_or_default()
            ));
        }
        if let Some(tls) = &gateway.tls {
            if let Some((name, namespace)) = &k.gateway {
                notes.push(format!(
                    "kubernetes: TLS is terminated by the Gateway `{name}`{}: the routes attach to its listener `{}`{}, which needs `certificateRefs` to your certificate's Secret{} (HSTS is the Gateway's too)",
                    namespace.as_deref().map(|n| format!(" in `{n}`")).unwrap_or_default(),
                    network::HTTPS_LISTENER,
                    if tls.redirect {
                        format!(", and `{}` redirects to it", network::HTTP_LISTENER)
                    } else {
                        String::new()
                    },
                    if tls.issuer.is_some() {
                        " (cert-manager issues it when the Gateway carries the issuer annotation)"
                    } else {
                        ""
                    },
                ));
            } else if tls.hsts.is_some() {
                notes.push("kubernetes: HSTS is the ingress controller's setting (ingress-nginx sends a one-year header on TLS hosts by default), not the Ingress's".into());
            }
        }
        notes
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Kustomization {
    api_version: &'static str,
    kind: &'static str,
    resources: Vec<String>,
}

fn image(model: &Model, w: &Workload) -> String {
    match &w.source {
        ImageSource::Image(image) => image.clone(),
        ImageSource::Build(_) => {
            let k = &model.targets.kubernetes;
            let repo = format!("{}/{}", model.name, w.name);
            match &k.registry {
                Some(registry) => format!("{registry}/{repo}:{}", k.image_tag),
                None => format!("{repo}:{}", k.image_tag),
            }
        }
    }
}

/// Environment: literal values in the workload's `ConfigMap`; secrets by reference; values mixing text and
/// secrets composed by Kubernetes from `$(VAR)` references to variables holding the secrets.
fn environment(model: &Model, w: &Workload) -> (BTreeMap<String, String>, Vec<EnvVar>) {
    let mut config = BTreeMap::new();
    let mut helpers = BTreeMap::new();
    let mut env = Vec::new();
    let secret_var = |s: &str| {
        format!(
            "STACKC_SECRET_{}",
            s.to_ascii_uppercase().replace(['-', '.'], "_")
        )
    };
    let naming = ClusterDns(&model.targets.kubernetes);
    for (var, value) in &w.env {
        let parts = match env_source(model, &naming, &w.name, var.as_str(), value) {
            EnvSource::Literal(text) => {
                // Read through `envFrom`, which does not expand `$(VAR)`: written as it is.
                config.insert(var.to_string(), text);
                continue;
            }
            EnvSource::Secret(secret) => expand(model, vec![Resolved::Secret(secret)]),
            EnvSource::Derived { parts, .. } => expand(model, parts),
        };
        if let [Resolved::Secret(secret)] = parts.as_slice() {
            env.push(pod::env_secret(var.as_str(), secret));
            continue;
        }
        let mut composed = String::new();
        for p in &parts {
            match p {
                Resolved::Text(t) => composed.push_str(&pod::literal(t)),
                Resolved::Secret(s) => {
                    helpers.insert(secret_var(s), s.clone());
                    let _ = write!(composed, "$({})", secret_var(s));
                }
            }
        }
        env.push(pod::env_literal(var.as_str(), composed));
    }
    for s in &w.secrets {
        env.push(pod::env_secret(&s.env_var(), s.as_str()));
    }
    // Variables referred to must come first.
    let mut all: Vec<EnvVar> = helpers
        .iter()
        .map(|(var, s)| pod::env_secret(var, s))
        .collect();
    all.extend(env);
    (config, all)
}

/// Init containers waiting for each dependency: reachable Services by TCP (a Service only answers once a
/// pod is ready), jobs and port-less services through the API. Whether the API is needed is returned.
fn waits(compiled: &Compiled, w: &Workload, uid: i64) -> (Vec<Container>, bool) {
    let model = &compiled.model;
    let mut init = Vec::new();
    let mut api = false;
    for (target, _) in compiled.graph.dependencies(&w.name) {
        let (image, command) = match compiled.graph.kind(target).expect("a dependency is a node") {
            NodeKind::Resource { external: true, .. } => continue,
            NodeKind::Workload(WorkloadKind::Job) => {
                api = true;
                (
                    KUBECTL,
                    vec![
                        "kubectl".into(),
                        "wait".into(),
                        "--for=condition=complete".into(),
                        "--timeout=-1s".into(),
                        format!("job/{target}"),
                    ],
                )
            }
            kind => {
                let port = match kind {
                    NodeKind::Resource { .. } => Some(resource_port(&model.resources[target])),
                    NodeKind::Workload(_) => {
                        model.services[target].port.map(crate::units::Port::get)
                    }
                };
                if let Some(port) = port {
                    let host = model.targets.kubernetes.service_name(target);
                    (
                        images::BUSYBOX,
                        vec![
                            "sh".into(),
                            "-c".into(),
                            format!(
                                "until nc {host} {port} </dev/null; do echo waiting for {target}; sleep 2; done"
                            ),
                        ],
                    )
                } else {
                    api = true;
                    (
                        KUBECTL,
                        vec![
                            "kubectl".into(),
                            "rollout".into(),
                            "status".into(),
                            "--timeout=24h".into(),
                            format!("deployment/{target}"),
                        ],
                    )
                }
            }
        };
        let (_, tmp_mount) = pod::tmp_volume();
        let mut mounts = vec![tmp_mount];
        if image == KUBECTL {
            mounts.push(pod::token_volume().1);
        }
        init.push(Container {
            name: format!("wait-{target}"),
            image: Some(image.to_owned()),
            image_pull_policy: Some("IfNotPresent".into()),
            command: Some(command),
            env: Some(vec![pod::env_literal("HOME", "/tmp".into())]),
            resources: Some(pod::resources(Some("50m".into()), Some("64Mi".into()))),
            security_context: Some(pod::container_security(uid)),
            volume_mounts: Some(mounts),
            ..Container::default()
        });
    }
    (init, api)
}

/// A service's `Deployment` (or a job's `Job`), its `ConfigMap`, `Service` and disruption budget.
fn workload(
    compiled: &Compiled,
    w: &Workload,
    files: &mut BTreeMap<&'static str, Documents>,
) -> bool {
    let model = &compiled.model;
    let name = w.name.as_str();
    let component = if w.kind == WorkloadKind::Job {
        "job"
    } else {
        "service"
    };
    let uid = i64::from(w.user.unwrap_or(10001));
    let built = crate::targets::compose::stackc_built(w);
    let (config, env) = environment(model, w);
    let config_name = format!("{name}-env");
    files
        .entry("configmaps.yaml")
        .or_default()
        .push(&ConfigMap {
            metadata: meta(model, &config_name, component),
            data: Some(config),
            ..ConfigMap::default()
        });

    let (tmp, tmp_mount) = pod::tmp_volume();
    let pod_mounts = mounts::pod_mounts(model, w, component);
    for config_map in &pod_mounts.config_maps {
        files.entry("configmaps.yaml").or_default().push(config_map);
    }
    let mut volumes = vec![tmp];
    volumes.extend(pod_mounts.volumes);
    let mut mounts = vec![tmp_mount];
    mounts.extend(pod_mounts.mounts);
    let (init, api) = waits(compiled, w, uid);
    if api {
        volumes.push(pod::token_volume().0);
    }
    let mut ports: Vec<_> = w.port.iter().map(|p| pod::port("main", p.get())).collect();
    ports.extend(w.ports.iter().map(|p| pod::port(&p.name, p.port.get())));
    let (readiness, liveness, startup) = match &w.health {
        Some(health) => {
            let (ready, live, start) = pod::probes(health);
            (Some(ready), Some(live), start)
        }
        None if w.kind == WorkloadKind::Service => {
            let p = pod::default_probe(
                w.port.map(crate::units::Port::get),
                built.then_some(probe::IN_IMAGE),
            );
            (Some(p.clone()), Some(p), None)
        }
        None => (None, None, None),
    };
    let container = Container {
        name: name.to_owned(),
        image: Some(image(model, w)),
        image_pull_policy: Some("IfNotPresent".into()),
        args: if built {
            None
        } else {
            w.command
                .as_ref()
                .map(|c| c.iter().map(|a| pod::literal(a)).collect())
        },
        ports: (!ports.is_empty()).then_some(ports),
        env_from: Some(vec![pod::env_from_config(&config_name)]),
        env: (!env.is_empty()).then_some(env),
        resources: Some(pod::resources(
            w.cpu.map(|c| c.to_string()),
            w.memory.as_ref().map(ToString::to_string),
        )),
        readiness_probe: readiness,
        liveness_probe: liveness,
        startup_probe: startup,
        security_context: Some(pod::container_security(uid)),
        volume_mounts: Some(mounts),
        ..Container::default()
    };
    let account = api.then(|| WAITER.to_owned());
    let template = |restart: &str| PodTemplateSpec {
        metadata: Some(ObjectMeta {
            labels: Some(labels(model, name, component)),
            annotations: pod_mounts.config_digest.as_ref().map(|digest| {
                BTreeMap::from([("stackc.dev/config-sha256".to_owned(), digest.clone())])
            }),
            ..ObjectMeta::default()
        }),
        spec: Some({
            let mut spec = pod::pod(
                uid,
                vec![container.clone()],
                init.clone(),
                volumes.clone(),
                restart,
                account.clone(),
            );
            if let (Some(port), Some(security)) = (
                crate::targets::ports::unprivileged_from(w),
                spec.security_context.as_mut(),
            ) {
                security.sysctls = Some(vec![Sysctl {
                    name: crate::targets::ports::SYSCTL.to_owned(),
                    value: port.to_string(),
                }]);
            }
            spec
        }),
    };
    if w.kind == WorkloadKind::Job {
        files.entry("jobs.yaml").or_default().push(&Job {
            metadata: meta(model, name, component),
            spec: Some(JobSpec {
                backoff_limit: Some(3),
                template: template("Never"),
                ..JobSpec::default()
            }),
            ..Job::default()
        });
        return api;
    }
    let mut spec = template("Always");
    if w.replicas >= 2 {
        if let Some(pod) = spec.spec.as_mut() {
            pod.topology_spread_constraints = Some(vec![TopologySpreadConstraint {
                max_skew: 1,
                topology_key: "kubernetes.io/hostname".into(),
                when_unsatisfiable: "ScheduleAnyway".into(),
                label_selector: Some(LabelSelector {
                    match_labels: Some(selector(model, name)),
                    ..LabelSelector::default()
                }),
                ..TopologySpreadConstraint::default()
            }]);
        }
        files
            .entry("poddisruptionbudgets.yaml")
            .or_default()
            .push(&PodDisruptionBudget {
                metadata: meta(model, name, component),
                spec: Some(PodDisruptionBudgetSpec {
                    max_unavailable: Some(IntOrString::Int(1)),
                    selector: Some(LabelSelector {
                        match_labels: Some(selector(model, name)),
                        ..LabelSelector::default()
                    }),
                    ..PodDisruptionBudgetSpec::default()
                }),
                ..PodDisruptionBudget::default()
            });
    }
    files
        .entry("deployments.yaml")
        .or_default()
        .push(&Deployment {
            metadata: meta(model, name, component),
            spec: Some(DeploymentSpec {
                replicas: Some(i32::try_from(w.replicas).unwrap_or(i32::MAX)),
                selector: LabelSelector {
                    match_labels: Some(selector(model, name)),
                    ..LabelSelector::default()
                },
                template: spec,
                ..DeploymentSpec::default()
            }),
            ..Deployment::default()
        });
    if let Some(port) = w.port {
        let mut service_ports = vec![service_port("main", port.get())];
        service_ports.extend(w.ports.iter().map(|p| service_port(&p.name, p.port.get())));
        files.entry("services.yaml").or_default().push(&service(
            model,
            &w.name,
            component,
            service_ports,
            false,
        ));
    }
    api
}

fn service_port(name: &str, port: u16) -> ServicePort {
    ServicePort {
        name: Some(name.to_owned()),
        port: i32::from(port),
        target_port: Some(IntOrString::Int(i32::from(port))),
        protocol: Some("TCP".into()),
        ..ServicePort::default()
    }
}

/// The `Service` of a service or resource: named by its DNS-1035 Service name, selecting its pods.
fn service(
    model: &Model,
    name: &Name,
    component: &str,
    ports: Vec<ServicePort>,
    headless: bool,
) -> Service {
    let mut metadata = meta(model, name.as_str(), component);
    metadata.name = Some(model.targets.kubernetes.service_name(name).to_string());
    Service {
        metadata,
        spec: Some(ServiceSpec {
            selector: Some(selector(model, name.as_str())),
            ports: Some(ports),
            cluster_ip: headless.then(|| "None".to_owned()),
            ..ServiceSpec::default()
        }),
        ..Service::default()
    }
}

fn claim(
    model: &Model,
    name: &str,
    storage: Option<String>,
    component: &str,
) -> PersistentVolumeClaim {
    PersistentVolumeClaim {
        metadata: meta(model, name, component),
        spec: Some(claim_spec(model, storage)),
        ..PersistentVolumeClaim::default()
    }
}

fn claim_spec(model: &Model, storage: Option<String>) -> PersistentVolumeClaimSpec {
    PersistentVolumeClaimSpec {
        access_modes: Some(vec!["ReadWriteOnce".into()]),
        storage_class_name: model.targets.kubernetes.storage_class.clone(),
        resources: Some(VolumeResourceRequirements {
            requests: Some(
                [(
                    "storage".to_owned(),
                    Quantity(storage.unwrap_or_else(|| "1Gi".into())),
                )]
                .into(),
            ),
            ..VolumeResourceRequirements::default()
        }),
        ..PersistentVolumeClaimSpec::default()
    }
}

/// Directories each engine writes outside its data directory, made writable under a read-only root.
fn scratch_dirs(kind: ResourceKind) -> &'static [&'static str] {
    match kind {
        ResourceKind::Postgres => &["/var/run/postgresql"],
        ResourceKind::Mysql | ResourceKind::Mariadb => &["/var/run/mysqld", "/run/mysqld"],
        ResourceKind::Rabbitmq => &["/etc/rabbitmq/conf.d", "/var/log/rabbitmq"],
        ResourceKind::Kafka => &["/opt/kafka/logs"],
        ResourceKind::Mongodb | ResourceKind::Redis | ResourceKind::Volume => &[],
    }
}

/// A resource as a `StatefulSet` with a volume claim template, behind a headless `Service` of its name.
fn resource(model: &Model, r: &Resource, files: &mut BTreeMap<&'static str, Documents>) {
    let name = r.name.as_str();
    let uid = pod::DEFAULT_USER;
    let data_path = r.kind.data_path().unwrap_or("/data");
    let mut env: Vec<EnvVar> = engines::environment(r)
        .into_iter()
        .map(|(k, v)| pod::env_literal(&k, v))
        .collect();
    if r.kind == ResourceKind::Postgres {
        // A subdirectory initdb creates itself, owned by the (non-root) user.
        env.push(pod::env_literal("PGDATA", format!("{data_path}/pgdata")));
    }
    if let Some(var) = engines::credentials(r.kind).password {
        env.push(pod::env_secret(var, &password_secret(r)));
    }
    let (tmp, tmp_mount) = pod::tmp_volume();
    let mut volumes = vec![tmp];
    let mut mounts = vec![
        tmp_mount,
        VolumeMount {
            name: "data".into(),
            mount_path: data_path.into(),
            ..VolumeMount::default()
        },
    ];
    for (i, dir) in scratch_dirs(r.kind).iter().enumerate() {
        let (v, m) = pod::empty_dir(&format!("scratch-{i}"), dir);
        volumes.push(v);
        mounts.push(m);
    }
    let port = resource_port(r);
    let check = k8s_openapi::api::core::v1::Probe {
        exec: Some(k8s_openapi::api::core::v1::ExecAction {
            command: Some(engines::health_check(r)),
        }),
        period_seconds: Some(10),
        timeout_seconds: Some(5),
        failure_threshold: Some(3),
        ..k8s_openapi::api::core::v1::Probe::default()
    };
    let container = Container {
        name: name.to_owned(),
        image: Some(images::resource_image(r)),
        image_pull_policy: Some("IfNotPresent".into()),
        args: engines::command(r),
        ports: Some(vec![pod::port("main", port)]),
        env: Some(env),
        resources: Some(pod::resources(
            r.cpu.map(|c| c.to_string()).or(Some("250m".into())),
            r.memory
                .as_ref()
                .map(ToString::to_string)
                .or(Some("512Mi".into())),
        )),
        readiness_probe: Some(check.clone()),
        liveness_probe: Some(check.clone()),
        startup_probe: Some(k8s_openapi::api::core::v1::Probe {
            failure_threshold: Some(30),
            ..check
        }),
        security_context: Some(pod::container_security(uid)),
        volume_mounts: Some(mounts),
        ..Container::default()
    };
    files
        .entry("statefulsets.yaml")
        .or_default()
        .push(&StatefulSet {
            metadata: meta(model, name, "resource"),
            spec: Some(StatefulSetSpec {
                service_name: Some(model.targets.kubernetes.service_name(&r.name).to_string()),
                replicas: Some(1),
                selector: LabelSelector {
                    match_labels: Some(selector(model, name)),
                    ..LabelSelector::default()
                },
                template: PodTemplateSpec {
                    metadata: Some(ObjectMeta {
                        labels: Some(labels(model, name, "resource")),
                        ..ObjectMeta::default()
                    }),
                    spec: Some(pod::pod(
                        uid,
                        vec![container],
                        Vec::new(),
                        volumes,
                        "Always",
                        None,
                    )),
                },
                volume_claim_templates: Some(vec![PersistentVolumeClaim {
                    metadata: ObjectMeta {
                        name: Some("data".into()),
                        ..ObjectMeta::default()
                    },
                    spec: Some(claim_spec(
                        model,
                        r.storage.as_ref().map(ToString::to_string),
                    )),
                    ..PersistentVolumeClaim::default()
                }]),
                ..StatefulSetSpec::default()
            }),
            ..StatefulSet::default()
        });
    files.entry("services.yaml").or_default().push(&service(
        model,
        &r.name,
        "resource",
        vec![service_port("main", port)],
        true,
    ));
}

/// What the waiting init containers may read: jobs and deployments of the namespace, nothing else.
fn rbac(model: &Model, files: &mut BTreeMap<&'static str, Documents>) {
    let docs = files.entry("rbac.yaml").or_default();
    docs.push(&ServiceAccount {
        metadata: meta(model, WAITER, "rbac"),
        automount_service_account_token: Some(false),
        ..ServiceAccount::default()
    });
    docs.push(&Role {
        metadata: meta(model, WAITER, "rbac"),
        rules: Some(vec![
            PolicyRule {
                api_groups: Some(vec!["batch".into()]),
                resources: Some(vec!["jobs".into()]),
                verbs: vec!["get".into(), "list".into(), "watch".into()],
                ..PolicyRule::default()
            },
            PolicyRule {
                api_groups: Some(vec!["apps".into()]),
                resources: Some(vec!["deployments".into(), "replicasets".into()]),
                verbs: vec!["get".into(), "list".into(), "watch".into()],
                ..PolicyRule::default()
            },
        ]),
    });
    docs.push(&RoleBinding {
        metadata: meta(model, WAITER, "rbac"),
        role_ref: RoleRef {
            api_group: "rbac.authorization.k8s.io".into(),
            kind: "Role".into(),
            name: WAITER.into(),
        },
        subjects: Some(vec![Subject {
            kind: "ServiceAccount".into(),
            name: WAITER.into(),
            namespace: Some(model.targets.kubernetes.namespace.to_string()),
            ..Subject::default()
        }]),
    });
}
