//! Compose services to stackc's services, jobs and resources. Every key is either mapped or
//! reported (file, line, column, and why); credentials never reach the spec.

mod env;
mod resource;
pub mod values;
mod workload;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::Serialize;

use super::project::Project;
use super::toml_out::{Table, Toml, path};
use super::yaml::{Node, Pos};
use crate::model::ResourceKind;

/// A key the import did not carry over as written, and why.
#[derive(Debug, Clone, Serialize)]
pub struct Warning {
    pub file: String,
    pub line: usize,
    pub column: usize,
    /// Where in the Compose document: `services.web.logging`.
    pub key: String,
    pub message: String,
}

/// A credential taken out of the Compose files: the secret that now holds it.
#[derive(Debug, Clone, Serialize)]
pub struct SecretNote {
    pub secret: String,
    pub service: String,
    pub variable: String,
}

/// The spec text and what the import reports.
#[derive(Debug, Serialize)]
pub struct Imported {
    #[serde(skip)]
    pub text: String,
    pub stack: String,
    /// Compose service -> what it became (`services.web`, `jobs.migrate`, `resources.db`).
    pub names: BTreeMap<String, String>,
    /// The files read (never written over).
    #[serde(skip)]
    pub inputs: Vec<std::path::PathBuf>,
    pub warnings: Vec<Warning>,
    pub secrets: Vec<SecretNote>,
}

/// What a Compose service becomes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Role {
    Service,
    Job,
    Resource(ResourceKind, Option<String>),
}

/// The state of one import: names, roles and what has been reported.
pub struct Importer<'a> {
    pub project: &'a Project,
    /// The folder the spec is written to (host paths are relative to it).
    pub spec_dir: &'a Path,
    /// Compose service name -> stackc name.
    pub names: BTreeMap<String, String>,
    pub roles: BTreeMap<String, Role>,
    pub warnings: Vec<Warning>,
    pub secrets: Vec<SecretNote>,
    /// Secret name -> (service, variable), so one name holds one value.
    pub secret_owners: BTreeMap<String, String>,
    /// Named volumes the workloads mount (stackc volume resources).
    pub volumes: BTreeSet<String>,
    /// Compose volume name -> stackc resource name.
    pub volume_names: BTreeMap<String, String>,
    /// A resource's user password as the Compose file set it (a variable elsewhere with that value
    /// is the resource's password): (value, resource).
    pub passwords: Vec<(String, String)>,
    /// Tables of the `dev` overlay (host folders, Compose only).
    pub dev: Vec<Table>,
    /// Comments for a service's table: (Compose service, text).
    pub notes: Vec<(String, String)>,
    /// Credentials seen (what holds them, the value): no output may contain one.
    pub sensitive: Vec<(String, String)>,
}

impl Importer<'_> {
    pub fn warn(&mut self, pos: &Pos, key: impl Into<String>, message: impl Into<String>) {
        self.warnings.push(Warning {
            file: pos.file.to_string(),
            line: pos.line,
            column: pos.column,
            key: key.into(),
            message: message.into(),
        });
    }

    /// The stackc name of a Compose named volume: a volume resource, named apart from every
    /// service, job and resource (Compose keeps volumes and services in separate namespaces).
    pub fn volume_name(&mut self, compose: &str) -> String {
        if let Some(name) = self.volume_names.get(compose) {
            return name.clone();
        }
        let base = dns_label(compose);
        let taken = |n: &String, im: &Self| {
            im.names.values().any(|s| s == n) || im.volume_names.values().any(|v| v == n)
        };
        let mut name = base.clone();
        let mut n = 1;
        while taken(&name, self) {
            name = if n == 1 {
                format!("{base}-data")
            } else {
                format!("{base}-data-{n}")
            };
            n += 1;
        }
        self.volume_names.insert(compose.to_owned(), name.clone());
        self.volumes.insert(name.clone());
        name
    }

    /// The stackc name of a Compose service.
    #[must_use]
    pub fn name_of(&self, compose: &str) -> String {
        self.names
            .get(compose)
            .cloned()
            .unwrap_or_else(|| dns_label(compose))
    }
}

/// A Compose name as a DNS label: lowercase, `_` and `.` as `-`, other characters dropped, at most
/// 63 characters, starting and ending with a letter or digit.
#[must_use]
pub fn dns_label(name: &str) -> String {
    let mapped: String = name
        .chars()
        .filter_map(|c| match c {
            'a'..='z' | '0'..='9' | '-' => Some(c),
            'A'..='Z' => Some(c.to_ascii_lowercase()),
            '_' | '.' | ' ' => Some('-'),
            _ => None,
        })
        .collect();
    let mut label = mapped.trim_matches('-').to_owned();
    while label.contains("--") {
        label = label.replace("--", "-");
    }
    label.truncate(63);
    let label = label.trim_end_matches('-').to_owned();
    if label.is_empty() { "x".into() } else { label }
}

