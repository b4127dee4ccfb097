//! Migration: a stack deployed by a stackc from before environments were deployments carries
//! `stackc:stack` without `stackc:env`, under the base deployment's names whatever `--env` it was
//! deployed with. The base deployment finds it by those names and reports each resource as a
//! problem ([`super::owner::Owner::Legacy`]); an environment, whose names differ, looks for its log
//! group (every deployment has one) and notes that the old deployment runs beside it, untouched.

use super::aws::{Clients, Result};
use super::desired::Desired;
use super::owner::{ENV_TAG, Owner, STACK_TAG};
use crate::targets::ecs::{Identity, NameKind};

/// The notes about an old deployment beside this environment's (none for the base deployment).
pub async fn beside(aws: &Clients, desired: &Desired) -> Result<Vec<String>> {
    let who = desired.identity();
    let Some(env) = who.env else {
        return Ok(Vec::new());
    };
    let base = Identity::base(who.stack);
    let name = base.name(NameKind::LogGroup);
    let Some(group) = super::live::log_group(aws, &name, base).await? else {
        return Ok(Vec::new());
    };
    let owner = group.owner;
    if owner != Owner::Legacy {
        return Ok(Vec::new());
    }
    let stack = who.stack;
    Ok(vec![format!(
        "stack `{stack}` has a deployment made by a stackc from before environments were deployments (log group {name}, tagged {STACK_TAG}={stack} without {ENV_TAG}); `{}` is deployed beside it under its own names and never touches it. If that one was deployed with --env {env}, remove it with the stackc that made it (`stackc destroy --env {env}`) once this one serves; if it was deployed without --env, `stackc plan` without --env says how to adopt it",
        who.deployment()
    )])
}
