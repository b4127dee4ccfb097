//! Environment overlays, merged on the raw tree: tables merge key by key, anything else replaces.

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::Sp;
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::units::Name;

/// Takes `[environments]` out of the document, checking its shape and names.
pub fn split<'i>(
    root: &mut Spanned<DeTable<'i>>,
    diags: &mut Diagnostics,
) -> Vec<(Sp<String>, Spanned<DeValue<'i>>)> {
    let Some(envs) = root.get_mut().remove("environments") else {
        return Vec::new();
    };
    let DeValue::Table(envs) = envs.into_inner() else {
        // The schema walk has no opinion on types; say it here.
        return Vec::new();
    };
    let mut out = Vec::new();
    for (name, overlay) in envs {
        let name = Sp::new(name.span(), name.get_ref().to_string());
        if let Err(why) = name.get().parse::<Name>() {
            diags.push(
                Diagnostic::error(
                    Code::InvalidName,
                    format!("invalid environment name: {why}"),
                )
                .at(name.span(), "environment name"),
            );
            continue;
        }
        if !overlay.get_ref().is_table() {
            diags.push(
                Diagnostic::error(
                    Code::InvalidValue,
                    format!("environment `{}` must be a table", name.get()),
                )
                .at(overlay.span(), "expected a table"),
            );
            continue;
        }
        out.push((name, overlay));
    }
    out
}

/// The settings that name a deployment: `[targets.compose] project`, `[targets.kubernetes] namespace`
/// and `[targets.ecs] cluster`.
const DEPLOYMENT_NAMES: [(&str, &str); 3] = [
    ("compose", "project"),
    ("kubernetes", "namespace"),
    ("ecs", "cluster"),
];

/// Removes the base's deployment names from the tree an environment is merged onto: they name the
/// base deployment, and two environments under one name would overwrite each other.
pub fn forget_deployment_names(base: &mut DeTable<'_>) {
    let Some(DeValue::Table(targets)) = base.get_mut("targets").map(Spanned::get_mut) else {
        return;
    };
    for (target, field) in DEPLOYMENT_NAMES {
        if let Some(DeValue::Table(t)) = targets.get_mut(target).map(Spanned::get_mut) {
            t.remove(field);
        }
    }
}

const NAMED_SECTIONS: [(&str, &str); 3] = [
    ("services", "service"),
    ("jobs", "job"),
    ("resources", "resource"),
];

/// Merges one overlay onto the base tree. Overlays may change what the base defines, never invent it.
pub fn apply<'i>(
    base: &mut DeTable<'i>,
    env: &str,
    overlay: &Spanned<DeValue<'i>>,
    diags: &mut Diagnostics,
) {
    let Some(overlay) = overlay.get_ref().as_table() else {
        return;
    };
    for (key, value) in overlay {
        let key_str: &str = key.get_ref();
        if let Some((section, kind)) = NAMED_SECTIONS.iter().find(|(s, _)| *s == key_str) {
            let Some(entries) = value.get_ref().as_table() else {
                diags.push(
                    Diagnostic::error(
                        Code::InvalidValue,
                        format!("environment `{env}`: `{section}` must be a table"),
                    )
                    .at(value.span(), "expected a table"),
                );
                continue;
            };
            for (name, entry) in entries {
                let target = match base.get_mut(*section).map(Spanned::get_mut) {
                    Some(DeValue::Table(t)) => t.get_mut(name.get_ref().as_ref()),
                    _ => None,
                };
                if let Some(target) = target {
                    if *section == "resources" {
                        merge(target, entry);
                    } else {
                        merge_workload(target, entry);
                    }
                } else {
                    let known: Vec<String> = base
                        .get(*section)
                        .and_then(|s| s.get_ref().as_table())
                        .map(|t| t.keys().map(|k| k.get_ref().to_string()).collect())
                        .unwrap_or_default();
                    diags.push(
                        Diagnostic::error(
                            Code::UnknownOverlayTarget,
                            format!("environment `{env}` changes {kind} `{}`, which the base spec does not define", name.get_ref()),
                        )
                        .at(name.span(), format!("no such {kind}"))
                        .suggest(name.get_ref(), known.iter().map(String::as_str))
                        .with_default_help(format!("an overlay only changes what the base defines: add [{section}.{}] to the base", name.get_ref())),
                    );
                }
            }
        } else if matches!(key_str, "routes" | "gateway" | "targets") {
            match base.get_mut(key_str) {
                Some(target) => merge(target, value),
                None => {
                    base.insert(key.clone(), value.clone());
                }
            }
        }
        // Anything else is an unknown field, already reported by the schema walk.
    }
}

