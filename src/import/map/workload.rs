//! A Compose service as a stackc service or job: image or build, command, ports, environment,
//! dependencies, health check, mounts, limits, user. Every other key is reported.

use std::path::Path;

use super::env::{EnvOut, variable};
use super::values::{Mount, mount, port, shell_words, size, words};
use super::{Importer, Role};
use crate::import::toml_out::{Table, Toml, path};
use crate::import::yaml::Node;

/// The service's main port: the one its health check probes, else the first it publishes or
/// exposes.
#[must_use]
pub fn main_port(node: &Node) -> Option<u16> {
    let ports: Vec<u16> = ["ports", "expose"]
        .iter()
        .filter_map(|k| node.get(k))
        .flat_map(|p| p.items().iter().filter_map(|p| port(p).ok()))
        .filter(|p| p.protocol == "tcp")
        .map(|p| p.container)
        .collect();
    let probe = node
        .get("healthcheck")
        .and_then(|h| h.get("test"))
        .map(|t| match t.text() {
            Some(line) => line.to_owned(),
            None => t
                .items()
                .iter()
                .filter_map(Node::text)
                .collect::<Vec<_>>()
                .join(" "),
        })
        .unwrap_or_default();
    ports
        .iter()
        .copied()
        .find(|p| {
            let p = p.to_string();
            probe.contains(&format!(":{p}/"))
                || probe.ends_with(&format!(":{p}"))
                || probe.contains(&format!(" {p}"))
        })
        .or_else(|| ports.first().copied())
}

/// Keys with no stackc equivalent, and why (the rest have their own message).
fn unsupported(key: &str) -> Option<&'static str> {
    Some(match key {
        "container_name" | "hostname" | "domainname" => {
            "stackc names containers and hosts after the service"
        }
        "networks" | "network_mode" | "links" | "external_links" | "extra_hosts" | "dns"
        | "dns_search" | "mac_address" => {
            "stackc puts the stack on its own network and allows exactly the dependency edges"
        }
        "labels" | "annotations" => "stackc labels what it generates itself",
        "logging" => {
            "logs go to the target's default driver (Compose json-file, Kubernetes stdout, ECS CloudWatch)"
        }
        "shm_size" => "no stackc equivalent yet (mount a volume at /dev/shm if it needs more)",
        "privileged" | "cap_add" | "security_opt" | "devices" | "pid" | "ipc" | "userns_mode"
        | "cgroup_parent" => "stackc runs every container without extra privileges",
        "tmpfs" => {
            "stackc gives every container a writable /tmp; other tmpfs mounts have no equivalent yet"
        }
        "stop_signal" | "stop_grace_period" | "init" | "tty" | "stdin_open" | "working_dir"
        | "ulimits" | "sysctls" | "pull_policy" | "platform" | "read_only" | "group_add"
        | "oom_score_adj" | "mem_reservation" | "memswap_limit" | "cpu_shares" | "cpuset"
        | "runtime" | "isolation" | "storage_opt" | "volumes_from" | "configs" | "secrets"
        | "post_start" | "pre_stop" | "attach" | "gpus" | "credential_spec" | "blkio_config"
        | "cpu_count" | "cpu_percent" | "cpu_period" | "cpu_quota" | "cpu_rt_runtime"
        | "cpu_rt_period" | "mem_swappiness" | "oom_kill_disable" | "pids_limit" | "uts"
        | "use_api_socket" | "models" | "provider" | "label_file" => "no stackc equivalent yet",
        _ => return None,
    })
}

