//! A Compose project as Compose reads it: the files (`-f` order, or the default file and its
//! override), `.env` / `--env-file` interpolation, merged, with `extends` resolved and profiles
//! applied. The result is one tree per service, positions kept for reporting.

use std::path::{Path, PathBuf};

use super::interpolate::{Variables, interpolate, read_env_file};
use super::yaml::{Node, Pos, Value, parse_with_tags};

/// Compose's default file names, in its order of preference, and their overrides.
const DEFAULT_FILES: [&str; 4] = [
    "compose.yaml",
    "compose.yml",
    "docker-compose.yaml",
    "docker-compose.yml",
];
const OVERRIDE_FILES: [&str; 4] = [
    "compose.override.yaml",
    "compose.override.yml",
    "docker-compose.override.yaml",
    "docker-compose.override.yml",
];

#[derive(Debug, Default)]
pub struct Options {
    pub files: Vec<PathBuf>,
    pub env_files: Vec<PathBuf>,
    pub project_directory: Option<PathBuf>,
    pub profiles: Vec<String>,
    /// The shell's environment (wins over `.env`, as in Compose).
    pub environment: Vec<(String, String)>,
}

pub struct Project {
    pub directory: PathBuf,
    /// The top-level `name`, else the directory's.
    pub name: String,
    /// The merged document (top-level keys other than services kept for reporting).
    pub root: Node,
    /// Services in file order, with `extends` resolved; services of inactive profiles left out.
    pub services: Vec<(Node, Node)>,
    /// Services left out: not in an active profile.
    pub skipped: Vec<(Node, String)>,
    pub files: Vec<PathBuf>,
    /// The interpolation variables (shell, then .env): what a bare `environment: [VAR]` reads.
    pub variables: Variables,
    /// Application tags in the files (`!reset`, `!override`): not applied, reported.
    pub tags: Vec<(Pos, String)>,
}

