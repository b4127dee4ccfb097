//! Whose an AWS resource is: the one rule every reader of the live state applies before stackc may
//! change or delete anything. A resource is the stack's when it carries `stackc:stack = <stack>`;
//! one that carries stackc's name without that tag (made by hand, by another tool, or by another
//! stack) is *foreign*: `plan` reports it as a problem naming it and how to resolve it, `apply`
//! refuses to start, and `destroy` leaves it alone and says so.

use serde::Serialize;

pub const STACK_TAG: &str = "stackc:stack";
pub const RESOURCE_TAG: &str = "stackc:resource";

/// Who a resource belongs to, by its tags.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase", tag = "owner", content = "stack")]
pub enum Owner {
    /// Tagged as this stack's.
    This,
    /// Tagged as another stack's.
    Stack(String),
    /// Not tagged by stackc at all.
    Untagged,
}

impl Owner {
    /// The owner of a resource with these tags, seen from `stack`.
    pub fn of<'a>(tags: impl IntoIterator<Item = (&'a str, &'a str)>, stack: &str) -> Self {
        match tags.into_iter().find(|(k, _)| *k == STACK_TAG) {
            Some((_, v)) if v == stack => Owner::This,
            Some((_, v)) => Owner::Stack(v.to_owned()),
            None => Owner::Untagged,
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

    fn whose(&self, stack: &str) -> String {
        match &self.owner {
            Owner::Stack(other) => format!("belongs to stack `{other}` ({STACK_TAG}={other})"),
            _ => format!("is not tagged {STACK_TAG}={stack}"),
        }
    }

    /// The plan problem: what, whose, and the ways out.
    #[must_use]
    pub fn problem(&self, stack: &str) -> String {
        format!(
            "{}: {} {} exists and {}; stackc changes and deletes only what is the stack's. Rename the stack (or what it names), delete it yourself, or tag it {} to hand it to this stack",
            self.resource,
            self.kind,
            self.name,
            self.whose(stack),
            self.tags(stack),
        )
    }

    /// The tags that make it the stack's: the stack, and what it is in the stack (secrets carry
    /// only the first).
    fn tags(&self, stack: &str) -> String {
        if self.resource.starts_with("parameter ") {
            format!("{STACK_TAG}={stack}")
        } else {
            format!("{STACK_TAG}={stack} and {RESOURCE_TAG}={}", self.resource)
        }
    }

    /// What `destroy` says of it: left alone.
    #[must_use]
    pub fn kept(&self, stack: &str) -> String {
        format!(
            "{} {} {}: left alone",
            self.kind,
            self.name,
            self.whose(stack)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_stack_tag_of_this_stack_makes_it_ours() {
        assert_eq!(Owner::of([(STACK_TAG, "shop")], "shop"), Owner::This);
        assert_eq!(
            Owner::of([("x", "y"), (STACK_TAG, "shop-a")], "shop"),
            Owner::Stack("shop-a".into())
        );
        assert_eq!(
            Owner::of([("stackc:resource", "log-group")], "shop"),
            Owner::Untagged
        );
        assert_eq!(Owner::of([], "shop"), Owner::Untagged);
    }

    #[test]
    fn a_problem_names_the_resource_its_owner_and_the_ways_out() {
        let f = Foreign::new("log group", "/stackc/shop", Owner::Untagged, "log-group");
        let p = f.problem("shop");
        for part in [
            "log group /stackc/shop",
            "not tagged stackc:stack=shop",
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
        assert!(f.problem("shop").contains("belongs to stack `other`"));
        assert!(
            f.problem("shop")
                .contains("tag it stackc:stack=shop and stackc:resource=service/web"),
            "{}",
            f.problem("shop")
        );
        assert!(f.kept("shop").contains("left alone"));
    }
}
