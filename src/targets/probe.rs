//! Health probes that work inside any container: HTTP and TCP checks run a static busybox, which
//! stackc-built images carry and, under Compose, other images get from the `stackc-probe` volume.
//! Score's compose drops HTTP probes because images lack curl; this is how stackc keeps them.

use crate::model::{Health, Probe};

/// Where the probe binary is in images stackc builds.
pub const IN_IMAGE: &str = "/usr/local/bin/busybox";
/// Where the probe binary is in other images (mounted from the `stackc-probe` volume).
pub const FROM_VOLUME: &str = "/stackc/busybox";

/// The probe command of a health check, as an exec-form argument list.
#[must_use]
pub fn probe_command(health: &Health, busybox: &str) -> Vec<String> {
    // No timeout flags: Docker (and ECS) kill a probe that outlives the check's `timeout`, and some
    // busybox builds crash on `wget -T`.
    match &health.probe {
        Probe::Http { path, port } => [
            busybox,
            "wget",
            "-q",
            "-O",
            "/dev/null",
            &format!("http://127.0.0.1:{port}{path}"),
        ]
        .map(str::to_owned)
        .to_vec(),
        // Without `-z` (not in every busybox), nc connects and sees EOF on stdin at once: exit 0 on connect.
        Probe::Tcp { port } => [busybox, "nc", "127.0.0.1", &port.to_string()]
            .map(str::to_owned)
            .to_vec(),
        Probe::Exec { command } => command.clone(),
    }
}

/// Whether the check needs the busybox probe (exec checks bring their own command).
#[must_use]
pub fn needs_probe(health: &Health) -> bool {
    !matches!(health.probe, Probe::Exec { .. })
}
