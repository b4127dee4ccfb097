//! `stackc-recover`: the supervising service that gives Compose what Kubernetes and ECS have built
//! in. Docker only marks a container unhealthy; this service restarts it, and reloads the gateway
//! when the addresses behind it change so nginx's passive failure detection works on current peers.
//!
//! Least privilege that works: the Docker socket is the whole API (root on the host), so the
//! container gets nothing else — no network at all, a read-only root, every capability dropped, no
//! privilege escalation, small limits — and the script acts only on containers of its own project
//! that carry stackc's labels.

use std::collections::BTreeMap;

use super::file::{Deploy, Limits, Resources, Service, VolumeMount};
use crate::targets::{images, shell, templates};
use crate::units::Name;

pub const SERVICE: &str = "stackc-recover";
pub const SCRIPT: &str = "compose/recover/recover.sh";

/// Set on services and resources with a health check: restart them when Docker says unhealthy. The
/// value is the seconds the container gets to stop before it is killed.
pub const RECOVER_LABEL: &str = "dev.stackc.recover";
/// Set on routed services: the gateway reloads when their addresses change.
pub const UPSTREAM_LABEL: &str = "dev.stackc.upstream";
/// Set on the gateway: the container told to reload.
pub const GATEWAY_LABEL: &str = "dev.stackc.gateway";

/// How often Docker is asked, in seconds: the most a restart waits after Docker's verdict.
const EVERY: u32 = 1;
/// Seconds an unhealthy service gets to stop before it is killed: it has already failed `retries`
/// health checks, and a frozen one never stops by itself.
pub const SERVICE_GRACE: u32 = 3;
/// A database or broker gets longer: a clean shutdown spares it crash recovery.
pub const RESOURCE_GRACE: u32 = 30;

/// The label map marking a service for one of the roles above.
pub fn label(key: &str) -> BTreeMap<String, String> {
    BTreeMap::from([(key.to_owned(), "true".to_owned())])
}

/// The label map marking a container to restart when unhealthy, with its stop grace in seconds.
pub fn recover(grace: u32) -> BTreeMap<String, String> {
    BTreeMap::from([(RECOVER_LABEL.to_owned(), grace.to_string())])
}

pub fn service() -> Service {
    Service {
        image: Some(images::DOCKER_CLI.to_owned()),
        command: Some(["sh", "/stackc/recover.sh"].map(str::to_owned).to_vec()),
        // Root without capabilities: enough to open the socket (owned by root), nothing more.
        user: Some("0:0".into()),
        volumes: vec![
            VolumeMount::Short("./recover/recover.sh:/stackc/recover.sh:ro".into()),
            VolumeMount::Short("/var/run/docker.sock:/var/run/docker.sock:ro".into()),
        ],
        read_only: true,
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

pub fn script(project: &Name, spec_file: &str) -> String {
    templates::render(
        "recover.sh.j2",
        minijinja::context! {
            spec_file,
            project => project.as_str(),
            project_word => shell::word(project.as_str()),
            every => EVERY,
            grace_of => format!("{{{{index .Config.Labels \"{RECOVER_LABEL}\"}}}}"),
            // Go templates of `docker inspect`, kept out of the Jinja text.
            name => "{{.Name}}",
            name_and_addresses => "{{.Name}}{{range .NetworkSettings.Networks}} {{.IPAddress}}{{end}}",
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_script_names_its_project_and_the_docker_templates_survive() {
        let text = script(&"shop-dev".parse().unwrap(), "stack.toml");
        assert!(text.contains("project=shop-dev\n"), "{text}");
        assert!(text.contains("--format '{{.Name}}'"), "{text}");
        assert!(text.contains("{{range .NetworkSettings.Networks}} {{.IPAddress}}{{end}}"));
    }
}