#[allow(clippy::too_many_lines)]
pub fn map(im: &mut Importer, compose: &str, node: &Node, job: bool) -> Table {
    let name = im.name_of(compose);
    let kind = if job { "jobs" } else { "services" };
    let here = |k: &str| format!("services.{compose}.{k}");
    let mut t = Table::new(path(&[kind, &name]));
    t.comment(format!("Compose service `{compose}`"));
    if job {
        t.comment("a job: others wait for it to complete");
    }
    let mut env: Vec<(String, Toml)> = Vec::new();
    let mut secrets: Vec<String> = Vec::new();
    let mut volumes: Vec<(String, Toml)> = Vec::new();
    let mut dev_volumes: Vec<(String, Toml)> = Vec::new();
    let mut command: Option<Vec<String>> = None;
    let main = main_port(node);
    for (k, v) in node.entries() {
        let key = k.text().unwrap_or_default();
        match key {
            "image" if node.get("build").is_some() => im.warn(
                &v.pos,
                here(key),
                "not used: the service is built (stackc names the image it builds)",
            ),
            "image" => {
                // The image another service builds (`image: app:local` beside its `build`):
                // built the same way here, since stackc names what it builds itself.
                let builder = im.project.services.iter().find(|(other, n)| {
                    other.text() != Some(compose)
                        && n.get("build").is_some()
                        && n.get("image").and_then(Node::text) == v.text()
                });
                if let Some((other, n)) = builder {
                    let other = other.text().unwrap_or_default().to_owned();
                    if let Some(b) = n.get("build") {
                        build(im, &mut t, compose, b);
                    }
                    im.warn(
                        &v.pos,
                        here(key),
                        format!("the image `{other}` builds: built from the same folder here (stackc names the images it builds)"),
                    );
                } else if let Some(image) = v.text() {
                    t.set("image", Toml::str(image));
                }
            }
            "build" => build(im, &mut t, compose, v),
            "command" => match words(v) {
                Ok(w) if w.is_empty() => {}
                Ok(w) => command = Some(w),
                Err(why) => im.warn(&v.pos, here(key), why),
            },
            "entrypoint" => im.warn(
                &k.pos,
                here(key),
                "not carried over: stackc's `command` replaces the image's command, not its entrypoint; bake the entrypoint into the image, or put it first in `command` if the image has none",
            ),
            "ports" | "expose" => ports(im, &mut t, compose, key, v, main, job),
            "environment" => {
                for (var, value) in v.entries() {
                    push_env(im, compose, var, value, &mut env, &mut secrets);
                }
            }
            "env_file" => env_files(im, compose, v, &mut env, &mut secrets),
            "depends_on" => depends_on(im, &mut t, compose, v),
            "healthcheck" if job => im.warn(&k.pos, here(key), "not carried over: a job has no health check (it runs to completion)"),
            "healthcheck" => health(im, &mut t, compose, v, main),
            "volumes" => mounts(im, compose, &name, v, &mut volumes, &mut dev_volumes),
            "deploy" => deploy(im, &mut t, compose, v, job),
            "mem_limit" => match v.text().and_then(size) {
                // 0 is Compose's "no limit".
                Some(s) if s.starts_with('0') => {}
                Some(s) => t.set("memory", Toml::str(s)),
                None => im.warn(&v.pos, here(key), "not a size"),
            },
            "cpus" => {
                if let Some(c) = v.text().filter(|c| c.parse::<f64>().is_ok_and(|n| n > 0.0)) {
                    t.set("cpu", Toml::str(c));
                }
            }
            "scale" if !job => {
                if let Some(n) = v.text().and_then(|n| n.parse::<i64>().ok()) {
                    t.set("replicas", Toml::Int(n));
                }
            }
            "restart" => restart(im, compose, v, job),
            "user" => user(im, &mut t, compose, v),
            "profiles" => im.warn(&k.pos, here(key), "imported (its profile is active); stackc has no profiles: every service runs"),
            _ if key.starts_with("x-") => {}
            _ => {
                let why = unsupported(key).unwrap_or("not a Compose service key stackc knows");
                im.warn(&k.pos, here(key), format!("not carried over: {why}"));
            }
        }
    }
    if t.entries
        .iter()
        .all(|(k, _, _)| k != "image" && k != "build")
    {
        im.warn(
            &node.pos,
            format!("services.{compose}"),
            "neither `image` nor a usable `build`: add one",
        );
    }
    if let Some(command) = command {
        t.set("command", Toml::strs(&command));
    }
    if !env.is_empty() {
        t.set("env", Toml::Table(env));
    }
    for (_, note) in im.notes.iter().filter(|(c, _)| c == compose) {
        t.comment(note.clone());
    }
    if !secrets.is_empty() {
        secrets.sort();
        secrets.dedup();
        t.set("secrets", Toml::strs(&secrets));
    }
    if !volumes.is_empty() {
        t.set("volumes", Toml::Table(volumes));
    }
    if !dev_volumes.is_empty() {
        let mut dev = Table::new(path(&["environments", "dev", kind, &name]));
        dev.set("volumes", Toml::Table(dev_volumes));
        im.dev.push(dev);
    }
    t
}

