//! `[targets.*]` settings, with defaults taken from the stack.

use std::collections::BTreeMap;
use std::ops::Range;

use super::{Resolver, checks};
use crate::diagnostics::{Code, Diagnostic};
use crate::model::{ComposeSettings, EcsSettings, KubernetesSettings, Targets};
use crate::spec::Sp;
use crate::units::Name;

impl Resolver<'_> {
    /// The settings, named after `deployment` (`<stack>` or `<stack>-<env>`) unless they say otherwise.
    pub(super) fn targets(&mut self, deployment: &Name) -> Option<Targets> {
        let stack = deployment;
        let spec = self.spec.targets.as_ref();
        let mut ok = true;

        let compose = spec.and_then(|t| t.compose.as_ref());
        let project = match compose.and_then(|c| c.project.as_ref()) {
            Some(p) => self.parse::<Name>(p, Code::InvalidTarget, "compose project name"),
            None => Some(stack.clone()),
        };

        let k8s = spec.and_then(|t| t.kubernetes.as_ref());
        let namespace = match k8s.and_then(|k| k.namespace.as_ref()) {
            Some(n) => self
                .parse::<Name>(n, Code::InvalidTarget, "Kubernetes namespace")
                .and_then(|ns| self.own_namespace(ns, n.span(), true)),
            None => match self.spec.stack.as_ref().map(|s| s.name.span()) {
                Some(span) => self.own_namespace(stack.clone(), span, false),
                None => Some(stack.clone()),
            },
        };
        // The stack's namespace gets a default-deny policy and the restricted profile: never the
        // namespace of the ingress controller or Gateway that routes into it.
        if let Some(ns) = &namespace {
            let ns_span = k8s
                .and_then(|k| k.namespace.as_ref())
                .map(Sp::span)
                .or_else(|| self.spec.stack.as_ref().map(|s| s.name.span()));
            let ingress = k8s.and_then(|k| k.ingress_namespace.as_ref());
            let gateway = k8s.and_then(|k| k.gateway_namespace.as_ref());
            let controllers = [
                (
                    "ingress_namespace",
                    ingress.map_or("ingress-nginx", |v| v.get().as_str()),
                ),
                (
                    "gateway_namespace",
                    gateway.map_or("", |v| v.get().as_str()),
                ),
            ];
            if let (Some((field, _)), Some(span)) =
                (controllers.iter().find(|(_, c)| *c == ns.as_str()), ns_span)
            {
                self.push(
                    Diagnostic::error(
                        Code::InvalidTarget,
                        format!("the stack's Kubernetes namespace `{ns}` is the {field} of the cluster's router"),
                    )
                    .at(span, "the stack's namespace")
                    .help("stackc denies all traffic in its namespace but the stack's own and enforces the restricted pod profile, which would cut off the controller there; deploy the stack into a namespace of its own"),
                );
                ok = false;
            }
        }
        for (field, value) in [
            ("registry", k8s.and_then(|k| k.registry.as_ref())),
            ("image_tag", k8s.and_then(|k| k.image_tag.as_ref())),
        ] {
            if let Some(value) = value {
                ok &= self.image_setting(field, value);
            }
        }
        // Names of cluster objects: DNS subdomains.
        for class in [
            k8s.and_then(|k| k.ingress_class.as_ref()),
            k8s.and_then(|k| k.storage_class.as_ref()),
            k8s.and_then(|k| k.gateway.as_ref()),
            k8s.and_then(|k| k.gateway_namespace.as_ref()),
            k8s.and_then(|k| k.ingress_namespace.as_ref()),
        ]
        .into_iter()
        .flatten()
        {
            ok &= self.check(
                class,
                |c| checks::host_name(c).is_ok() && !c.starts_with('*'),
                "a class name (a DNS subdomain)",
            );
        }

        let ecs = spec.and_then(|t| t.ecs.as_ref()).map(|e| {
            if let Some(region) = &e.region {
                ok &= self.check(region, valid_region, "an AWS region such as \"eu-west-1\"");
            }
            if let Some(cluster) = &e.cluster {
                ok &= self.check(
                    cluster,
                    |c| {
                        !c.is_empty()
                            && c.len() <= 255
                            && c.chars()
                                .all(|ch| ch.is_ascii_alphanumeric() || matches!(ch, '-' | '_'))
                    },
                    "an ECS cluster name (letters, digits, `-`, `_`)",
                );
            }
            for subnet in &e.subnets {
                ok &= self.check(
                    subnet,
                    |s| {
                        s.strip_prefix("subnet-").is_some_and(|id| {
                            !id.is_empty() && id.chars().all(|c| c.is_ascii_hexdigit())
                        })
                    },
                    "a subnet id such as \"subnet-0abc1234\"",
                );
            }
            for role in [&e.execution_role, &e.task_role].into_iter().flatten() {
                ok &= self.check(
                    role,
                    valid_role_arn,
                    "an IAM role ARN (arn:aws:iam::<account>:role/<name>)",
                );
            }
            for (field, value) in [("registry", &e.registry), ("image_tag", &e.image_tag)] {
                if let Some(value) = value {
                    ok &= self.image_setting(field, value);
                }
            }
            if e.registry.is_none() {
                let spec = self.spec;
                let built: Vec<&str> = spec
                    .services
                    .iter()
                    .chain(&spec.jobs)
                    .filter(|(_, w)| w.build.is_some())
                    .map(|(n, _)| n.get().as_str())
                    .collect();
                if !built.is_empty() {
                    ok = false;
                    self.push(
                        Diagnostic::error(
                            Code::InvalidTarget,
                            format!(
                                "[targets.ecs] has no `registry`, but {} built from source",
                                quote_list(&built)
                            ),
                        )
                        .at(e.span(), "no registry to push built images to")
                        .help("add `registry = \"<account>.dkr.ecr.<region>.amazonaws.com\"`"),
                    );
                }
            }
            let text = |v: &Option<Sp<String>>| v.as_ref().map(|s| s.get().clone());
            EcsSettings {
                region: text(&e.region),
                cluster: text(&e.cluster).unwrap_or_else(|| stack.to_string()),
                subnets: e.subnets.iter().map(|s| s.get().clone()).collect(),
                execution_role: text(&e.execution_role),
                task_role: text(&e.task_role),
                registry: text(&e.registry),
                image_tag: text(&e.image_tag).unwrap_or_else(|| "latest".into()),
            }
        });

        let kubernetes = KubernetesSettings {
            namespace: namespace?,
            ingress_class: k8s
                .and_then(|k| k.ingress_class.as_ref())
                .map(|s| s.get().clone()),
            storage_class: k8s
                .and_then(|k| k.storage_class.as_ref())
                .map(|s| s.get().clone()),
            registry: k8s
                .and_then(|k| k.registry.as_ref())
                .map(|s| s.get().clone()),
            image_tag: k8s
                .and_then(|k| k.image_tag.as_ref())
                .map_or_else(|| "dev".to_owned(), |s| s.get().clone()),
            ingress_namespace: k8s
                .and_then(|k| k.ingress_namespace.as_ref())
                .map_or_else(|| "ingress-nginx".to_owned(), |s| s.get().clone()),
            gateway: k8s.and_then(|k| k.gateway.as_ref()).map(|g| {
                (
                    g.get().clone(),
                    k8s.and_then(|k| k.gateway_namespace.as_ref())
                        .map(|n| n.get().clone()),
                )
            }),
            service_aliases: self.service_aliases(),
        };
        let targets = Targets {
            compose: ComposeSettings {
                project: project?,
                recovery: compose
                    .and_then(|c| c.recovery.as_ref())
                    .is_none_or(|r| *r.get()),
            },
            kubernetes,
            ecs,
        };
        ok.then_some(targets)
    }

    /// A namespace stackc may own: it labels the namespace `restricted` and denies all traffic in it
    /// but the graph's, which would break a system namespace (`default`, `kube-*`).
    fn own_namespace(
        &mut self,
        namespace: Name,
        span: Range<usize>,
        explicit: bool,
    ) -> Option<Name> {
        let ns = namespace.as_str();
        if ns != "default" && !ns.starts_with("kube-") {
            return Some(namespace);
        }
        let (message, label) = if explicit {
            (
                format!(
                    "`{ns}` is a system namespace; stackc deploys into a namespace of the stack's own"
                ),
                "system namespace",
            )
        } else {
            (
                format!(
                    "the stack `{ns}` would deploy to the Kubernetes namespace `{ns}`, a system namespace"
                ),
                "the default Kubernetes namespace",
            )
        };
        self.push(
            Diagnostic::error(Code::InvalidTarget, message)
                .at(span, label)
                .help("stackc labels its namespace `restricted` and denies all traffic but the stack's; set `[targets.kubernetes] namespace = \"<name>\"` to a namespace of the stack's own"),
        );
        None
    }

    /// `registry` and `image_tag` of any target: the parts of the image references it writes.
    fn image_setting(&mut self, field: &str, value: &Sp<String>) -> bool {
        let checked = if field == "registry" {
            checks::registry(value.get())
        } else {
            checks::image_tag(value.get())
        };
        match checked {
            Ok(()) => true,
            Err(why) => {
                self.error(
                    Code::InvalidTarget,
                    why,
                    value.span(),
                    format!("invalid `{field}`"),
                );
                false
            }
        }
    }

    /// Kubernetes Service names for the services and resources whose names are not DNS-1035 labels.
    fn service_aliases(&self) -> BTreeMap<Name, Name> {
        let spec = self.spec;
        let names: Vec<Name> = spec
            .services
            .keys()
            .chain(spec.jobs.keys())
            .chain(spec.resources.keys())
            .filter_map(|n| n.get().parse().ok())
            .collect();
        Name::dns_1035_aliases(&names)
    }

    fn check(&mut self, value: &Sp<String>, valid: impl Fn(&str) -> bool, expected: &str) -> bool {
        let good = valid(value.get());
        if !good {
            self.error(
                Code::InvalidTarget,
                format!("`{}` is not {expected}", value.get()),
                value.span(),
                "invalid setting",
            );
        }
        good
    }
}

