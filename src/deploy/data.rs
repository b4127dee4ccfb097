//! Data protection: the deletions that destroy data, marked in the plan (`-!`, `data_loss` in JSON)
//! and made only with `--allow-data-loss` (Terraform's `prevent_destroy`, Copilot's retained
//! volumes). What holds data: the EFS file system with its access points (every volume and the
//! data of every stack-run resource), the generated passwords (the data stored with one cannot be
//! opened without it) and the log group.

use super::live::Live;
use super::plan::{Action, Plan, Step};
use crate::targets::ecs::EFS_OWNER;

/// The SSM parameters stackc generates end in this (`<resource>-password`); a derived one that does
/// too is protected as well, which only ever asks for the flag once more than needed.
const PASSWORD_SUFFIX: &str = "-password";

/// What deleting this loses, if it holds data.
fn loses(step: &Step, live: &Live) -> Option<String> {
    match step {
        Step::Efs => {
            let id = live.efs.as_ref().map_or("", |e| e.id.as_str());
            let volumes: Vec<&str> = live.access_points.keys().map(String::as_str).collect();
            Some(if volumes.is_empty() {
                format!("EFS file system {id} and every file on it")
            } else {
                format!(
                    "EFS file system {id} and every file on it, the data of {}",
                    volumes.join(", ")
                )
            })
        }
        Step::Parameter(name) if name.ends_with(PASSWORD_SUFFIX) => Some(format!(
            "the generated password {name}; data stored with it cannot be opened without it"
        )),
        Step::LogGroup => Some("the logs of every task of the deployment".into()),
        _ => None,
    }
}

/// Marks every deletion in the plan that destroys data.
pub fn mark(plan: &mut Plan, live: &Live) {
    for change in &mut plan.changes {
        if change.action == Action::Delete
            && let Some(what) = loses(&change.step, live)
        {
            change.data_loss = true;
            change.loses = Some(what);
        }
    }
}

/// What `destroy` without `--allow-data-loss` does: everything but the data (and the file system's
/// security group, which its mount targets use), each kept thing said.
pub fn keep(plan: &mut Plan) {
    let efs_kept = plan
        .changes
        .iter()
        .any(|c| c.data_loss && c.step == Step::Efs);
    let efs_group = Step::Group(EFS_OWNER.to_owned());
    let mut kept = Vec::new();
    plan.changes.retain(|c| {
        if c.data_loss {
            kept.push(format!(
                "{}: kept with its data ({}); `destroy --allow-data-loss` deletes it",
                c.resource,
                c.loses.as_deref().unwrap_or_default()
            ));
            return false;
        }
        !(efs_kept && c.step == efs_group)
    });
    if efs_kept {
        kept.push(format!(
            "{}: kept, the file system's mount targets use it",
            efs_group.resource()
        ));
    }
    plan.kept.extend(kept);
}

/// The deletions that destroy data, one line each: what the refusal names.
#[must_use]
pub fn losses(plan: &Plan) -> Vec<String> {
    plan.changes
        .iter()
        .filter(|c| c.data_loss)
        .map(|c| format!("{}: {}", c.resource, c.loses.as_deref().unwrap_or_default()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deploy::live::Owned;
    use crate::deploy::owner::Owner;

    fn plan_of(steps: &[Step]) -> Plan {
        let mut plan = Plan::default();
        for s in steps {
            plan.changes.push(crate::deploy::plan::Change {
                action: Action::Delete,
                resource: s.resource(),
                fields: Vec::new(),
                data_loss: false,
                loses: None,
                step: s.clone(),
            });
        }
        plan
    }

    #[test]
    fn deletions_of_data_are_marked_and_kept_without_the_flag() {
        let live = Live {
            efs: Some(Owned {
                id: "fs-1".into(),
                owner: Owner::This,
            }),
            access_points: [("models".to_owned(), "fsap-1".to_owned())].into(),
            ..Live::default()
        };
        let mut plan = plan_of(&[
            Step::Service("api".into()),
            Step::Efs,
            Step::Group(EFS_OWNER.into()),
            Step::Group("api".into()),
            Step::Parameter("/stackc/w/cache-password".into()),
            Step::Parameter("/stackc/w/cache-url".into()),
            Step::LogGroup,
        ]);
        mark(&mut plan, &live);
        let marked: Vec<&str> = plan
            .changes
            .iter()
            .filter(|c| c.data_loss)
            .map(|c| c.resource.as_str())
            .collect();
        assert_eq!(
            marked,
            ["efs", "parameter /stackc/w/cache-password", "log-group"]
        );
        assert!(plan.render_human().contains("-! delete efs (destroys data: EFS file system fs-1 and every file on it, the data of models)"), "{}", plan.render_human());
        let json = serde_json::to_value(&plan).unwrap();
        assert_eq!(json["changes"][1]["data_loss"], true);
        assert!(json["changes"][0].get("data_loss").is_none());
        assert_eq!(losses(&plan).len(), 3);

        keep(&mut plan);
        let left: Vec<&str> = plan.changes.iter().map(|c| c.resource.as_str()).collect();
        assert_eq!(
            left,
            [
                "service/api",
                "security-group/api",
                "parameter /stackc/w/cache-url"
            ]
        );
        assert_eq!(plan.kept.len(), 4, "{:?}", plan.kept);
        assert!(plan.kept.iter().all(|k| k.contains("kept")));
    }
}
