//! Whose an AWS resource is: the one rule every reader of the live state applies before stackc may
//! change or delete anything. A resource is the deployment's when it carries both
//! `stackc:stack = <stack>` and `stackc:env = <env>` (`-` for the base deployment); one that carries
//! stackc's name without them (made by hand, by another tool, by another stack or another environment
//! of this one) is *foreign*: `plan` reports it as a problem naming it and how to resolve it, `apply`
//! refuses to start, and `destroy` leaves it alone and says so. A resource of the stack without any
//! `stackc:env` was deployed by a stackc from before environments were deployments: a *legacy* one,
//! reported with how to migrate it.

use serde::Serialize;

use crate::targets::ecs::Identity;
pub use crate::targets::ecs::{ENV_TAG, STACK_TAG};
pub const RESOURCE_TAG: &str = "stackc:resource";

/// Who a resource belongs to, by its tags.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase", tag = "owner", content = "stack")]
pub enum Owner {
    /// Tagged as this deployment's.
    This,
    /// Tagged as another stack's.
    Stack(String),
    /// Tagged as this stack's, in another environment (`-`: the base deployment).
    Env(String),
    /// Tagged as this stack's with no environment: deployed before environments were deployments.
    Legacy,
    /// Not tagged by stackc at all.
    Untagged,
}

impl Owner {
    /// The owner of a resource with these tags, seen from the deployment `who`.
    pub fn of<'a>(tags: impl IntoIterator<Item = (&'a str, &'a str)>, who: Identity<'_>) -> Self {
        let (mut stack, mut env) = (None, None);
        for (k, v) in tags {
            match k {
                STACK_TAG => stack = Some(v),
                ENV_TAG => env = Some(v),
                _ => {}
            }
        }
        match (stack, env) {
            (None, _) => Owner::Untagged,
            (Some(s), _) if s != who.stack => Owner::Stack(s.to_owned()),
            (Some(_), None) => Owner::Legacy,
            (Some(_), Some(e)) if e == who.env_tag() => Owner::This,
            (Some(_), Some(e)) => Owner::Env(e.to_owned()),
        }
    }

    #[must_use]
    pub fn is_this(&self) -> bool {
        *self == Owner::This
    }
}

/// A resource with a name stackc would use, that is not this stack's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Foreign {
    /// What it is, as a person says it (`log group`, `ECS service`).
    pub kind: &'static str,
    /// Its name (or id).
    pub name: String,
    #[serde(flatten)]
    pub owner: Owner,
    /// The plan's resource it stands in the way of (`log-group`, `service/web`).
    pub resource: String,
}

impl Foreign {
    #[must_use]
    pub fn new(
        kind: &'static str,
        name: impl Into<String>,
        owner: Owner,
        resource: impl Into<String>,
    ) -> Self {
        Self {
            kind,
            name: name.into(),
            owner,
            resource: resource.into(),
        }
    }

    fn whose(&self, who: Identity<'_>) -> String {
        let stack = who.stack;
        match &self.owner {
            Owner::Stack(other) => format!("belongs to stack `{other}` ({STACK_TAG}={other})"),
            Owner::Env(env) => format!(
                "belongs to another deployment of the stack ({STACK_TAG}={stack}, {ENV_TAG}={env})"
            ),
            Owner::Legacy => format!(
                "was deployed by a stackc from before environments were deployments ({STACK_TAG}={stack} without {ENV_TAG})"
            ),
            _ => format!(
                "is not tagged {STACK_TAG}={stack} and {ENV_TAG}={}",
                who.env_tag()
            ),
        }
    }

    /// The plan problem: what, whose, and the ways out.
    #[must_use]
    pub fn problem(&self, who: Identity<'_>) -> String {
        if self.owner == Owner::Legacy {
            return format!(
                "{}: {} {} exists and {}. If it is this deployment's (it was deployed without --env), tag it {ENV_TAG}={} to adopt it, with everything else of that deployment; if it was deployed with --env, remove that old deployment with the stackc that made it (`stackc destroy --env <env>`)",
                self.resource,
                self.kind,
                self.name,
                self.whose(who),
                who.env_tag(),
            );
        }
        format!(
            "{}: {} {} exists and {}; stackc changes and deletes only what is the deployment's. Rename the stack (or what it names), delete it yourself, or tag it {} to hand it to this deployment",
            self.resource,
            self.kind,
            self.name,
            self.whose(who),
            self.tags(who),
        )
    }

