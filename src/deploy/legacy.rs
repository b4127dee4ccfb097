//! Migration: a stack deployed by a stackc from before environments were deployments carries
//! `stackc:stack` without `stackc:env`, under the base deployment's names whatever `--env` it was
//! deployed with. The base deployment finds it by those names and reports each resource as a
//! problem ([`super::owner::Owner::Legacy`]); an environment, whose names differ, looks for its log
//! group (every deployment has one) and notes that the old deployment runs beside it, untouched.

use super::aws::{Clients, Result, failed};
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
    let out = aws
        .logs
        .describe_log_groups()
        .log_group_name_prefix(&name)
        .send()
        .await
        .map_err(failed(format!("log group {name}")))?;
    let Some(arn) = out
        .log_groups()
        .iter()
        .find(|g| g.log_group_name() == Some(name.as_str()))
        .and_then(|g| {
            g.log_group_arn()
                .map(str::to_owned)
                .or_else(|| g.arn().map(|a| a.trim_end_matches(":*").to_owned()))
        })
    else {
        return Ok(Vec::new());
    };
    let tags = aws
        .logs
        .list_tags_for_resource()
        .resource_arn(&arn)
        .send()
        .await
        .map_err(failed(format!("log group {name}")))?;
    let owner = Owner::of(
        tags.tags()
            .into_iter()
            .flatten()
            .map(|(k, v)| (k.as_str(), v.as_str())),
        base,
    );
    if owner != Owner::Legacy {
        return Ok(Vec::new());
    }
    let stack = who.stack;
    Ok(vec![format!(
        "stack `{stack}` has a deployment made by a stackc from before environments were deployments (log group {name}, tagged {STACK_TAG}={stack} without {ENV_TAG}); `{}` is deployed beside it under its own names and never touches it. If that one was deployed with --env {env}, remove it with the stackc that made it (`stackc destroy --env {env}`) once this one serves; if it was deployed without --env, `stackc plan` without --env says how to adopt it",
        who.deployment()
    )])
}