/// A service or job: merged like any table, except that each mount an overlay names replaces the
/// base's mount at that path whole. A mount is one choice of source (`volume`, `host` or `config`):
/// merged key by key, `{ host = "./src" }` under `{ volume = "data" }` would name two.
fn merge_workload<'i>(base: &mut Spanned<DeValue<'i>>, over: &Spanned<DeValue<'i>>) {
    let (DeValue::Table(b), DeValue::Table(o)) = (base.get_mut(), over.get_ref()) else {
        return merge(base, over);
    };
    for (k, v) in o {
        match (b.get_mut(k.get_ref().as_ref()), k.get_ref().as_ref()) {
            (Some(existing), "volumes") => match (existing.get_mut(), v.get_ref()) {
                (DeValue::Table(mounts), DeValue::Table(overrides)) => {
                    for (path, mount) in overrides {
                        // `/data/` in an overlay is the base's `/data`: the same mount point.
                        let same = |p: &str| {
                            let normal = |p: &str| crate::model::container_path(p).ok();
                            p == path.get_ref().as_ref()
                                || normal(p).is_some_and(|n| Some(n) == normal(path.get_ref()))
                        };
                        let replaced: Vec<_> = mounts
                            .keys()
                            .filter(|k| same(k.get_ref()))
                            .cloned()
                            .collect();
                        for key in replaced {
                            mounts.remove(key.get_ref().as_ref());
                        }
                        mounts.insert(path.clone(), mount.clone());
                    }
                }
                _ => *existing = v.clone(),
            },
            (Some(existing), _) => merge(existing, v),
            (None, _) => {
                b.insert(k.clone(), v.clone());
            }
        }
    }
}

fn merge<'i>(base: &mut Spanned<DeValue<'i>>, over: &Spanned<DeValue<'i>>) {
    if let (DeValue::Table(b), DeValue::Table(o)) = (base.get_mut(), over.get_ref()) {
        for (k, v) in o {
            match b.get_mut(k.get_ref().as_ref()) {
                Some(existing) => merge(existing, v),
                None => {
                    b.insert(k.clone(), v.clone());
                }
            }
        }
    } else {
        *base = over.clone();
    }
}

/// The volume names a tree's services and jobs mount (`volumes` values naming no path): the base's
/// or an overlay's.
pub fn mounted_volumes(tree: &DeTable<'_>) -> Vec<String> {
    let mut out = Vec::new();
    for section in ["services", "jobs"] {
        let Some(entries) = tree.get(section).and_then(|s| s.get_ref().as_table()) else {
            continue;
        };
        for entry in entries.values() {
            let Some(mounts) = entry
                .get_ref()
                .as_table()
                .and_then(|e| e.get("volumes"))
                .and_then(|v| v.get_ref().as_table())
            else {
                continue;
            };
            for mount in mounts.values() {
                let name = match mount.get_ref() {
                    DeValue::String(s) if !super::MountSpec::is_path(s) => Some(s.to_string()),
                    DeValue::Table(t) => t.get("volume").and_then(|v| match v.get_ref() {
                        DeValue::String(s) => Some(s.to_string()),
                        _ => None,
                    }),
                    _ => None,
                };
                out.extend(name);
            }
        }
    }
    out
}