/// `<base>-<suffix>` within a DNS label's 63 characters (the base shortened).
#[must_use]
pub fn suffixed(base: &str, suffix: &str) -> String {
    let room = 63usize.saturating_sub(suffix.len() + 1);
    let mut head: String = base.chars().take(room).collect();
    while head.ends_with('-') {
        head.pop();
    }
    format!("{head}-{suffix}")
}

/// Maps the project.
#[must_use]
pub fn import(project: &Project, spec_dir: &Path) -> Imported {
    let mut im = Importer {
        project,
        spec_dir,
        names: BTreeMap::new(),
        roles: BTreeMap::new(),
        warnings: Vec::new(),
        secrets: Vec::new(),
        secret_owners: BTreeMap::new(),
        volumes: BTreeSet::new(),
        volume_names: BTreeMap::new(),
        passwords: Vec::new(),
        dev: Vec::new(),
        notes: Vec::new(),
        sensitive: sensitive_variables(project),
    };
    let mut taken = BTreeSet::new();
    for (key, _) in &project.services {
        let compose = key.text().unwrap_or_default().to_owned();
        let mut name = dns_label(&compose);
        let mut n = 2;
        while !taken.insert(name.clone()) {
            name = suffixed(&dns_label(&compose), &n.to_string());
            n += 1;
        }
        if name != compose {
            im.warn(
                &key.pos,
                format!("services.{compose}"),
                format!(
                    "renamed `{name}`: stackc names are DNS labels (lowercase letters, digits, `-`)"
                ),
            );
        }
        im.names.insert(compose, name);
    }
    for (key, service) in &project.skipped {
        im.warn(
            &key.pos,
            format!("services.{}", key.text().unwrap_or_default()),
            format!("not imported: only in the profile(s) {service}; pass --profile to import it"),
        );
    }
    classify(&mut im);
    top_level(&mut im);
    resource::passwords(&mut im);

    // Room for `-<env>` (the dev overlay's deployment name) within 63 characters.
    let mut stack_name: String = dns_label(&project.name).chars().take(55).collect();
    while stack_name.ends_with('-') {
        stack_name.pop();
    }
    let mut tables = vec![];
    let mut stack = Table::new("stack");
    stack.set("name", Toml::str(&stack_name));
    stack.set(
        "description",
        Toml::str(format!("Imported from {}", file_list(project))),
    );
    tables.push(stack);
    let mut resources = Vec::new();
    let mut services = Vec::new();
    let mut jobs = Vec::new();
    let mut sources = SourceLines::default();
    for (key, node) in &project.services {
        let compose = key.text().unwrap_or_default().to_owned();
        let (mut table, list) = match im.roles[&compose].clone() {
            Role::Resource(kind, version) => (
                resource::map(&mut im, &compose, node, kind, version.as_deref()),
                &mut resources,
            ),
            Role::Service => (workload::map(&mut im, &compose, node, false), &mut services),
            Role::Job => (workload::map(&mut im, &compose, node, true), &mut jobs),
        };
        // The comments written above the service in Compose come along, under its origin.
        let carried = sources.comments_above(&key.pos);
        let at = table.comments.len().min(1);
        table.comments.splice(at..at, carried);
        scrub(&mut im, &mut table, &key.pos, &compose);
        list.push(table);
    }
    for volume in im.volumes.clone() {
        let mut t = Table::new(path(&["resources", &volume]));
        t.set("type", Toml::str("volume"));
        resources.push(t);
    }
    tables.extend(services);
    tables.extend(jobs);
    tables.extend(resources);
    for t in &mut im.dev {
        t.comments.clear();
    }
    // Warnings never quote a credential either.
    for w in &mut im.warnings {
        for (_, value) in &im.sensitive {
            w.message = w.message.replace(value.as_str(), "***");
        }
    }
    let mut text = header(project);
    for t in &tables {
        t.write(&mut text);
    }
    if !im.dev.is_empty() {
        text.push_str("\n# Host folders are Compose's (local development): the base mounts a volume instead.\n");
        for t in &im.dev {
            t.write(&mut text);
        }
    }
    im.warnings.sort_by(|a, b| {
        (a.file.as_str(), a.line, a.column, a.key.as_str()).cmp(&(
            b.file.as_str(),
            b.line,
            b.column,
            b.key.as_str(),
        ))
    });
    let names = im
        .roles
        .iter()
        .map(|(compose, role)| {
            let table = match role {
                Role::Service => "services",
                Role::Job => "jobs",
                Role::Resource(..) => "resources",
            };
            (compose.clone(), format!("{table}.{}", im.name_of(compose)))
        })
        .collect();
    Imported {
        text,
        stack: stack_name,
        names,
        inputs: project.files.clone(),
        warnings: im.warnings,
        secrets: im.secrets,
    }
}

