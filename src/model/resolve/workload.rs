//! Services and jobs.

use std::collections::BTreeMap;

use super::build::{control_character, folder_in_context, run_line, shell_argument};
use super::{Resolver, checks};
use crate::diagnostics::{Code, Diagnostic};
use crate::model::{
    Build, ImageSource, NamedPort, Resource, ResourceKind, Runtime, Workload, WorkloadKind,
};
use crate::spec::{BuildSpec, CpuSpec, Named, Sp, WorkloadSpec};
use crate::units::{ByteSize, MilliCpu, Name, Port, SecretName};

/// Docker refuses smaller memory limits.
const MIN_MEMORY_BYTES: u64 = 6 << 20;

impl Resolver<'_> {
    pub(super) fn workloads(
        &mut self,
        specs: &Named<WorkloadSpec>,
        kind: WorkloadKind,
        resources: &BTreeMap<Name, Resource>,
    ) -> BTreeMap<Name, Workload> {
        specs
            .iter()
            .filter_map(|(name, spec)| {
                let w = self.workload(name, spec, kind, resources);
                Some((name.get().parse().ok()?, w?))
            })
            .collect()
    }

    fn workload(
        &mut self,
        name: &Sp<String>,
        spec: &Sp<WorkloadSpec>,
        kind: WorkloadKind,
        resources: &BTreeMap<Name, Resource>,
    ) -> Option<Workload> {
        let label = match kind {
            WorkloadKind::Service => format!("service `{}`", name.get()),
            WorkloadKind::Job => format!("job `{}`", name.get()),
        };
        if kind == WorkloadKind::Job {
            self.job_fields(&label, spec);
        }
        let source = self.image_source(name, spec, &label);
        let command = self.command(spec);
        let port = spec.port.as_ref().and_then(|p| self.port(p));
        let publish = self.publish(spec, kind);
        let ports = self.named_ports(spec, port);
        let replicas = match (&spec.replicas, kind) {
            (Some(r), WorkloadKind::Service) => self.replicas(r),
            _ => Some(1),
        };
        let env = self.env(spec, resources);
        let secrets = self.secrets(spec, env.as_ref());
        let cpu = optional(spec.cpu.as_ref(), |c| self.cpu(c));
        let memory = optional(spec.memory.as_ref(), |m| self.memory(m));
        let depends_on = self.dependencies(name, spec, env.as_ref());
        let mounts = self.mounts(spec);
        let develop = self.develop(spec, source.as_ref());
        let health = match kind {
            WorkloadKind::Service => optional(spec.health.as_ref(), |h| {
                self.health(&label, h, port, spec.port.is_some())
            }),
            WorkloadKind::Job => Ok(None), // reported by `job_fields`
        };
        let user = optional(spec.user.as_ref(), |u| self.user(u));

        Some(Workload {
            name: name.get().parse().ok()?,
            kind,
            source: source?,
            command: command.ok()?,
            port,
            publish: publish.ok()?,
            ports: ports?,
            replicas: replicas?,
            env: env?.vars.into_iter().map(|(k, (v, _))| (k, v)).collect(),
            secrets: secrets?,
            cpu: cpu.ok()?,
            memory: memory.ok()?,
            depends_on: depends_on?,
            develop: develop.ok()?,
            mounts: mounts?,
            health: health.ok()?,
            user: user.ok()?,
        })
    }

    /// Jobs run to completion: serving fields make no sense on them.
    fn job_fields(&mut self, label: &str, spec: &WorkloadSpec) {
        let mut spans = Vec::new();
        if let Some(r) = &spec.replicas {
            spans.push(("replicas", r.span()));
        }
        if let Some(p) = &spec.port {
            spans.push(("port", p.span()));
        }
        if let Some(p) = spec.ports.first() {
            spans.push(("ports", p.span()));
        }
        if let Some(h) = &spec.health {
            spans.push(("health", h.span()));
        }
        for (field, span) in spans {
            self.push(
                Diagnostic::error(Code::JobField, format!("{label} cannot have `{field}`"))
                    .at(span, "not allowed on a job")
                    .help("jobs run once to completion: they have no replicas, ports or health checks; make it a service if it keeps running"),
            );
        }
    }

    fn image_source(
        &mut self,
        name: &Sp<String>,
        spec: &WorkloadSpec,
        label: &str,
    ) -> Option<ImageSource> {
        match (&spec.image, &spec.build) {
            (Some(image), Some(build)) => {
                self.push(
                    Diagnostic::error(Code::ImageXorBuild, format!("{label} has both `image` and `build`"))
                        .at(build.span(), "`build` given here")
                        .at(image.span(), "`image` given here")
                        .help("use `image` for a prebuilt image or `build` to generate a Dockerfile, not both"),
                );
                None
            }
            (None, None) => {
                self.push(
                    Diagnostic::error(Code::ImageXorBuild, format!("{label} has neither `image` nor `build`"))
                        .at(name.span(), "defined here")
                        .help("add `image = \"repo/name:tag\"` or `build = { context = \"…\", runtime = \"…\" }`"),
                );
                None
            }
            (Some(image), None) => match checks::image_reference(image.get()) {
                Ok(()) => Some(ImageSource::Image(image.get().clone())),
                Err(why) => {
                    self.error(Code::InvalidImage, why, image.span(), "invalid image");
                    None
                }
            },
            (None, Some(build)) => self.build(build).map(ImageSource::Build),
        }
    }

    fn build(&mut self, build: &Sp<BuildSpec>) -> Option<Build> {
        let Ok(runtime) = build.runtime.get().parse::<Runtime>() else {
            let rt = build.runtime.get();
            self.push(
                Diagnostic::error(Code::InvalidBuild, format!("unknown runtime `{rt}`"))
                    .at(build.runtime.span(), "unknown runtime")
                    .suggest(rt, Runtime::keywords())
                    .with_default_help(format!(
                        "runtimes: {}",
                        Runtime::keywords().collect::<Vec<_>>().join(", ")
                    )),
            );
            return None;
        };
        let mut ok = true;
        let keys = [
            ("version", &build.version),
            ("command", &build.command),
            ("entry", &build.entry),
            ("output", &build.output),
            ("dockerfile", &build.dockerfile),
        ];
        for (key, value) in keys {
            if let Some(value) = value
                && !runtime.accepts(key)
            {
                ok = false;
                let users: Vec<&str> = Runtime::ALL
                    .iter()
                    .filter(|r| r.accepts(key))
                    .map(|r| r.as_str())
                    .collect();
                self.push(
                    Diagnostic::error(
                        Code::InvalidBuild,
                        format!("`build.{key}` does not apply to the `{runtime}` runtime"),
                    )
                    .at(value.span(), format!("not used by `{runtime}`"))
                    .help(format!("`{key}` is understood by: {}", users.join(", "))),
                );
            }
        }
        if runtime == Runtime::Dockerfile && build.dockerfile.is_none() {
            ok = false;
            self.push(
                Diagnostic::error(
                    Code::InvalidBuild,
                    "the `dockerfile` runtime needs `build.dockerfile`",
                )
                .at(build.span(), "no `dockerfile` path")
                .help("add `dockerfile = \"Dockerfile\"` (relative to the build context)"),
            );
        }
        if let Some(v) = &build.version
            && let Err(why) = checks::version(v.get())
        {
            ok = false;
            self.error(Code::InvalidBuild, why, v.span(), "invalid version");
        }
        for path in [&build.context, &build.dockerfile].into_iter().flatten() {
            if path.get().is_empty() || path.get().starts_with('/') {
                ok = false;
                self.error(
                    Code::InvalidBuild,
                    format!("`{}` must be a relative path", path.get()),
                    path.span(),
                    "paths are relative to the spec file (context) or to the context",
                );
            } else if let Some(why) = control_character(path.get()) {
                ok = false;
                self.error(
                    Code::InvalidBuild,
                    format!("this path contains {why}"),
                    path.span(),
                    "not a path",
                );
            }
        }
        if let Some(output) = &build.output
            && let Err(why) = folder_in_context(output.get())
        {
            ok = false;
            self.push(
                Diagnostic::error(Code::InvalidBuild, why)
                    .at(output.span(), "not a folder inside the build context")
                    .help("the folder the build step writes, relative to the context, like \"dist\" or \"build/site\" (letters, digits, `.`, `_`, `-`, `+`, `@`, and `/` between parts)"),
            );
        }
        for (key, step, check) in [
            (
                "command",
                &build.command,
                run_line as fn(&str) -> Result<(), String>,
            ),
            ("entry", &build.entry, shell_argument),
        ] {
            let Some(step) = step else { continue };
            if step.get().trim().is_empty() {
                ok = false;
                self.error(
                    Code::InvalidBuild,
                    "build commands and entries cannot be empty",
                    step.span(),
                    "empty",
                );
            } else if let Err(why) = check(step.get()) {
                ok = false;
                self.push(
                    Diagnostic::error(Code::InvalidBuild, format!("`build.{key}` {why}"))
                        .at(step.span(), "cannot be written into a Dockerfile")
                        .help("a Dockerfile instruction is one line: join steps with `&&`, or put them in a script in the build context and run that (`command = \"sh build.sh\"`)"),
                );
            } else if !self.no_placeholders(
                &format!("build.{key}"),
                step.span(),
                std::slice::from_ref(step.get()),
            ) {
                ok = false;
            }
        }
        let text = |v: &Option<Sp<String>>| v.as_ref().map(|s| s.get().clone());
        ok.then(|| Build {
            context: text(&build.context).unwrap_or_else(|| ".".into()),
            runtime,
            version: text(&build.version),
            command: text(&build.command),
            output: text(&build.output),
            entry: text(&build.entry),
            dockerfile: text(&build.dockerfile),
        })
    }

    fn command(&mut self, spec: &WorkloadSpec) -> Checked<Option<Vec<String>>> {
        optional(spec.command.as_ref(), |c| {
            if c.get().is_empty() {
                self.error(
                    Code::InvalidValue,
                    "`command` cannot be empty",
                    c.span(),
                    "empty command",
                );
                return None;
            }
            self.exec_arguments("command", c.span(), c.get())
                .then(|| c.get().clone())
        })
    }

    /// Checks an exec-form argument list (`command`, a health check's `exec`): every target writes it
    /// as a list of strings, escaped for its format, so only what no process argument can hold is
    /// refused; and placeholders, which are resolved in `env` only.
    pub(super) fn exec_arguments(
        &mut self,
        field: &str,
        span: std::ops::Range<usize>,
        args: &[String],
    ) -> bool {
        if args.iter().any(|a| a.contains('\0')) {
            self.push(
                Diagnostic::error(
                    Code::InvalidValue,
                    format!("`{field}` contains a NUL character"),
                )
                .at(span, "NUL in an argument")
                .help("process arguments are C strings: they cannot hold U+0000"),
            );
            return false;
        }
        self.no_placeholders(field, span, args)
    }

    /// Placeholders in text that no target resolves are errors: written as they are, they would reach
    /// the artifact literally (and a secret's placeholder would ask for the secret in plain text, in
    /// an image or a task definition). The way in is an env variable.
    pub(super) fn no_placeholders(
        &mut self,
        field: &str,
        span: std::ops::Range<usize>,
        texts: &[String],
    ) -> bool {
        let mut ok = true;
        for text in texts {
            for (path, range) in crate::model::placeholder::dotted_references(text) {
                ok = false;
                let shown = &text[range.clone()];
                let var = suggested_var(&path);
                let at = self.locate(span.clone(), shown);
                self.push(
                    Diagnostic::error(
                        Code::InvalidPlaceholder,
                        format!("`{shown}` in `{field}` is not resolved: placeholders work in `env` only"),
                    )
                    .at(at, "placeholder outside `env`")
                    .help(if field.starts_with("build.") {
                        "the image is built before the stack runs: no resource or service output exists yet; read it at run time from an env variable instead".to_owned()
                    } else {
                        format!(
                            "pass it through the environment: `env = {{ {var} = \"{shown}\" }}`, and refer to `${var}` (through a shell: `[\"sh\", \"-c\", \"… ${var}\"]`); secrets then stay out of images and task definitions"
                        )
                    }),
                );
            }
        }
        ok
    }

    /// The span of `needle` inside the value at `span` when the source spells it out as is; else the
    /// whole value.
    fn locate(&self, span: std::ops::Range<usize>, needle: &str) -> std::ops::Range<usize> {
        self.text
            .get(span.clone())
            .and_then(|raw| raw.find(needle))
            .map_or(span.clone(), |i| {
                span.start + i..span.start + i + needle.len()
            })
    }

    pub(super) fn port(&mut self, value: &Sp<i64>) -> Option<Port> {
        match Port::try_from(*value.get()) {
            Ok(p) => Some(p),
            Err(why) => {
                self.error(Code::InvalidPort, why, value.span(), "invalid port");
                None
            }
        }
    }

    fn named_ports(&mut self, spec: &WorkloadSpec, main: Option<Port>) -> Option<Vec<NamedPort>> {
        let mut out = Vec::new();
        let mut ok = true;
        let mut seen_ports: BTreeMap<u16, std::ops::Range<usize>> = BTreeMap::new();
        if let (Some(p), Some(s)) = (main, &spec.port) {
            seen_ports.insert(p.get(), s.span());
        }
        let mut seen_names: BTreeMap<&str, std::ops::Range<usize>> = BTreeMap::new();
        for entry in &spec.ports {
            if let Err(why) = checks::port_name(entry.name.get()) {
                ok = false;
                self.error(
                    Code::InvalidPort,
                    why,
                    entry.name.span(),
                    "invalid port name",
                );
            }
            if let Some(first) = seen_names.insert(entry.name.get(), entry.name.span()) {
                ok = false;
                self.push(
                    Diagnostic::error(
                        Code::DuplicatePort,
                        format!("port name `{}` is used twice", entry.name.get()),
                    )
                    .at(entry.name.span(), "second use")
                    .at(first, "first use"),
                );
            }
            let Some(port) = self.port(&entry.port) else {
                ok = false;
                continue;
            };
            if let Some(first) = seen_ports.insert(port.get(), entry.port.span()) {
                ok = false;
                self.push(
                    Diagnostic::error(
                        Code::DuplicatePort,
                        format!("port {port} is declared twice"),
                    )
                    .at(entry.port.span(), "second declaration")
                    .at(first, "first declaration"),
                );
            }
            let publish = match &entry.publish {
                Some(p) => {
                    if let Some(p) = self.port(p) {
                        Some(p)
                    } else {
                        ok = false;
                        None
                    }
                }
                None => None,
            };
            out.push(NamedPort {
                name: entry.name.get().clone(),
                port,
                publish,
            });
        }
        ok.then_some(out)
    }

    fn publish(&mut self, spec: &WorkloadSpec, kind: WorkloadKind) -> Checked<Option<Port>> {
        optional(spec.publish.as_ref(), |value| {
            self.publish_port(value, spec, kind)
        })
    }

    fn publish_port(
        &mut self,
        value: &Sp<i64>,
        spec: &WorkloadSpec,
        kind: WorkloadKind,
    ) -> Option<Port> {
        if kind == WorkloadKind::Job {
            self.push(
                Diagnostic::error(Code::JobField, "a job cannot `publish` a port")
                    .at(value.span(), "not allowed on a job")
                    .help("jobs have no ports; make it a service if it serves"),
            );
            return None;
        }
        if spec.port.is_none() {
            self.push(
                Diagnostic::error(Code::InvalidPort, "`publish` needs a `port` to publish")
                    .at(value.span(), "no main port")
                    .help("add `port = …`, the container port that `publish` maps to the host"),
            );
            return None;
        }
        self.port(value)
    }

    fn replicas(&mut self, value: &Sp<i64>) -> Option<u32> {
        match u32::try_from(*value.get()) {
            Ok(r) if r <= 10_000 => Some(r),
            _ => {
                self.error(
                    Code::InvalidReplicas,
                    format!("replicas must be between 0 and 10000, not {}", value.get()),
                    value.span(),
                    "invalid replicas",
                );
                None
            }
        }
    }

    fn secrets(
        &mut self,
        spec: &WorkloadSpec,
        env: Option<&super::env::ResolvedEnv>,
    ) -> Option<Vec<SecretName>> {
        let mut out: Vec<SecretName> = Vec::new();
        let mut ok = true;
        for secret in &spec.secrets {
            let Some(name) =
                self.parse::<SecretName>(secret, Code::InvalidSecretName, "secret name")
            else {
                ok = false;
                continue;
            };
            if out.contains(&name) {
                ok = false;
                self.error(
                    Code::DuplicateName,
                    format!("secret `{name}` is listed twice"),
                    secret.span(),
                    "listed again",
                );
                continue;
            }
            let var = name.env_var();
            if let Some((_, span)) = env.and_then(|e| {
                e.vars
                    .iter()
                    .find(|(k, _)| k.as_str() == var)
                    .map(|(_, v)| v)
            }) {
                ok = false;
                self.push(
                    Diagnostic::error(
                        Code::InvalidEnvName,
                        format!(
                            "env `{var}` collides with secret `{name}`, which is exposed as `{var}`"
                        ),
                    )
                    .at(span.clone(), "this variable")
                    .at(secret.span(), "this secret")
                    .help("rename the env variable or the secret"),
                );
            }
            out.push(name);
        }
        ok.then_some(out)
    }

    pub(super) fn cpu(&mut self, value: &Sp<CpuSpec>) -> Option<MilliCpu> {
        let parsed = match value.get() {
            CpuSpec::Text(t) => t.parse::<MilliCpu>(),
            CpuSpec::Cores(c) => MilliCpu::from_cores(*c),
        };
        match parsed {
            Ok(c) => Some(c),
            Err(why) => {
                self.error(
                    Code::InvalidCpu,
                    format!("invalid cpu: {why}"),
                    value.span(),
                    "invalid cpu",
                );
                None
            }
        }
    }

    pub(super) fn memory(&mut self, value: &Sp<String>) -> Option<ByteSize> {
        let size: ByteSize = self.parse(value, Code::InvalidSize, "memory size")?;
        if size.bytes() < MIN_MEMORY_BYTES {
            self.push(
                Diagnostic::error(
                    Code::InvalidSize,
                    format!("memory `{size}` is below Docker's minimum of 6Mi"),
                )
                .at(value.span(), "too little memory")
                .help("did you mean Mi rather than bytes or Ki?"),
            );
            return None;
        }
        Some(size)
    }

    fn user(&mut self, value: &Sp<i64>) -> Option<u32> {
        match u32::try_from(*value.get()) {
            Ok(0) => {
                self.push(
                    Diagnostic::error(Code::InvalidUser, "`user = 0` runs the container as root")
                        .at(value.span(), "root")
                        .help("stackc runs workloads as non-root; choose a uid of 10000 or more, or leave `user` out"),
                );
                None
            }
            Ok(uid) if uid <= i32::MAX.unsigned_abs() => Some(uid),
            _ => {
                self.error(
                    Code::InvalidUser,
                    format!("`{}` is not a valid uid", value.get()),
                    value.span(),
                    "invalid uid",
                );
                None
            }
        }
    }
}