fn push_env(
    im: &mut Importer,
    compose: &str,
    var: &Node,
    value: &Node,
    env: &mut Vec<(String, Toml)>,
    secrets: &mut Vec<String>,
) {
    let name = var.text().unwrap_or_default().to_owned();
    match variable(im, compose, var, value) {
        EnvOut::Value(v, note) => {
            if let Some(note) = note {
                im.notes
                    .push((compose.to_owned(), format!("env {name}: {note}")));
            }
            env.retain(|(k, _)| *k != name);
            env.push((name, Toml::Str(v)));
        }
        EnvOut::Secret(s) => {
            env.retain(|(k, _)| *k != name);
            secrets.push(s);
        }
        EnvOut::Dropped => {}
    }
}

/// `env_file`: each file read as Compose reads it (its values are not interpolated by Compose
/// either), under the service's `environment`.
fn env_files(
    im: &mut Importer,
    compose: &str,
    v: &Node,
    env: &mut Vec<(String, Toml)>,
    secrets: &mut Vec<String>,
) {
    let entries: Vec<&Node> = if v.text().is_some() {
        vec![v]
    } else {
        v.items().iter().collect()
    };
    for entry in entries {
        unmapped_options(
            im,
            entry,
            &["path", "required"],
            &format!("services.{compose}.env_file"),
            "not carried over: the file is read as a .env file",
        );
        let (file, required) = match entry.text() {
            Some(f) => (f.to_owned(), true),
            None => (
                entry
                    .get("path")
                    .and_then(Node::text)
                    .unwrap_or_default()
                    .to_owned(),
                entry
                    .get("required")
                    .and_then(Node::as_bool)
                    .unwrap_or(true),
            ),
        };
        let full = im.project.directory.join(&file);
        let Ok(text) = std::fs::read_to_string(&full) else {
            if required {
                im.warn(
                    &entry.pos,
                    format!("services.{compose}.env_file"),
                    format!("{file} cannot be read: its variables are not imported"),
                );
            }
            continue;
        };
        let mut vars = crate::import::interpolate::Variables::default();
        if let Err(why) = crate::import::interpolate::read_env_file(&text, &mut vars, &file) {
            im.warn(&entry.pos, format!("services.{compose}.env_file"), why);
            continue;
        }
        for (k, val) in vars.values {
            let explicit = v.get(&k).is_some();
            if explicit || env.iter().any(|(e, _)| *e == k) {
                continue;
            }
            let key = Node::new(
                crate::import::yaml::Value::Scalar(k, false),
                entry.pos.clone(),
            );
            let value = Node::new(
                crate::import::yaml::Value::Scalar(val, true),
                entry.pos.clone(),
            );
            push_env(im, compose, &key, &value, env, secrets);
        }
    }
}

fn build(im: &mut Importer, t: &mut Table, compose: &str, v: &Node) {
    let here = format!("services.{compose}.build");
    let (context, dockerfile) = match v.text() {
        Some(context) => (context.to_owned(), None),
        None => (
            v.get("context")
                .and_then(Node::text)
                .unwrap_or(".")
                .to_owned(),
            v.get("dockerfile").and_then(Node::text).map(str::to_owned),
        ),
    };
    if context.contains("://") || context.starts_with("git@") {
        im.warn(&v.pos, &here, "a remote build context: stackc builds from a folder; clone it and point `context` at it");
        return;
    }
    let rel = relative(im, &context);
    let mut b = vec![
        ("context".to_owned(), Toml::str(rel)),
        ("runtime".to_owned(), Toml::str("dockerfile")),
    ];
    b.push((
        "dockerfile".to_owned(),
        Toml::str(dockerfile.unwrap_or_else(|| "Dockerfile".into())),
    ));
    t.set("build", Toml::Table(b));
    for (k, _) in v.entries() {
        let key = k.text().unwrap_or_default();
        if !matches!(key, "context" | "dockerfile") {
            im.warn(&k.pos, format!("{here}.{key}"), "not carried over: stackc builds the Dockerfile's last stage without build arguments (no equivalent yet)");
        }
    }
}

