//! The names stackc gives what it creates in AWS, all from one function ([`Identity::name`]), so that
//! two stacks can never arrive at the same name and each name keeps to its service's rules.
//!
//! Stack and workload names are DNS-1123 labels (`a-z`, `0-9`, `-`), so `<stack>-<service>` is
//! ambiguous (`ab` + `c-web` and `ab-c` + `web`). Where AWS allows `_`, it separates the parts: no
//! part contains one. Where it does not (load balancers and target groups: 32 letters, digits and
//! `-`), a name made of several parts ends in a hash of the parts, and a name that does not fit keeps
//! a hash of all of it. The environment of a deployment is one more part after the stack: the base
//! deployment's names have one part fewer (`weather_api`, `weather_staging_api`), so no deployment's
//! name is another's and names of the base stay what they were before environments were deployments.

use crate::targets::fit::{fit, fnv};

/// Who owns a name: the stack, in one environment (`None`: the base deployment).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Identity<'a> {
    pub stack: &'a str,
    pub env: Option<&'a str>,
}

/// What is named, with the part of the stack it belongs to.
#[derive(Debug, Clone, Copy)]
pub enum Kind<'a> {
    /// ECS task definition family (255: letters, digits, `-`, `_`).
    TaskFamily(&'a str),
    /// ECS service, unique in its cluster (255: letters, digits, `-`, `_`).
    Service(&'a str),
    /// EC2 security group of an owner, unique in its VPC (255; not starting with `sg-`).
    SecurityGroup(&'a str),
    /// The Application Load Balancer (32: letters, digits, `-`; not starting with `internal-`).
    LoadBalancer,
    /// The target group of a routed service (32: letters, digits, `-`).
    TargetGroup(&'a str),
    /// The `CloudWatch` Logs group (512: a path).
    LogGroup,
    /// An SSM parameter of a secret (a path; `/stackc/<stack>/` holds only the stack's).
    Parameter(&'a str),
    /// The Service Connect (Cloud Map HTTP) namespace.
    Namespace,
    /// The namespace's idempotency token (64).
    NamespaceToken,
    /// The EFS file system's creation token (64).
    FileSystemToken,
    /// An EFS access point's idempotency token (64).
    AccessPointToken(&'a str),
    /// The `startedBy` of a job's task, by its revision `family:n` (36: letters, digits, `-`, `_`, `/`).
    JobRun(&'a str),
}

/// `ELBv2` names: at most this long.
const ELB_MAX: usize = 32;
/// EFS and Cloud Map tokens: at most this long.
const TOKEN_MAX: usize = 64;

impl<'a> Identity<'a> {
    /// The base deployment of `stack`.
    #[must_use]
    pub fn base(stack: &'a str) -> Self {
        Self { stack, env: None }
    }

    /// The value of the `stackc:env` tag: the environment, or `-` for the base deployment.
    #[must_use]
    pub fn env_tag(&self) -> &'a str {
        self.env.unwrap_or(crate::model::Deployment::BASE_TAG)
    }

    /// `<stack>` or `<stack>-<env>`: the deployment's DNS-style name (Cloud Map namespace).
    #[must_use]
    pub fn deployment(&self) -> String {
        match self.env {
            None => self.stack.to_owned(),
            Some(env) => format!("{}-{env}", self.stack),
        }
    }

    /// The one naming function.
    #[must_use]
    pub fn name(&self, kind: Kind<'_>) -> String {
        // The stack, and the environment as a part of its own: `_` where AWS allows it, `/` in paths.
        let (stack, path) = match self.env {
            None => (self.stack.to_owned(), self.stack.to_owned()),
            Some(env) => (
                format!("{}_{env}", self.stack),
                format!("{}/{env}", self.stack),
            ),
        };
        let elb_parts: Vec<&str> = [Some(self.stack), self.env].into_iter().flatten().collect();
        match kind {
            Kind::TaskFamily(part) | Kind::Service(part) => format!("{stack}_{part}"),
            Kind::SecurityGroup(owner) => {
                let name = format!("{stack}_{owner}");
                // EC2 keeps `sg-…` for ids; no plain name starts with `stackc_` (no `_` in a stack).
                if name.starts_with("sg-") {
                    format!("stackc_{name}")
                } else {
                    name
                }
            }
            Kind::LoadBalancer => elb(&elb_parts),
            Kind::TargetGroup(service) => elb(&[elb_parts.as_slice(), &[service]].concat()),
            Kind::LogGroup => format!("/stackc/{path}"),
            Kind::Parameter(secret) => format!("/stackc/{path}/{secret}"),
            Kind::Namespace => self.deployment(),
            Kind::NamespaceToken | Kind::FileSystemToken => {
                fit(&format!("stackc-{stack}"), TOKEN_MAX)
            }
            Kind::AccessPointToken(volume) => fit(&format!("stackc-{stack}_{volume}"), TOKEN_MAX),
            // The revision names the stack already (its family does).
            Kind::JobRun(revision) => fit(&format!("stackc/{}", revision.replace(':', "/")), 36),
        }
    }

    /// What every task definition family of the deployment starts with (and no other stack's does;
    /// the base's prefix starts the families of its environments too: see [`Self::is_family`]).
    #[must_use]
    pub fn family_prefix(&self) -> String {
        self.name(Kind::TaskFamily(""))
    }

    /// Whether a family is one of this deployment's: its prefix and a name without `_`.
    #[must_use]
    pub fn is_family(&self, family: &str) -> bool {
        family
            .strip_prefix(&self.family_prefix())
            .is_some_and(|rest| !rest.is_empty() && !rest.contains('_'))
    }

    /// What every target group name of the deployment starts with (other stacks' may too: tags decide).
    #[must_use]
    pub fn target_group_prefix(&self) -> String {
        match self.env {
            None => elb_head(self.stack),
            Some(env) => elb_head(&format!("{}-{env}", self.stack)),
        }
    }
}

/// An `ELBv2` name of these parts: one part as it is when it fits the rules, else the parts joined by
/// `-` (cut to fit) and `-<hash of the parts>`.
fn elb(parts: &[&str]) -> String {
    let joined = parts.join("-");
    if parts.len() == 1 && joined.len() <= ELB_MAX && !joined.starts_with("internal-") {
        return joined;
    }
    // `\0` between the parts: `ab`+`c-web` and `ab-c`+`web` hash differently.
    let hash = fnv(&parts.join("\0"));
    format!("{}-{hash:08x}", elb_head(&joined))
}

/// The readable start of a hashed `ELBv2` name: cut to leave room for the hash, no `-` at its end,
/// and not `internal-` (the prefix AWS gives internal load balancers' DNS names).
fn elb_head(joined: &str) -> String {
    let head: String = joined.chars().take(ELB_MAX - 9).collect();
    let head = head.trim_end_matches('-');
    head.strip_prefix("internal-")
        .map_or_else(|| head.to_owned(), |rest| format!("int-{rest}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(stack: &str, kind: Kind<'_>) -> String {
        Identity::base(stack).name(kind)
    }

    fn env_name(stack: &str, env: &str, kind: Kind<'_>) -> String {
        Identity {
            stack,
            env: Some(env),
        }
        .name(kind)
    }

    /// Every kind, with a part where it takes one.
    fn every_kind(part: &str) -> Vec<Kind<'_>> {
        vec![
            Kind::TaskFamily(part),
            Kind::Service(part),
            Kind::SecurityGroup(part),
            Kind::LoadBalancer,
            Kind::TargetGroup(part),
            Kind::LogGroup,
            Kind::Parameter(part),
            Kind::Namespace,
            Kind::NamespaceToken,
            Kind::FileSystemToken,
            Kind::AccessPointToken(part),
        ]
    }

    #[test]
    fn environments_are_a_part_of_every_name_and_the_base_keeps_its_names() {
        for kind in every_kind("api") {
            let base = name("weather", kind);
            let staging = env_name("weather", "staging", kind);
            let production = env_name("weather", "production", kind);
            assert_ne!(base, staging, "{kind:?}");
            assert_ne!(staging, production, "{kind:?}");
            // Not the base stack `weather-staging` either, where names are not DNS-style.
            if !matches!(kind, Kind::Namespace) {
                assert_ne!(staging, name("weather-staging", kind), "{kind:?}");
            }
        }
        // The base's names are those of stackc before environments were deployments.
        assert_eq!(name("shop", Kind::Service("web")), "shop_web");
        assert_eq!(name("shop", Kind::LogGroup), "/stackc/shop");
        assert_eq!(name("shop", Kind::LoadBalancer), "shop");
        assert_eq!(
            env_name("weather", "staging", Kind::Service("api")),
            "weather_staging_api"
        );
        assert_eq!(
            env_name("weather", "staging", Kind::Parameter("key")),
            "/stackc/weather/staging/key"
        );
        assert_eq!(
            env_name("weather", "staging", Kind::Namespace),
            "weather-staging"
        );
        // The base does not take its environments' families for its own, nor they the base's.
        let base = Identity::base("weather");
        let staging = Identity {
            stack: "weather",
            env: Some("staging"),
        };
        assert!(base.is_family("weather_api"));
        assert!(!base.is_family("weather_staging_api"));
        assert!(staging.is_family("weather_staging_api"));
        assert!(!staging.is_family("weather_api"));
        for stack in ["weather", &"a".repeat(63)] {
            let id = Identity {
                stack,
                env: Some("production"),
            };
            assert!(elb_valid(&id.name(Kind::LoadBalancer)));
            let tg = id.name(Kind::TargetGroup("frontend"));
            assert!(
                elb_valid(&tg) && tg.starts_with(&id.target_group_prefix()),
                "{tg}"
            );
        }
    }

    #[test]
    fn colliding_stack_and_service_names_get_distinct_names_of_every_kind() {
        let kinds: [fn(&'static str) -> Kind<'static>; 5] = [
            Kind::TaskFamily,
            Kind::Service,
            Kind::SecurityGroup,
            Kind::TargetGroup,
            Kind::AccessPointToken,
        ];
        for kind in kinds {
            let a = name("ab", kind("c-web"));
            let b = name("ab-c", kind("web"));
            assert_ne!(a, b, "{:?}", kind("c-web"));
        }
        assert_eq!(name("ab", Kind::TaskFamily("c-web")), "ab_c-web");
        assert_eq!(name("ab-c", Kind::TaskFamily("web")), "ab-c_web");
        assert!(name("ab", Kind::Parameter("x")) != name("ab-c", Kind::Parameter("x")));
    }

    fn elb_valid(name: &str) -> bool {
        name.len() <= 32
            && !name.is_empty()
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            && !name.starts_with('-')
            && !name.ends_with('-')
            && !name.starts_with("internal-")
    }

    #[test]
    fn elb_names_keep_the_elb_rules() {
        let long = "a".repeat(63);
        for stack in [
            "shop",
            "internal-tools",
            long.as_str(),
            "a-b-c-d-e-f-g-h-i-j-k-l-m-n",
        ] {
            let lb = name(stack, Kind::LoadBalancer);
            assert!(elb_valid(&lb), "{lb}");
            for service in ["web", long.as_str(), "x-"] {
                let tg = name(stack, Kind::TargetGroup(service));
                assert!(elb_valid(&tg), "{tg}");
                assert!(
                    tg.starts_with(&Identity::base(stack).target_group_prefix()),
                    "{tg}"
                );
            }
        }
        assert_eq!(name("shop", Kind::LoadBalancer), "shop");
        assert!(name("shop", Kind::TargetGroup("api")).starts_with("shop-api-"));
        assert!(
            name("shop", Kind::TargetGroup("api"))
                .starts_with(&Identity::base("shop").target_group_prefix())
        );
    }

    #[test]
    fn other_names_keep_their_rules() {
        let long = "a".repeat(63);
        for stack in ["shop", "sg-x", long.as_str()] {
            let group = name(stack, Kind::SecurityGroup("api"));
            assert!(!group.starts_with("sg-") && group.len() <= 255, "{group}");
            for token in [
                name(stack, Kind::FileSystemToken),
                name(stack, Kind::NamespaceToken),
                name(stack, Kind::AccessPointToken(&long)),
            ] {
                assert!(token.len() <= 64, "{token}");
            }
            let family = name(stack, Kind::TaskFamily(&long));
            assert!(family.len() <= 255);
            assert!(family.starts_with(&Identity::base(stack).family_prefix()));
        }
        let run = name("shop", Kind::JobRun(&format!("shop_{long}:12")));
        assert!(
            run.len() <= 36
                && run
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_/".contains(c)),
            "{run}"
        );
        assert_eq!(
            name("shop", Kind::JobRun("shop_migrate:3")),
            "stackc/shop_migrate/3"
        );
        // Cut tokens stay distinct.
        assert_ne!(
            name(&long, Kind::AccessPointToken("a-data")),
            name(&long, Kind::AccessPointToken("b-data"))
        );
    }
}