/// `a`, `a` and `b`, `a`, `b` and `c` is/are.
fn quote_list(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    match quoted.as_slice() {
        [one] => format!("{one} is"),
        [rest @ .., last] => format!("{} and {last} are", rest.join(", ")),
        [] => String::new(),
    }
}

fn valid_region(r: &str) -> bool {
    let parts: Vec<&str> = r.split('-').collect();
    parts.len() >= 3
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
        && parts
            .last()
            .is_some_and(|p| p.chars().all(|c| c.is_ascii_digit()))
}

fn valid_role_arn(arn: &str) -> bool {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    matches!(parts.as_slice(), ["arn", partition, "iam", "", account, resource]
        if partition.starts_with("aws")
            && account.len() == 12
            && account.chars().all(|c| c.is_ascii_digit())
            && resource.strip_prefix("role/").is_some_and(|n| !n.is_empty()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_and_roles() {
        assert!(valid_region("eu-west-1"));
        assert!(valid_region("us-gov-west-1"));
        assert!(!valid_region("eu-west"));
        assert!(!valid_region("EU-west-1"));
        assert!(valid_role_arn(
            "arn:aws:iam::123456789012:role/ecsTaskExecutionRole"
        ));
        assert!(!valid_role_arn("arn:aws:iam::1234:role/x"));
        assert!(!valid_role_arn("ecsTaskExecutionRole"));
    }
}
