//! `plan`, `apply` and `destroy`: the ECS target's artifacts deployed with the AWS SDK.
//!
//! The documents `stackc build --target ecs` writes are what gets deployed, placeholders filled
//! with what exists. Only resources tagged `stackc:stack = <stack>` and `stackc:env = <env>` are read
//! as the deployment's, changed or deleted; everything is created with those tags in the same call,
//! so an interrupted apply leaves nothing the next one cannot find.

mod apply;
pub mod aws;
pub mod data;
mod desired;
mod ecs_api;
mod elb_api;
pub mod json;
mod legacy;
mod live;
pub mod owner;
pub mod plan;
#[cfg(test)]
mod plan_tests;

use std::time::Duration;

pub use apply::{Options, execute};
pub use aws::{Clients, Failure};
pub use desired::Desired;
pub use live::Live;
pub use plan::Plan;

/// Reads what exists and compares it with the spec.
pub async fn plan(aws: &Clients, desired: &Desired) -> Result<(Live, Plan), Failure> {
    // Boxed: reading every service's state makes a large future.
    let live = Box::pin(Live::read(aws, desired)).await?;
    let plan = plan::compute(desired, &live);
    Ok((live, plan))
}

/// Reads what the deployment owns, to delete all of it (but its data, unless `allow_data_loss`).
pub async fn destroy_plan(
    aws: &Clients,
    desired: &Desired,
    allow_data_loss: bool,
) -> Result<(Live, Plan), Failure> {
    // Boxed: reading every service's state makes a large future.
    let live = Box::pin(Live::read(aws, desired)).await?;
    let mut plan = plan::destroy(&live, desired.identity());
    if !allow_data_loss {
        data::keep(&mut plan);
    }
    Ok((live, plan))
}

impl Default for Options {
    fn default() -> Self {
        Self {
            timeout: Duration::from_mins(20),
            poll: Duration::from_secs(5),
        }
    }
}
