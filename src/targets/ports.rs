//! Ports below 1024 for a process that is not root.
//!
//! Every target runs workloads as a non-root uid with every capability dropped, so binding port 80
//! needs the kernel's `net.ipv4.ip_unprivileged_port_start` lowered in the pod's network namespace.
//! Docker lowers it to 0 in every container by itself; a Kubernetes node or Fargate keeps the kernel
//! default, 1024, and a `port = 80` service crash-loops there. The sysctl is namespaced and on the
//! Pod Security Standards' list of safe sysctls (allowed by the restricted profile), and ECS passes it
//! as a system control. It is set to the lowest port the workload listens on: nothing lower opens.

use crate::model::Workload;

pub const SYSCTL: &str = "net.ipv4.ip_unprivileged_port_start";

/// The kernel's default: below it only root (or `CAP_NET_BIND_SERVICE`) binds.
const KERNEL_DEFAULT: u16 = 1024;

/// The value the sysctl needs for `w`, when it listens below 1024.
#[must_use]
pub fn unprivileged_from(w: &Workload) -> Option<u16> {
    w.lowest_port().filter(|p| *p < KERNEL_DEFAULT)
}