/// Loads the project.
///
/// # Errors
/// A missing or unreadable file, a YAML error, a required variable without a value, a broken
/// `extends`: each with its file and position.
pub fn load(options: &Options) -> Result<Project, String> {
    let directory = options.project_directory.clone().unwrap_or_else(|| {
        options
            .files
            .first()
            .and_then(|f| f.parent())
            .filter(|p| !p.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
    });
    let mut vars = Variables::default();
    for (k, v) in &options.environment {
        vars.values.insert(k.clone(), v.clone());
        vars.from_shell.insert(k.clone());
    }
    let env_files = if options.env_files.is_empty() {
        let default = directory.join(".env");
        if default.is_file() {
            vec![default]
        } else {
            Vec::new()
        }
    } else {
        options.env_files.clone()
    };
    for file in &env_files {
        let text = std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
        read_env_file(&text, &mut vars, &file.display().to_string())?;
    }
    // Compose's own settings, from the shell or .env, where the command line gives none.
    let setting = |name: &str| vars.values.get(name).filter(|v| !v.is_empty()).cloned();
    let files = if !options.files.is_empty() {
        options.files.clone()
    } else if let Some(list) = setting("COMPOSE_FILE") {
        let separator = setting("COMPOSE_PATH_SEPARATOR").unwrap_or_else(|| ":".into());
        list.split(separator.as_str())
            .filter(|f| !f.is_empty())
            .map(|f| directory.join(f))
            .collect()
    } else {
        let main = DEFAULT_FILES
            .iter()
            .map(|f| directory.join(f))
            .find(|p| p.is_file())
            .ok_or_else(|| {
                format!(
                    "no compose file in {}: looked for {}",
                    directory.display(),
                    DEFAULT_FILES.join(", ")
                )
            })?;
        let mut files = vec![main];
        if let Some(over) = OVERRIDE_FILES
            .iter()
            .map(|f| directory.join(f))
            .find(|p| p.is_file())
        {
            files.push(over);
        }
        files
    };
    let mut profiles = options.profiles.clone();
    if profiles.is_empty()
        && let Some(list) = setting("COMPOSE_PROFILES")
    {
        profiles = list.split(',').map(|p| p.trim().to_owned()).collect();
    }
    let mut root: Option<Node> = None;
    let mut tags = Vec::new();
    for file in &files {
        let doc = read(file, &vars, &mut tags)?;
        root = Some(match root {
            None => doc,
            Some(base) => merge(base, doc, ""),
        });
    }
    let root = root.expect("at least one file");
    let name = setting("COMPOSE_PROJECT_NAME")
        .or_else(|| root.get("name").and_then(Node::text).map(str::to_owned))
        .or_else(|| {
            std::fs::canonicalize(&directory)
                .ok()
                .and_then(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()))
        })
        .unwrap_or_else(|| "stack".into());
    if let Some(services) = root.get("services")
        && !matches!(services.value, Value::Map(_) | Value::Null)
    {
        return Err(format!(
            "{}: `services` is {}, not a mapping of services",
            services.pos,
            services.kind()
        ));
    }
    let declared: Vec<(Node, Node)> = root
        .get("services")
        .map(|s| s.entries().to_vec())
        .unwrap_or_default();
    let mut services = Vec::new();
    let mut skipped = Vec::new();
    for (key, service) in &declared {
        let resolved = extend(service, &declared, &directory, &vars, 0)?;
        let profiles_of: Vec<String> = resolved
            .get("profiles")
            .map(|p| {
                p.items()
                    .iter()
                    .filter_map(Node::text)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        if !profiles_of.is_empty() && !profiles_of.iter().any(|p| profiles.contains(p)) {
            skipped.push((key.clone(), profiles_of.join(", ")));
        } else {
            services.push((key.clone(), resolved));
        }
    }
    Ok(Project {
        directory,
        name,
        root,
        services,
        skipped,
        files,
        variables: vars,
        tags,
    })
}

fn read(file: &Path, vars: &Variables, tags: &mut Vec<(Pos, String)>) -> Result<Node, String> {
    let text = std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
    let (doc, found) = parse_with_tags(&file.display().to_string(), &text)?;
    tags.extend(found);
    let doc = substitute(doc, vars)?;
    Ok(normalize(doc, ""))
}

/// Interpolates every scalar value (keys are not interpolated, as in Compose); `x-` extension
/// fields are left as written (they are only templates for anchors, already resolved).
fn substitute(node: Node, vars: &Variables) -> Result<Node, String> {
    let Node { value, pos } = node;
    let value = match value {
        Value::Scalar(text, quoted) => Value::Scalar(
            interpolate(&text, vars).map_err(|e| format!("{pos}: {e}"))?,
            quoted,
        ),
        Value::Seq(items) => Value::Seq(
            items
                .into_iter()
                .map(|n| substitute(n, vars))
                .collect::<Result<_, _>>()?,
        ),
        Value::Map(entries) => Value::Map(
            entries
                .into_iter()
                .map(|(k, v)| {
                    if k.text().is_some_and(|t| t.starts_with("x-")) {
                        Ok((k, v))
                    } else {
                        Ok((k, substitute(v, vars)?))
                    }
                })
                .collect::<Result<_, String>>()?,
        ),
        Value::Null => Value::Null,
    };
    Ok(Node { value, pos })
}

/// `environment`, `labels` and friends as lists of `KEY=value` become mappings, so files merge key
/// by key whichever form each uses.
fn normalize(node: Node, key: &str) -> Node {
    let Node { value, pos } = node;
    let value = match value {
        Value::Seq(items)
            if matches!(
                key,
                "environment" | "labels" | "args" | "annotations" | "sysctls" | "extra_hosts"
            ) =>
        {
            Value::Map(
                items
                    .into_iter()
                    .map(|item| {
                        let text = item.text().unwrap_or_default().to_owned();
                        let (k, v) = match text.split_once('=') {
                            Some((k, v)) => (k.to_owned(), Value::Scalar(v.to_owned(), true)),
                            None => (text, Value::Null),
                        };
                        (
                            Node::new(Value::Scalar(k, false), item.pos.clone()),
                            Node::new(v, item.pos),
                        )
                    })
                    .collect(),
            )
        }
        // `depends_on: [db]` is `depends_on: {db: {condition: service_started}}`, so a list in one
        // file and a mapping in another merge.
        Value::Seq(items) if key == "depends_on" => Value::Map(
            items
                .into_iter()
                .map(|item| {
                    let condition = Node::new(
                        Value::Map(vec![(
                            Node::new(Value::Scalar("condition".into(), false), item.pos.clone()),
                            Node::new(
                                Value::Scalar("service_started".into(), false),
                                item.pos.clone(),
                            ),
                        )]),
                        item.pos.clone(),
                    );
                    (item, condition)
                })
                .collect(),
        ),
        Value::Seq(items) => Value::Seq(items.into_iter().map(|n| normalize(n, "")).collect()),
        // One `env_file` is a list of one: a second file's list appends to it.
        Value::Scalar(text, quoted) if key == "env_file" => {
            Value::Seq(vec![Node::new(Value::Scalar(text, quoted), pos.clone())])
        }
        Value::Map(entries) => Value::Map(
            entries
                .into_iter()
                .map(|(k, v)| {
                    let name = k.text().unwrap_or_default().to_owned();
                    (k, normalize(v, &name))
                })
                .collect(),
        ),
        other => other,
    };
    Node { value, pos }
}

/// Merges `over` onto `base` as Compose merges files: mappings key by key, `command`,
/// `entrypoint` and a health check's `test` replaced, `ports`/`volumes`/`expose` and other lists
/// appended without duplicates (`volumes` by target path), scalars replaced.
#[must_use]
pub fn merge(base: Node, over: Node, key: &str) -> Node {
    match (base.value, over.value) {
        (Value::Map(mut entries), Value::Map(more)) => {
            for (k, v) in more {
                let name = k.text().unwrap_or_default().to_owned();
                if let Some(slot) = entries.iter_mut().find(|(bk, _)| bk.text() == k.text()) {
                    let old = std::mem::replace(&mut slot.1, Node::new(Value::Null, v.pos.clone()));
                    slot.1 = merge(old, v, &name);
                } else {
                    entries.push((k, v));
                }
            }
            Node::new(Value::Map(entries), base.pos)
        }
        (Value::Seq(mut items), Value::Seq(more))
            if !matches!(key, "command" | "entrypoint" | "test") =>
        {
            for item in more {
                let same = |a: &Node| {
                    if key == "volumes" {
                        volume_target(a) == volume_target(&item)
                    } else {
                        a.text().is_some() && a.text() == item.text()
                    }
                };
                if let Some(i) = items.iter().position(same) {
                    items[i] = item;
                } else {
                    items.push(item);
                }
            }
            Node::new(Value::Seq(items), base.pos)
        }
        (_, value) => Node::new(value, over.pos),
    }
}

/// The container path of a `volumes` entry (short `src:dst[:mode]` or long `target:`).
fn volume_target(node: &Node) -> Option<String> {
    if let Some(text) = node.text() {
        let parts: Vec<&str> = text.split(':').collect();
        return Some(match parts.as_slice() {
            [only] => (*only).to_owned(),
            [_, target, ..] => (*target).to_owned(),
            [] => String::new(),
        });
    }
    node.get("target").and_then(Node::text).map(str::to_owned)
}

/// A service with its `extends` chain merged under it (the extended service first).
fn extend(
    service: &Node,
    declared: &[(Node, Node)],
    directory: &Path,
    vars: &Variables,
    depth: usize,
) -> Result<Node, String> {
    let Some(extends) = service.get("extends") else {
        return Ok(service.clone());
    };
    if depth > 16 {
        return Err(format!("{}: `extends` loops", extends.pos));
    }
    let (name, file) = match extends.text() {
        Some(name) => (name.to_owned(), None),
        None => (
            extends
                .get("service")
                .and_then(Node::text)
                .ok_or_else(|| format!("{}: `extends` without `service`", extends.pos))?
                .to_owned(),
            extends.get("file").and_then(Node::text).map(str::to_owned),
        ),
    };
    let base = match &file {
        None => declared
            .iter()
            .find(|(k, _)| k.text() == Some(name.as_str()))
            .map(|(_, v)| v.clone())
            .ok_or_else(|| {
                format!(
                    "{}: `extends` names the service `{name}`, which is not defined",
                    extends.pos
                )
            })?,
        Some(file) => {
            let path = directory.join(file);
            let other = read(&path, vars, &mut Vec::new())?;
            other
                .get("services")
                .and_then(|s| s.get(&name))
                .cloned()
                .ok_or_else(|| {
                    format!(
                        "{}: `extends` names `{name}` in {file}, which does not define it",
                        extends.pos
                    )
                })?
        }
    };
    let base = if let Some(file) = &file {
        // A service extended from another file extends within that file; one level is read. Its
        // relative paths are that file's folder's: rebased onto the project's.
        let folder = Path::new(file).parent().unwrap_or_else(|| Path::new(""));
        rebase(base, folder)
    } else {
        extend(&base, declared, directory, vars, depth + 1)?
    };
    let mut own = service.clone();
    if let Value::Map(entries) = &mut own.value {
        entries.retain(|(k, _)| k.text() != Some("extends"));
    }
    let mut merged = merge(base, own, "");
    merged.pos = service.pos.clone();
    Ok(merged)
}

/// A service's relative paths (`build` context, `env_file`, bind-mount sources) read from
/// `folder` (relative to the project directory).
fn rebase(mut service: Node, folder: &Path) -> Node {
    if folder.as_os_str().is_empty() {
        return service;
    }
    let moved = |text: &str| -> Option<String> {
        (text.starts_with('.')
            || !(text.starts_with('/') || text.starts_with('~') || text.contains("://")))
        .then(|| folder.join(text).to_string_lossy().into_owned())
    };
    let Value::Map(entries) = &mut service.value else {
        return service;
    };
    for (k, v) in entries.iter_mut() {
        match k.text().unwrap_or_default() {
            "build" => {
                if let Value::Scalar(text, _) = &mut v.value {
                    if let Some(m) = moved(text) {
                        *text = m;
                    }
                } else if let Value::Map(b) = &mut v.value {
                    for (bk, bv) in b.iter_mut() {
                        if bk.text() == Some("context")
                            && let Value::Scalar(text, _) = &mut bv.value
                            && let Some(m) = moved(text)
                        {
                            *text = m;
                        }
                    }
                }
            }
            "env_file" => {
                for item in match &mut v.value {
                    Value::Seq(items) => items.iter_mut().collect::<Vec<_>>(),
                    _ => Vec::new(),
                } {
                    if let Value::Scalar(text, _) = &mut item.value
                        && let Some(m) = moved(text)
                    {
                        *text = m;
                    }
                }
            }
            "volumes" => {
                if let Value::Seq(items) = &mut v.value {
                    for item in items {
                        if let Value::Scalar(text, _) = &mut item.value
                            && text.starts_with('.')
                            && let Some((source, rest)) = text.split_once(':')
                        {
                            // Still written as a path (`./…`, `../…`), or it would read as a volume name.
                            let joined = folder.join(source).to_string_lossy().into_owned();
                            let path = if joined.starts_with('.') || joined.starts_with('/') {
                                joined
                            } else {
                                format!("./{joined}")
                            };
                            *text = format!("{path}:{rest}");
                        }
                    }
                }
            }
            _ => {}
        }
    }
    service
}

/// Where a key of the merged document was written, for reports.
#[must_use]
pub fn key_pos(entries: &[(Node, Node)], key: &str) -> Option<Pos> {
    entries
        .iter()
        .find(|(k, _)| k.text() == Some(key))
        .map(|(k, _)| k.pos.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(text: &str) -> Node {
        normalize(crate::import::yaml::parse("c.yml", text).unwrap(), "")
    }

    #[test]
    fn a_service_extended_from_another_folder_keeps_its_paths() {
        let base =
            doc("build: .\nenv_file: [app.env]\nvolumes: [\"./data:/data\", \"named:/x\"]\n");
        let moved = rebase(base, Path::new("sub"));
        assert_eq!(moved.get("build").unwrap().text(), Some("sub/."));
        assert_eq!(
            moved.get("env_file").unwrap().items()[0].text(),
            Some("sub/app.env")
        );
        let volumes = moved.get("volumes").unwrap().items();
        assert_eq!(volumes[0].text(), Some("./sub/./data:/data"));
        assert_eq!(volumes[1].text(), Some("named:/x"));
    }

    #[test]
    fn files_merge_like_compose() {
        let base = doc(
            "services:\n  web:\n    image: a\n    command: [x, y]\n    ports: [\"80:80\"]\n    environment: [A=1, B=2]\n    volumes: [\"d:/data\"]\n",
        );
        let over = doc(
            "services:\n  web:\n    image: b\n    command: [z]\n    ports: [\"443:443\"]\n    environment:\n      B: three\n    volumes: [\"./d:/data:ro\"]\n",
        );
        let merged = merge(base, over, "");
        let web = merged.get("services").unwrap().get("web").unwrap();
        assert_eq!(web.get("image").unwrap().text(), Some("b"));
        assert_eq!(web.get("command").unwrap().items().len(), 1);
        assert_eq!(web.get("ports").unwrap().items().len(), 2);
        let env = web.get("environment").unwrap();
        assert_eq!(env.get("A").unwrap().text(), Some("1"));
        assert_eq!(env.get("B").unwrap().text(), Some("three"));
        let volumes = web.get("volumes").unwrap().items();
        assert_eq!(volumes.len(), 1);
        assert_eq!(volumes[0].text(), Some("./d:/data:ro"));
    }
}
