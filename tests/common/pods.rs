//! The Kubernetes target's pods, run on Docker with exactly their security settings — a proxy for a
//! cluster, not a cluster: it catches images and settings that cannot run as the pod's uid with a
//! read-only root, no capabilities and a node's default `net.ipv4.ip_unprivileged_port_start` (1024;
//! Docker lowers it to 0 in every container, a node does not).
//!
//! Each Deployment's container runs beside a Compose stack of the same spec (its databases and
//! caches), with the pod's user and group (and `fsGroup` as a supplementary group), read-only root,
//! dropped capabilities, no privilege escalation, the pod's sysctls, its emptyDir, `ConfigMap` and claim
//! volumes, its environment from `ConfigMaps`, Secret references (the Compose stack's secret files) and
//! `$(VAR)` expansion; it must pass its readiness probe. Each Job must exit 0. Resources' `StatefulSets`
//! are not run: their images here are Debian stand-ins, which do not reproduce the official images'
//! handling of users.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use super::stack::{DOCKER, Stack, docker};
use super::text;

/// A container started for the check, removed however the test ends.
struct Running(String);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = docker(&["rm", "-f", "-v", &self.0]);
    }
}

type Doc = yaml_serde::Value;

fn documents(path: &Path) -> Vec<Doc> {
    let Ok(content) = std::fs::read_to_string(path) else {
        return Vec::new();
    };
    content
        .split("\n---")
        .filter_map(|d| yaml_serde::from_str::<Doc>(d).ok())
        .filter(|d| d.get("kind").is_some())
        .collect()
}

fn str_of<'a>(v: &'a Doc, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Doc::as_str)
}

fn list<'a>(v: &'a Doc, key: &str) -> &'a [Doc] {
    v.get(key)
        .and_then(Doc::as_sequence)
        .map_or(&[], Vec::as_slice)
}

fn int(v: &Doc, key: &str) -> Option<i64> {
    v.get(key).and_then(Doc::as_i64)
}