/// The interpolation variables that hold credentials (by name): their values may appear anywhere
/// a `${VAR}` put them (a command line, a health check).
fn sensitive_variables(project: &Project) -> Vec<(String, String)> {
    project
        .variables
        .values
        .iter()
        .filter(|(k, v)| v.len() >= 4 && env::is_credential(k, v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// Credentials on a command line: the value after (or in) a flag named for one
/// (`--requirepass x`, `--password=x`, `-a x` of redis-cli), and words that are credentials by
/// their form (a URL with a password or token).
fn command_credentials(words: &[Toml]) -> Vec<String> {
    let texts: Vec<&str> = words
        .iter()
        .filter_map(|w| match w {
            Toml::Str(s) => Some(s.as_str()),
            _ => None,
        })
        .collect();
    let mut out = Vec::new();
    for (i, w) in texts.iter().enumerate() {
        let flag = w.trim_start_matches('-').to_ascii_lowercase();
        let named = w.starts_with('-')
            && ["pass", "secret", "token", "key", "auth", "credential"]
                .iter()
                .any(|n| flag.split('=').next().unwrap_or_default().contains(n));
        if named {
            match flag.split_once('=') {
                Some((_, v)) if !v.is_empty() => out.push(w[w.len() - v.len()..].to_owned()),
                _ => out.extend(texts.get(i + 1).map(|v| (*v).to_owned())),
            }
        } else if env::is_credential("", w) {
            out.push((*w).to_owned());
        }
        // A shell line: its words too.
        if w.contains(' ')
            && let Ok(inner) = values::shell_words(w)
        {
            let inner: Vec<Toml> = inner.into_iter().map(Toml::Str).collect();
            out.extend(command_credentials(&inner));
        }
    }
    out.retain(|v| v.len() >= 3);
    out
}

fn contains_any(v: &Toml, values: &[(String, String)]) -> Option<String> {
    match v {
        Toml::Str(s) => values
            .iter()
            .find(|(_, x)| s.contains(x.as_str()))
            .map(|(k, _)| k.clone()),
        Toml::Array(items) => items.iter().find_map(|i| contains_any(i, values)),
        Toml::Table(entries) => entries.iter().find_map(|(_, i)| contains_any(i, values)),
        Toml::Int(_) | Toml::Bool(_) => None,
    }
}

/// The last word on credentials: a value of the table holding one (from an interpolated
/// credential variable, a credential flag on a command line, a health check's password) is not
/// written, and said; comment lines holding one are dropped.
fn scrub(im: &mut Importer, table: &mut Table, pos: &Pos, compose: &str) {
    for (k, v, _) in &table.entries {
        let words = match (k.as_str(), v) {
            ("command", Toml::Array(items)) => items.clone(),
            ("health", Toml::Table(h)) => h
                .iter()
                .filter_map(|(hk, hv)| match (hk.as_str(), hv) {
                    ("exec", Toml::Array(items)) => Some(items.clone()),
                    ("http", s @ Toml::Str(_)) => Some(vec![s.clone()]),
                    _ => None,
                })
                .flatten()
                .collect(),
            _ => Vec::new(),
        };
        for found in command_credentials(&words) {
            im.sensitive
                .push((format!("a credential on its {k} line"), found));
        }
    }
    let sensitive = im.sensitive.clone();
    let mut dropped = Vec::new();
    table.entries.retain_mut(|(k, v, _)| {
        if let (true, Toml::Table(entries)) = (k == "env", &mut *v) {
            entries.retain(|(ek, ev)| match contains_any(ev, &sensitive) {
                Some(what) => {
                    dropped.push((format!("environment.{ek}"), what));
                    false
                }
                None => true,
            });
            return true;
        }
        match contains_any(v, &sensitive) {
            Some(what) => {
                dropped.push((k.clone(), what));
                false
            }
            None => true,
        }
    });
    for (k, what) in dropped {
        im.warn(
            pos,
            format!("services.{compose}.{k}"),
            format!("not carried over: it holds a credential ({what}); pass it to the container as a secret (`secrets`) and read it there"),
        );
    }
    table
        .comments
        .retain(|c| !sensitive.iter().any(|(_, v)| c.contains(v.as_str())));
}

/// The Compose files' lines, read once each, for the comments the YAML parser does not keep.
#[derive(Default)]
struct SourceLines {
    files: BTreeMap<String, Vec<String>>,
}

impl SourceLines {
    /// The `#` comment lines directly above `pos` (no blank line between), in order.
    fn comments_above(&mut self, pos: &Pos) -> Vec<String> {
        let lines = self.files.entry(pos.file.to_string()).or_insert_with(|| {
            std::fs::read_to_string(&*pos.file)
                .map(|t| t.lines().map(str::to_owned).collect())
                .unwrap_or_default()
        });
        let mut out = Vec::new();
        for line in lines[..pos.line.saturating_sub(1).min(lines.len())]
            .iter()
            .rev()
        {
            match line.trim_start().strip_prefix('#') {
                // Prose only: commented-out configuration (`key: value`, `- item`) stays behind,
                // and so does anything that may hold a credential.
                Some(text) => {
                    let text = text.trim();
                    let lower = text.to_ascii_lowercase();
                    let config = text.starts_with('-')
                        || text
                            .split_once(':')
                            .is_some_and(|(k, _)| !k.is_empty() && !k.contains(' '));
                    let risky = ["pass", "secret", "token", "key", "auth", "=", "://"]
                        .iter()
                        .any(|w| lower.contains(w));
                    if !config && !risky {
                        out.push(text.to_owned());
                    }
                }
                None => break,
            }
        }
        out.reverse();
        out
    }
}

fn file_list(project: &Project) -> String {
    project
        .files
        .iter()
        .map(|f| {
            f.file_name().map_or_else(
                || f.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            )
        })
        .collect::<Vec<_>>()
        .join(" + ")
}

fn header(project: &Project) -> String {
    format!(
        "# Imported by `stackc import` from {}.\n# Review it: `stackc check`, then `stackc build`. What Compose had that stackc does not take is\n# listed by the import (and `stackc import --format json`); credentials became secrets.\n",
        file_list(project)
    )
}

/// Which services are resources (an engine's image, nothing built), jobs (waited for until they
/// complete, or `restart: "no"` with nothing published) or services.
fn classify(im: &mut Importer) {
    let mut completed = BTreeSet::new();
    for (_, node) in &im.project.services {
        if let Some(deps) = node.get("depends_on") {
            for (k, v) in deps.entries() {
                if v.get("condition").and_then(Node::text) == Some("service_completed_successfully")
                {
                    completed.insert(k.text().unwrap_or_default().to_owned());
                }
            }
        }
    }
    for (key, node) in &im.project.services {
        let compose = key.text().unwrap_or_default().to_owned();
        let role = if completed.contains(&compose) {
            // Waited for until it completes: a job, whatever image it runs (a `psql` seed too).
            Role::Job
        } else if let Some(kind) = resource::engine(node) {
            kind
        } else {
            Role::Service
        };
        im.roles.insert(compose, role);
    }
}

/// Top-level keys other than services: mapped where stackc has them, reported otherwise.
fn top_level(im: &mut Importer) {
    for (pos, tag) in im.project.tags.clone() {
        im.warn(
            &pos,
            tag.clone(),
            format!("`{tag}` is not applied: the value is read as written and merged as usual (check the result where it matters)"),
        );
    }
    let entries = im.project.root.entries().to_vec();
    for (k, v) in &entries {
        let key = k.text().unwrap_or_default();
        match key {
            "services" | "name" => {}
            "version" => im.warn(&k.pos, key, "obsolete in the Compose specification; ignored"),
            "volumes" => {
                for (vk, vv) in v.entries() {
                    // `name` too: a volume named outside the project (`external`, or one another
                    // tool expects) is not what stackc's volume is called.
                    let options: Vec<&str> = vv
                        .entries()
                        .iter()
                        .filter_map(|(o, _)| o.text())
                        .collect();
                    if !options.is_empty() {
                        im.warn(
                            &vk.pos,
                            format!("volumes.{}", vk.text().unwrap_or_default()),
                            format!(
                                "{} not carried over: stackc volumes are the target's default kind",
                                options.join(", ")
                            ),
                        );
                    }
                }
            }
            "networks" => im.warn(
                &k.pos,
                key,
                "not carried over: stackc puts each stack on its own network and allows exactly the dependency edges",
            ),
            "secrets" | "configs" => im.warn(
                &k.pos,
                key,
                format!("not carried over: use stackc `secrets` (values you supply) or `{{ config = \"./file\" }}` mounts for {key}"),
            ),
            "include" => im.warn(&k.pos, key, "not carried over: import the included files together (`stackc import a.yml b.yml`)"),
            _ if key.starts_with("x-") => {}
            _ => im.warn(&k.pos, key, "not a Compose top-level key; ignored"),
        }
    }
}
