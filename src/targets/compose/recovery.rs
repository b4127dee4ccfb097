//! `stackc-recover`: the supervising service that gives Compose what Kubernetes and ECS have built
//! in. Docker only marks a container unhealthy; this service restarts it, and reloads the gateway
//! when the addresses behind it change so nginx's passive failure detection works on current peers.
//!
//! Least privilege that works: the Docker socket is the whole API (root on the host), so the
//! container gets nothing else — no network at all, a read-only root, every capability dropped, no
//! privilege escalation, small limits — and the script acts only on containers of its own project
//! that carry stackc's labels.

use std::collections::BTreeMap;

use super::EDGE_NETWORK;
use super::file::{BindMount, Deploy, Healthcheck, Limits, Resources, Service, VolumeMount};
use crate::targets::{images, shell, templates};
use crate::units::Name;

pub const SERVICE: &str = "stackc-recover";
pub const SCRIPT: &str = "compose/recover/recover.sh";
/// The volume where the supervisor writes the gateway's peers, and the path both mount it at.
pub const PEERS_VOLUME: &str = "stackc-upstreams";
pub const PEERS_PATH: &str = "/etc/stackc/upstreams";

/// Set on services with a health check: restart them when Docker says unhealthy. The value is the
/// seconds the container gets to stop before it is killed. Not set on resources: a database whose
/// first start or crash recovery is slow looks unhealthy, and killing it then can break its data
/// (a crashed one is restarted by its restart policy).
pub const RECOVER_LABEL: &str = "dev.stackc.recover";
/// Set on routed services, with the port the gateway sends to: their healthy containers are its peers.
pub const UPSTREAM_LABEL: &str = "dev.stackc.upstream";
/// Set on the gateway: the container told to reload.
pub const GATEWAY_LABEL: &str = "dev.stackc.gateway";

/// How long the gateway leaves out a replica that failed or timed out before trying it again.
pub const FAIL_TIMEOUT: &str = "10s";
/// How often Docker is asked, in seconds: the most a restart waits after Docker's verdict.
const EVERY: u32 = 2;
/// Seconds an unhealthy service gets to stop before it is killed: it has already failed `retries`
/// health checks, and a frozen one never stops by itself.
pub const SERVICE_GRACE: u32 = 3;

/// One label.
pub fn label(key: &str, value: &str) -> BTreeMap<String, String> {
    BTreeMap::from([(key.to_owned(), value.to_owned())])
}

pub fn service() -> Service {
    Service {
        image: Some(images::DOCKER_CLI.to_owned()),
        command: Some(["sh", "/stackc/recover.sh"].map(str::to_owned).to_vec()),
        // Root without capabilities: enough to open the socket (owned by root), nothing more.
        user: Some("0:0".into()),
        // Long syntax: a missing file is an error, never a folder Docker creates in its place.
        volumes: vec![
            VolumeMount::Bind(BindMount {
                kind: "bind",
                source: "./recover/recover.sh".into(),
                target: "/stackc/recover.sh".into(),
                read_only: true,
            }),
            VolumeMount::Bind(BindMount {
                kind: "bind",
                source: "/var/run/docker.sock".into(),
                target: "/var/run/docker.sock".into(),
                read_only: true,
            }),
            VolumeMount::Short(format!("{PEERS_VOLUME}:{PEERS_PATH}")),
        ],
        read_only: true,
        // Unhealthy when the socket does not answer (rootless Docker, another socket path, SELinux).
        healthcheck: Some(Healthcheck {
            test: [
                "CMD",
                "docker",
                "version",
                "--format",
                "{{.Server.Version}}",
            ]
            .map(str::to_owned)
            .to_vec(),
            interval: "30s".into(),
            timeout: "10s".into(),
            retries: 3,
            start_period: Some("5s".into()),
        }),
        restart: "unless-stopped",
        cap_drop: vec!["ALL"],
        security_opt: vec!["no-new-privileges:true"],
        network_mode: Some("none"),
        deploy: Some(Deploy {
            replicas: None,
            resources: Some(Resources {
                limits: Limits {
                    cpus: Some("0.1".into()),
                    memory: Some("64M".into()),
                },
            }),
        }),
        ..Service::default()
    }
}

/// The script, for the routed services (whose peers it writes) of `project`.
pub fn script(project: &Name, routed: &[&Name], spec_file: &str) -> String {
    let routed: Vec<&str> = routed.iter().map(|n| n.as_str()).collect();
    templates::render(
        "recover.sh.j2",
        minijinja::context! {
            spec_file,
            project => project.as_str(),
            project_word => shell::word(project.as_str()),
            every => EVERY,
            edge => EDGE_NETWORK,
            fail_timeout => FAIL_TIMEOUT,
            // Service names are DNS labels: plain shell words.
            routed_services => routed.join(" "),
            // Go templates of `docker inspect`, kept out of the Jinja text.
            name => "{{.Name}}",
            project_of => "{{index .Config.Labels \"com.docker.compose.project\"}}",
            grace_of => format!("{{{{index .Config.Labels \"{RECOVER_LABEL}\"}}}}"),
            routed_line => format!(
                "{{{{index .Config.Labels \"com.docker.compose.service\"}}}} {{{{index .Config.Labels \"{UPSTREAM_LABEL}\"}}}} {{{{if .State.Health}}}}{{{{.State.Health.Status}}}}{{{{else}}}}none{{{{end}}}}{{{{range $k, $v := .NetworkSettings.Networks}}}} {{{{$k}}}}={{{{$v.IPAddress}}}}{{{{end}}}}"
            ),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_script_names_its_project_and_the_docker_templates_survive() {
        let web: Name = "web".parse().unwrap();
        let text = script(&"shop-dev".parse().unwrap(), &[&web], "stack.toml");
        assert!(text.contains("project=shop-dev\n"), "{text}");
        assert!(text.contains("for service in web; do"), "{text}");
        assert!(text.contains("--format '{{.Name}}'"), "{text}");
        assert!(
            text.contains(
                "{{range $k, $v := .NetworkSettings.Networks}} {{$k}}={{$v.IPAddress}}{{end}}"
            ),
            "{text}"
        );
        assert!(text.contains("\"${project}_edge\""), "{text}");
    }
}