/// Kubernetes' `$(VAR)` expansion against the variables defined so far (`$$` is `$`).
fn expand(value: &str, vars: &BTreeMap<String, String>) -> String {
    let mut out = String::new();
    let mut rest = value;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some(tail) = after.strip_prefix('$') {
            out.push('$');
            rest = tail;
        } else if let Some((name, tail)) = after
            .strip_prefix('(')
            .and_then(|a| a.split_once(')'))
            .filter(|(name, _)| vars.contains_key(*name))
        {
            out.push_str(&vars[name]);
            rest = tail;
        } else {
            out.push('$');
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

/// Runs every Deployment and Job of the spec's Kubernetes manifests beside `stack` (see the module).
pub fn check_restricted(stack: &Stack, spec: &Path, env: Option<&str>) {
    let scratch = tempfile::tempdir().unwrap();
    let out = scratch.path().join("out");
    let built = super::build_target(spec, "kubernetes", env, &out);
    assert!(built.status.success(), "{}", text(&built.stderr));
    let k8s = out.join("kubernetes");
    let configmaps: BTreeMap<String, Doc> = documents(&k8s.join("configmaps.yaml"))
        .into_iter()
        .filter_map(|d| {
            let name = str_of(&d["metadata"], "name")?.to_owned();
            Some((name, d.get("data").cloned().unwrap_or(Doc::Null)))
        })
        .collect();
    let project = stack.project();
    let mut checked = Vec::new();
    for doc in documents(&k8s.join("deployments.yaml"))
        .into_iter()
        .chain(documents(&k8s.join("jobs.yaml")))
    {
        let kind = str_of(&doc, "kind").unwrap_or_default().to_owned();
        let namespace = str_of(&doc["metadata"], "namespace").unwrap().to_owned();
        let pod = &doc["spec"]["template"]["spec"];
        for container in list(pod, "containers") {
            let name = str_of(container, "name").unwrap();
            // The image Compose built from the same Dockerfile, or the manifest's own when it is here.
            // (Compose v5 names it `<project>-<service>`, docker-compose 1.29 `<project>_<service>`.)
            let candidates = [
                format!("{project}-{name}"),
                format!("{project}_{name}"),
                str_of(container, "image").unwrap().to_owned(),
            ];
            let Some(image) = candidates
                .into_iter()
                .find(|i| docker(&["image", "inspect", i]).status.success())
            else {
                eprintln!("restricted pods: {kind} {name}: its image is not here; not run");
                continue;
            };
            let dir = scratch.path().join(format!("{kind}-{name}"));
            let run = start(
                stack,
                &project,
                &namespace,
                pod,
                container,
                &image,
                &configmaps,
                &dir,
            );
            if kind == "Job" {
                wait_completed(&run.0, name);
            } else {
                wait_ready(&run.0, name, container);
            }
            checked.push(format!("{kind} {name}"));
        }
    }
    eprintln!("restricted pods passed: {checked:?}");
    assert!(!checked.is_empty(), "no pod was checked");
}

#[allow(clippy::too_many_arguments)]
fn start(
    stack: &Stack,
    project: &str,
    namespace: &str,
    pod: &Doc,
    container: &Doc,
    image: &str,
    configmaps: &BTreeMap<String, Doc>,
    dir: &Path,
) -> Running {
    let name = str_of(container, "name").unwrap();
    let pod_security = &pod["securityContext"];
    let security = &container["securityContext"];
    let user = int(security, "runAsUser").or_else(|| int(pod_security, "runAsUser"));
    let group = int(security, "runAsGroup").or_else(|| int(pod_security, "runAsGroup"));
    let id = format!("stackc-pod-{project}-{name}");
    let _ = docker(&["rm", "-f", "-v", &id]);
    let mut cmd = Command::new(DOCKER);
    cmd.args(["run", "-d", "--name", &id]);
    if let Some(uid) = user {
        cmd.args(["--user", &format!("{uid}:{}", group.unwrap_or(uid))]);
    }
    if let Some(fs) = int(pod_security, "fsGroup") {
        cmd.args(["--group-add", &fs.to_string()]);
    }
    if security["readOnlyRootFilesystem"].as_bool() == Some(true) {
        cmd.arg("--read-only");
    }
    for cap in list(&security["capabilities"], "drop") {
        cmd.args(["--cap-drop", cap.as_str().unwrap()]);
    }
    for cap in list(&security["capabilities"], "add") {
        cmd.args(["--cap-add", cap.as_str().unwrap()]);
    }
    if security["allowPrivilegeEscalation"].as_bool() == Some(false) {
        cmd.args(["--security-opt", "no-new-privileges"]);
    }
    // A node's kernel default, unless the pod sets its own.
    let mut sysctls = BTreeMap::from([(
        "net.ipv4.ip_unprivileged_port_start".to_owned(),
        "1024".to_owned(),
    )]);
    for s in list(pod_security, "sysctls") {
        sysctls.insert(
            str_of(s, "name").unwrap().to_owned(),
            str_of(s, "value").unwrap().to_owned(),
        );
    }
    for (k, v) in &sysctls {
        cmd.args(["--sysctl", &format!("{k}={v}")]);
    }

    // Volumes, as the pod mounts them.
    let volumes: BTreeMap<&str, &Doc> = list(pod, "volumes")
        .iter()
        .map(|v| (str_of(v, "name").unwrap(), v))
        .collect();
    for mount in list(container, "volumeMounts") {
        let path = str_of(mount, "mountPath").unwrap();
        let volume = volumes[str_of(mount, "name").unwrap()];
        let ro = mount["readOnly"].as_bool() == Some(true);
        if volume.get("emptyDir").is_some() {
            cmd.args(["--tmpfs", &format!("{path}:rw,mode=1777")]);
        } else if let Some(source) = volume.get("configMap") {
            let data = &configmaps[str_of(source, "name").unwrap()];
            let folder = dir.join(str_of(mount, "name").unwrap());
            std::fs::create_dir_all(&folder).unwrap();
            let items = list(source, "items");
            let files: Vec<(String, String)> = if items.is_empty() {
                data.as_mapping()
                    .into_iter()
                    .flatten()
                    .map(|(k, _)| {
                        (
                            k.as_str().unwrap().to_owned(),
                            k.as_str().unwrap().to_owned(),
                        )
                    })
                    .collect()
            } else {
                items
                    .iter()
                    .map(|i| {
                        (
                            str_of(i, "key").unwrap().to_owned(),
                            str_of(i, "path").unwrap().to_owned(),
                        )
                    })
                    .collect()
            };
            for (key, rel) in files {
                let file = folder.join(&rel);
                std::fs::create_dir_all(file.parent().unwrap()).unwrap();
                std::fs::write(&file, str_of(data, &key).unwrap_or_default()).unwrap();
            }
            let source = match str_of(mount, "subPath") {
                Some(sub) => folder.join(sub),
                None => folder,
            };
            cmd.args(["-v", &format!("{}:{path}:ro", source.display())]);
        } else if volume.get("persistentVolumeClaim").is_some() {
            cmd.args([
                "--mount",
                &format!(
                    "type=volume,dst={path}{}",
                    if ro { ",readonly" } else { "" }
                ),
            ]);
        }
    }

    // Environment: envFrom first, env after (and over it), `$(VAR)` expanded in order.
    let mut vars: BTreeMap<String, String> = BTreeMap::new();
    for from in list(container, "envFrom") {
        if let Some(cm) = from.get("configMapRef") {
            let data = &configmaps[str_of(cm, "name").unwrap()];
            for (k, v) in data.as_mapping().into_iter().flatten() {
                vars.insert(
                    k.as_str().unwrap().to_owned(),
                    v.as_str().unwrap_or_default().to_owned(),
                );
            }
        }
    }
    for e in list(container, "env") {
        let key = str_of(e, "name").unwrap().to_owned();
        let value = if let Some(v) = str_of(e, "value") {
            expand(v, &vars)
        } else if let Some(secret) = e.get("valueFrom").and_then(|f| f.get("secretKeyRef")) {
            let file = stack
                .dir
                .join("secrets")
                .join(str_of(secret, "name").unwrap());
            std::fs::read_to_string(&file)
                .unwrap_or_else(|e| panic!("{name}: secret {}: {e}", file.display()))
        } else {
            continue;
        };
        vars.insert(key, value);
    }
    // Cluster DNS names (`db.<namespace>.svc`) point at the Compose stack's containers.
    let suffix = format!(".{namespace}.svc");
    let mut hosts = BTreeMap::new();
    for value in vars.values() {
        for (i, _) in value.match_indices(&suffix) {
            let start = value[..i]
                .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
                .map_or(0, |p| p + 1);
            let service = &value[start..i];
            if let Some(ip) = stack.address(service) {
                hosts.insert(format!("{service}{suffix}"), ip);
            }
        }
    }
    for (host, ip) in &hosts {
        cmd.args(["--add-host", &format!("{host}:{ip}")]);
    }
    for (k, v) in &vars {
        cmd.args(["-e", &format!("{k}={v}")]);
    }
    let networks = stack.networks();
    cmd.args(["--network", &networks[0]]);

    let command: Vec<&str> = list(container, "command")
        .iter()
        .filter_map(Doc::as_str)
        .collect();
    if let Some((entry, rest)) = command.split_first() {
        cmd.args(["--entrypoint", entry]);
        cmd.arg(image);
        cmd.args(rest);
    } else {
        cmd.arg(image);
    }
    cmd.args(list(container, "args").iter().filter_map(Doc::as_str));
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{name}: docker run: {}",
        text(&out.stderr)
    );
    for network in &networks[1..] {
        let _ = docker(&["network", "connect", network, &id]);
    }
    Running(id)
}

fn logs(id: &str) -> String {
    let out = docker(&["logs", "--tail", "30", id]);
    format!("{}{}", text(&out.stdout), text(&out.stderr))
}

fn status(id: &str) -> (String, i64) {
    let out = docker(&[
        "inspect",
        "--format",
        "{{.State.Status}} {{.State.ExitCode}}",
        id,
    ]);
    let line = text(&out.stdout);
    let (s, code) = line.trim().split_once(' ').unwrap_or(("gone", "-1"));
    (s.to_owned(), code.parse().unwrap_or(-1))
}

fn wait_completed(id: &str, name: &str) {
    let start = Instant::now();
    loop {
        let (state, code) = status(id);
        if state == "exited" {
            assert_eq!(
                code,
                0,
                "job {name} under the pod's security settings failed:\n{}",
                logs(id)
            );
            return;
        }
        assert!(
            start.elapsed() < Duration::from_mins(2),
            "job {name} did not finish:\n{}",
            logs(id)
        );
        std::thread::sleep(Duration::from_secs(1));
    }
}

/// Polls the container's readiness probe (from a busybox in its network namespace, as a kubelet
/// would reach it) until it passes; the container must not exit meanwhile.
fn wait_ready(id: &str, name: &str, container: &Doc) {
    let probe = &container["readinessProbe"];
    let network = format!("container:{id}");
    // `busybox <applet>`: the stand-in image has busybox, not its applet links.
    let busybox = |applet: &[&str]| -> Vec<String> {
        [
            "run",
            "--rm",
            "--network",
            &network,
            super::stack::BUSYBOX,
            "busybox",
        ]
        .iter()
        .chain(applet)
        .map(ToString::to_string)
        .collect()
    };
    let check: Option<Vec<String>> = if let Some(http) = probe.get("httpGet") {
        let port = int(http, "port").unwrap();
        let path = str_of(http, "path").unwrap_or("/");
        let url = format!("http://127.0.0.1:{port}{path}");
        Some(busybox(&["wget", "-q", "-O", "/dev/null", &url]))
    } else if let Some(tcp) = probe.get("tcpSocket") {
        let port = int(tcp, "port").unwrap().to_string();
        // Connects, sends nothing (no stdin) and exits: Debian's busybox nc has no `-z`.
        Some(busybox(&["nc", "-w", "3", "127.0.0.1", &port]))
    } else {
        probe.get("exec").map(|exec| {
            ["exec".to_owned(), id.to_owned()]
                .into_iter()
                .chain(
                    list(exec, "command")
                        .iter()
                        .filter_map(Doc::as_str)
                        .map(str::to_owned),
                )
                .collect()
        })
    };
    let start = Instant::now();
    loop {
        let (state, code) = status(id);
        assert!(
            state == "running",
            "{name} under the pod's security settings is {state} (exit {code}):\n{}",
            logs(id)
        );
        let ready = match &check {
            Some(args) => Command::new(DOCKER)
                .args(args)
                .output()
                .is_ok_and(|o| o.status.success()),
            // No probe: running for a while is all a kubelet would ask.
            None => start.elapsed() > Duration::from_secs(10),
        };
        if ready {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_mins(2),
            "{name} under the pod's security settings never became ready:\n{}",
            logs(id)
        );
        std::thread::sleep(Duration::from_secs(2));
    }
}