/// A path of the Compose project as the spec writes it: relative to the spec's folder.
fn relative(im: &Importer, source: &str) -> String {
    // `~` is the home folder of whoever runs Compose.
    let source = match (source.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => Path::new(&home).join(rest).to_string_lossy().into_owned(),
        _ => source.to_owned(),
    };
    let absolute = if Path::new(&source).is_absolute() {
        Path::new(&source).to_path_buf()
    } else {
        absolute(&im.project.directory).join(&source)
    };
    let base = absolute_dir(im.spec_dir);
    let rel = pathdiff::diff_paths(normalize(&absolute), normalize(&base)).unwrap_or(absolute);
    let text = rel.to_string_lossy().replace('\\', "/");
    if text.is_empty() {
        ".".into()
    } else if text.starts_with("..") || text.starts_with('/') {
        text
    } else {
        format!("./{text}")
    }
}

fn absolute(p: &Path) -> std::path::PathBuf {
    std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf())
}

fn absolute_dir(p: &Path) -> std::path::PathBuf {
    absolute(if p.as_os_str().is_empty() {
        Path::new(".")
    } else {
        p
    })
}

/// `a/./b/../c` -> `a/c`, without touching the file system.
fn normalize(p: &Path) -> std::path::PathBuf {
    let mut out = std::path::PathBuf::new();
    for c in p.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

#[allow(clippy::too_many_arguments)]
fn ports(
    im: &mut Importer,
    t: &mut Table,
    compose: &str,
    key: &str,
    v: &Node,
    main: Option<u16>,
    job: bool,
) {
    let here = format!("services.{compose}.{key}");
    let mut extra: Vec<Toml> = Vec::new();
    for p in v.items() {
        unmapped_options(
            im,
            p,
            &["target", "published", "host_ip", "protocol"],
            &here,
            "not carried over: no stackc equivalent",
        );
        let spec = match port(p) {
            Ok(s) => s,
            Err(why) => {
                im.warn(&p.pos, &here, why);
                continue;
            }
        };
        if job {
            im.warn(&p.pos, &here, "not carried over: a job serves no port");
            continue;
        }
        if spec.protocol != "tcp" {
            im.warn(
                &p.pos,
                &here,
                format!("not carried over: stackc ports are TCP ({})", spec.protocol),
            );
            continue;
        }
        if let Some(ip) = &spec.host_ip {
            im.warn(&p.pos, &here, format!("the host address {ip} is not kept: stackc publishes on every address of the host (Compose)"));
        }
        // A range is its ports one by one (each a named port of its own); a wide one is not a
        // set of services' ports stackc can give names to.
        if spec.range > 100 {
            im.warn(
                &p.pos,
                &here,
                format!(
                    "a range of {} ports: not carried over (name the ports the service serves)",
                    spec.range
                ),
            );
            continue;
        }
        for i in 0..spec.range {
            let container = spec.container + i;
            let publish = spec.published.map(|h| i64::from(h) + i64::from(i));
            if Some(container) == main && !t.entries.iter().any(|(k, _, _)| k == "port") {
                t.set("port", Toml::Int(i64::from(container)));
                if let Some(h) = publish {
                    t.set("publish", Toml::Int(h));
                }
            } else if Some(container) == main {
                let published = t.entries.iter().any(|(k, _, _)| k == "publish");
                match publish {
                    Some(h) if !published => t.set("publish", Toml::Int(h)),
                    None => {}
                    Some(_) => im.warn(
                        &p.pos,
                        &here,
                        "the main port published twice: only the first host port is carried over",
                    ),
                }
            } else if !extra
                .iter()
                .any(|e| matches!(e, Toml::Table(x) if x[1].1 == Toml::Int(i64::from(container))))
            {
                let mut entry = vec![
                    ("name".to_owned(), Toml::str(format!("p{container}"))),
                    ("port".to_owned(), Toml::Int(i64::from(container))),
                ];
                if let Some(h) = publish {
                    entry.push(("publish".to_owned(), Toml::Int(h)));
                }
                extra.push(Toml::Table(entry));
            }
        }
    }
    if !extra.is_empty() {
        t.set("ports", Toml::Array(extra));
    }
    // A reverse proxy published on 80/443: stackc's gateway and routes do that job.
    let image = im
        .project
        .services
        .iter()
        .find(|(k, _)| k.text() == Some(compose))
        .and_then(|(_, n)| n.get("image").and_then(Node::text))
        .map(|i| super::values::image_parts(i).0)
        .unwrap_or_default();
    let published_web = v
        .items()
        .iter()
        .filter_map(|p| port(p).ok())
        .any(|p| matches!(p.published, Some(80 | 443)));
    if key == "ports"
        && published_web
        && matches!(
            image.as_str(),
            "nginx" | "traefik" | "caddy" | "haproxy" | "envoy"
        )
    {
        im.warn(
            &v.pos,
            &here,
            format!("`{compose}` looks like a reverse proxy ({image} on 80/443): stackc's `[routes]` and `[gateway]` (with `[gateway.tls]`) generate one on every target; consider `\"/\" = \"<service>\"` routes instead"),
        );
    }
}

fn depends_on(im: &mut Importer, t: &mut Table, compose: &str, v: &Node) {
    let here = format!("services.{compose}.depends_on");
    let mut table: Vec<(String, Toml)> = Vec::new();
    let names: Vec<(Node, Option<&Node>)> = if v.items().is_empty() {
        v.entries()
            .iter()
            .map(|(k, c)| (k.clone(), Some(c)))
            .collect()
    } else {
        v.items().iter().map(|k| (k.clone(), None)).collect()
    };
    for (dep, options) in names {
        let Some(dep_name) = dep.text() else { continue };
        let Some(role) = im.roles.get(dep_name) else {
            im.warn(
                &dep.pos,
                &here,
                format!(
                    "`{dep_name}` is not an imported service (in an inactive profile?): dropped"
                ),
            );
            continue;
        };
        let condition = options
            .and_then(|o| o.get("condition"))
            .and_then(Node::text)
            .unwrap_or("service_started");
        let stackc = match condition {
            "service_healthy" => "healthy",
            "service_completed_successfully" => "completed",
            _ => "started",
        };
        let stackc = match (role, stackc) {
            (Role::Job, _) => "completed",
            (_, "completed") => "started",
            (_, c) => c,
        };
        if let Some(o) = options {
            unmapped_options(
                im,
                o,
                &["condition"],
                &format!("{here}.{dep_name}"),
                "not carried over: stackc always waits for its dependencies",
            );
        }
        table.push((im.name_of(dep_name), Toml::str(stackc)));
    }
    if !table.is_empty() {
        t.set("depends_on", Toml::Table(table));
    }
}

fn health(im: &mut Importer, t: &mut Table, compose: &str, v: &Node, main: Option<u16>) {
    let here = format!("services.{compose}.healthcheck");
    if v.get("disable").and_then(Node::as_bool) == Some(true) {
        return;
    }
    let Some(test) = v.get("test") else {
        im.warn(&v.pos, &here, "no `test`: nothing to check");
        return;
    };
    let (shell, argv) = if let Some(line) = test.text() {
        (Some(line.to_owned()), Vec::new())
    } else {
        let items: Vec<String> = test
            .items()
            .iter()
            .filter_map(Node::text)
            .map(str::to_owned)
            .collect();
        match items.first().map(String::as_str) {
            Some("NONE") => return,
            Some("CMD-SHELL") => (Some(items[1..].join(" ")), Vec::new()),
            Some("CMD") => (None, items[1..].to_vec()),
            _ => (None, items),
        }
    };
    let line = shell.clone().unwrap_or_else(|| argv.join(" "));
    let mut h: Vec<(String, Toml)> = Vec::new();
    if let Some(path) = http_probe(&line, main) {
        h.push(("http".into(), Toml::str(path)));
    } else if let Some(p) = tcp_probe(&line, main) {
        h.push(("tcp".into(), Toml::Int(i64::from(p))));
    } else if let Some(shell) = shell {
        h.push((
            "exec".into(),
            Toml::strs(&["sh".into(), "-c".into(), shell]),
        ));
    } else if argv.is_empty() {
        im.warn(&test.pos, &here, "an empty test");
        return;
    } else {
        h.push(("exec".into(), Toml::strs(&argv)));
    }
    for (key, stackc) in [
        ("interval", "interval"),
        ("timeout", "timeout"),
        ("start_period", "start_period"),
    ] {
        if let Some(d) = v.get(key).and_then(Node::text) {
            h.push((stackc.into(), Toml::str(d)));
        }
    }
    if let Some(r) = v
        .get("retries")
        .and_then(Node::text)
        .and_then(|r| r.parse::<i64>().ok())
    {
        h.push(("retries".into(), Toml::Int(r)));
    }
    for (k, _) in v.entries() {
        let key = k.text().unwrap_or_default();
        if matches!(key, "start_interval") {
            im.warn(
                &k.pos,
                format!("{here}.{key}"),
                "not carried over: no stackc equivalent yet",
            );
        }
    }
    t.set("health", Toml::Table(h));
}

/// `curl -f http://localhost:8000/healthz`, `wget -qO- http://127.0.0.1:8000/` on the main port:
/// the path.
fn http_probe(line: &str, main: Option<u16>) -> Option<String> {
    let words = shell_words(line).ok()?;
    if !words
        .iter()
        .any(|w| w.ends_with("curl") || w.ends_with("wget"))
    {
        return None;
    }
    let url = words.iter().find(|w| w.starts_with("http://"))?;
    let rest = &url["http://".len()..];
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let (host, port) = match authority.split_once(':') {
        Some((h, p)) => (h, p.parse::<u16>().ok()?),
        None => (authority, 80),
    };
    (matches!(host, "localhost" | "127.0.0.1" | "0.0.0.0") && Some(port) == main).then(|| {
        if path.is_empty() {
            "/".to_owned()
        } else {
            path.to_owned()
        }
    })
}

/// `nc -z localhost 8000` on the main port.
fn tcp_probe(line: &str, main: Option<u16>) -> Option<u16> {
    let words = shell_words(line).ok()?;
    let nc = words
        .first()
        .is_some_and(|w| w == "nc" || w.ends_with("/nc"));
    if !nc || !words.iter().any(|w| w == "-z") {
        return None;
    }
    let port = words.last()?.parse::<u16>().ok()?;
    (Some(port) == main
        && words
            .iter()
            .any(|w| matches!(w.as_str(), "localhost" | "127.0.0.1")))
    .then_some(port)
}

fn mounts(
    im: &mut Importer,
    compose: &str,
    name: &str,
    v: &Node,
    volumes: &mut Vec<(String, Toml)>,
    dev: &mut Vec<(String, Toml)>,
) {
    let here = format!("services.{compose}.volumes");
    for m in v.items() {
        unmapped_options(
            im,
            m,
            &["type", "source", "target", "read_only"],
            &here,
            "not carried over: no stackc equivalent",
        );
        let parsed = match mount(m) {
            Ok(p) => p,
            Err(why) => {
                im.warn(&m.pos, &here, why);
                continue;
            }
        };
        match parsed {
            Mount::Named { name: volume, target, read_only } => {
                let resource = im.volume_name(&volume);
                let value = if read_only {
                    Toml::Table(vec![("volume".into(), Toml::str(&resource)), ("read_only".into(), Toml::Bool(true))])
                } else {
                    Toml::str(&resource)
                };
                volumes.push((target, value));
            }
            Mount::Bind { source, target, read_only } => {
                if Path::new(&source)
                    .extension()
                    .is_some_and(|e| e.eq_ignore_ascii_case("sock"))
                {
                    im.warn(&m.pos, &here, format!("not carried over: {source} is a host socket; stackc gives containers no access to the host"));
                    continue;
                }
                let rel = relative(im, &source);
                let outside = rel.starts_with("..") || rel.starts_with('/');
                let full = im.project.directory.join(&source);
                if read_only && full.is_file() && !outside {
                    // A read-only file (a config): shipped with the deployment on every target.
                    volumes.push((target, Toml::Table(vec![("config".into(), Toml::str(rel))])));
                    continue;
                }
                // A host folder is Compose's (local development): the base gets a volume at that
                // path, the `dev` overlay the folder.
                let volume = im.volume_name(&format!(
                    "{name}-{}",
                    target.rsplit('/').find(|s| !s.is_empty()).unwrap_or("data")
                ));
                volumes.push((target.clone(), Toml::str(&volume)));
                let mut host = vec![("host".to_owned(), Toml::str(rel))];
                if read_only {
                    host.push(("read_only".into(), Toml::Bool(true)));
                }
                if outside {
                    host.push(("outside_project".into(), Toml::Bool(true)));
                }
                dev.push((target, Toml::Table(host)));
                im.warn(&m.pos, &here, format!("a host folder: mounted in `--env dev` (Compose); the base mounts the volume `{volume}` instead"));
            }
            Mount::Anonymous { target } => im.warn(&m.pos, &here, format!("an anonymous volume at {target}: not carried over (name it to keep its data)")),
            Mount::Tmpfs { target } => im.warn(&m.pos, &here, format!("a tmpfs at {target}: not carried over (stackc gives every container a writable /tmp)")),
        }
    }
}

fn deploy(im: &mut Importer, t: &mut Table, compose: &str, v: &Node, job: bool) {
    let here = format!("services.{compose}.deploy");
    for (k, val) in v.entries() {
        let key = k.text().unwrap_or_default();
        match key {
            "replicas" if !job => {
                if let Some(n) = val.text().and_then(|n| n.parse::<i64>().ok()) {
                    t.set("replicas", Toml::Int(n));
                }
            }
            "resources" => {
                for (rk, rv) in val.entries() {
                    if rk.text() != Some("limits") {
                        im.warn(&rk.pos, format!("{here}.resources.{}", rk.text().unwrap_or_default()), "not carried over: stackc sets limits (reservations follow them on Kubernetes)");
                        continue;
                    }
                    for (lk, lv) in rv.entries() {
                        match lk.text().unwrap_or_default() {
                            "memory" => match lv.text().and_then(size) {
                                Some(s) => t.set("memory", Toml::str(s)),
                                None => im.warn(&lv.pos, &here, "memory limit is not a size"),
                            },
                            "cpus" => {
                                if let Some(c) = lv.text() {
                                    t.set("cpu", Toml::str(c));
                                }
                            }
                            other => im.warn(&lk.pos, format!("{here}.resources.limits.{other}"), "not carried over: no stackc equivalent"),
                        }
                    }
                }
            }
            _ => im.warn(&k.pos, format!("{here}.{key}"), "not carried over: no stackc equivalent (stackc restarts services, updates them rolling, and places them itself)"),
        }
    }
}

fn restart(im: &mut Importer, compose: &str, v: &Node, job: bool) {
    let policy = v.text().unwrap_or_default();
    let fits = if job {
        matches!(policy, "no" | "on-failure" | "")
    } else {
        matches!(policy, "always" | "unless-stopped")
    };
    if !fits {
        let what = if job {
            "a job runs until it completes (retried on failure by Kubernetes and ECS)"
        } else {
            "stackc restarts services whenever they stop"
        };
        im.warn(
            &v.pos,
            format!("services.{compose}.restart"),
            format!("`{policy}` is not kept: {what}"),
        );
    }
}

fn user(im: &mut Importer, t: &mut Table, compose: &str, v: &Node) {
    let text = v.text().unwrap_or_default();
    let (uid, group) = text
        .split_once(':')
        .map_or((text, None), |(u, g)| (u, Some(g)));
    match uid.parse::<i64>() {
        Ok(0) => im.warn(
            &v.pos,
            format!("services.{compose}.user"),
            "root is not kept: stackc runs every container as a non-root user (an image that needs root to start needs changing)",
        ),
        Ok(n) => {
            t.set("user", Toml::Int(n));
            if group.is_some() {
                im.warn(&v.pos, format!("services.{compose}.user"), "the group is not kept: stackc runs as the user's uid with its own group");
            }
        }
        Err(_) => im.warn(&v.pos, format!("services.{compose}.user"), format!("`{text}` is a name: stackc takes a numeric uid (look it up in the image's /etc/passwd)")),
    }
}

/// Reports each key of a long-syntax entry that is not one of `mapped`, at `here.<key>`.
fn unmapped_options(im: &mut Importer, entry: &Node, mapped: &[&str], here: &str, why: &str) {
    for (k, _) in entry.entries() {
        let key = k.text().unwrap_or_default();
        if !mapped.contains(&key) {
            im.warn(&k.pos, format!("{here}.{key}"), why);
        }
    }
}