/// A problem already reported as a diagnostic.
#[derive(Debug)]
pub(super) struct Reported;

/// The outcome of checking a field: its value, or `Reported`.
pub(super) type Checked<T> = Result<T, Reported>;

/// Checks an optional field: absent is fine, present is checked by `check` (which reports failures).
pub(super) fn optional<V, T>(
    value: Option<V>,
    check: impl FnOnce(V) -> Option<T>,
) -> Checked<Option<T>> {
    value.map_or(Ok(None), |v| check(v).map(Some).ok_or(Reported))
}

/// Whether a resource spec declares a volume.
pub(super) fn is_volume(r: &crate::spec::ResourceSpec) -> bool {
    r.kind
        .as_ref()
        .is_some_and(|k| k.get() == ResourceKind::Volume.as_str())
}

/// An env variable name for a placeholder's value: `${resources.db.password}` → `DB_PASSWORD`.
fn suggested_var(path: &[String]) -> String {
    path.iter()
        .skip(1)
        .map(|p| {
            p.to_ascii_uppercase()
                .replace(|c: char| !c.is_ascii_alphanumeric(), "_")
        })
        .collect::<Vec<_>>()
        .join("_")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholder_names_become_variable_names() {
        let path = |p: &str| p.split('.').map(str::to_owned).collect::<Vec<_>>();
        assert_eq!(suggested_var(&path("resources.db.password")), "DB_PASSWORD");
        assert_eq!(suggested_var(&path("services.my-api.url")), "MY_API_URL");
    }
}