    /// The tags that make it the deployment's: the stack, the environment, and what it is in the
    /// stack (secrets carry only the first two).
    fn tags(&self, who: Identity<'_>) -> String {
        let (stack, env) = (who.stack, who.env_tag());
        if self.resource.starts_with("parameter ") {
            format!("{STACK_TAG}={stack}, {ENV_TAG}={env}")
        } else {
            format!(
                "{STACK_TAG}={stack}, {ENV_TAG}={env} and {RESOURCE_TAG}={}",
                self.resource
            )
        }
    }

    /// What `destroy` says of it: left alone.
    #[must_use]
    pub fn kept(&self, who: Identity<'_>) -> String {
        format!(
            "{} {} {}: left alone",
            self.kind,
            self.name,
            self.whose(who)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHOP: Identity<'static> = Identity {
        stack: "shop",
        env: None,
    };
    const SHOP_PROD: Identity<'static> = Identity {
        stack: "shop",
        env: Some("prod"),
    };

    #[test]
    fn only_the_stack_and_env_tags_of_this_deployment_make_it_ours() {
        assert_eq!(
            Owner::of([(STACK_TAG, "shop"), (ENV_TAG, "-")], SHOP),
            Owner::This
        );
        assert_eq!(
            Owner::of([(ENV_TAG, "prod"), (STACK_TAG, "shop")], SHOP_PROD),
            Owner::This
        );
        // Another environment of the stack, and the base seen from an environment.
        assert_eq!(
            Owner::of([(STACK_TAG, "shop"), (ENV_TAG, "prod")], SHOP),
            Owner::Env("prod".into())
        );
        assert_eq!(
            Owner::of([(STACK_TAG, "shop"), (ENV_TAG, "-")], SHOP_PROD),
            Owner::Env("-".into())
        );
        // The stack's, from before environments: neither the base's nor an environment's.
        assert_eq!(Owner::of([(STACK_TAG, "shop")], SHOP), Owner::Legacy);
        assert_eq!(Owner::of([(STACK_TAG, "shop")], SHOP_PROD), Owner::Legacy);
        assert_eq!(
            Owner::of([("x", "y"), (STACK_TAG, "shop-a"), (ENV_TAG, "-")], SHOP),
            Owner::Stack("shop-a".into())
        );
        assert_eq!(
            Owner::of([("stackc:resource", "log-group"), (ENV_TAG, "-")], SHOP),
            Owner::Untagged
        );
        assert_eq!(Owner::of([], SHOP), Owner::Untagged);
    }

    #[test]
    fn a_legacy_resource_says_how_to_adopt_or_remove_it() {
        let f = Foreign::new("log group", "/stackc/shop", Owner::Legacy, "log-group");
        let p = f.problem(SHOP);
        for part in [
            "before environments were deployments",
            "tag it stackc:env=- to adopt it",
            "stackc destroy --env <env>",
        ] {
            assert!(p.contains(part), "{p}");
        }
        let f = Foreign::new("log group", "/x", Owner::Env("staging".into()), "log-group");
        assert!(
            f.problem(SHOP_PROD).contains(
                "another deployment of the stack (stackc:stack=shop, stackc:env=staging)"
            ),
            "{}",
            f.problem(SHOP_PROD)
        );
    }

    #[test]
    fn a_problem_names_the_resource_its_owner_and_the_ways_out() {
        let f = Foreign::new("log group", "/stackc/shop", Owner::Untagged, "log-group");
        let p = f.problem(SHOP);
        for part in [
            "log group /stackc/shop",
            "not tagged stackc:stack=shop and stackc:env=-",
            "Rename",
            "delete it yourself",
            "tag it",
        ] {
            assert!(p.contains(part), "{p}");
        }
        let f = Foreign::new(
            "ECS service",
            "shop_web",
            Owner::Stack("other".into()),
            "service/web",
        );
        assert!(f.problem(SHOP).contains("belongs to stack `other`"));
        assert!(
            f.problem(SHOP)
                .contains("tag it stackc:stack=shop, stackc:env=- and stackc:resource=service/web"),
            "{}",
            f.problem(SHOP)
        );
        assert!(f.kept(SHOP).contains("left alone"));
    }
}
