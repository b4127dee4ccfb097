//! A service's environment: references to imported resources and services become stackc
//! placeholders, credentials become secrets (their values never written anywhere), the rest is
//! kept with `${` escaped.

use super::{Importer, Role, SecretNote};
use crate::import::yaml::Node;
use crate::model::resolve::checks;

/// What one variable becomes.
pub enum EnvOut {
    /// A value for `env` (escaped for stackc's placeholders).
    Value(String, Option<String>),
    /// A secret exposed as the variable (`secrets = [...]`).
    Secret(String),
    Dropped,
}

/// Maps `var = value` of the Compose service `compose`.
pub fn variable(im: &mut Importer, compose: &str, var: &Node, value: &Node) -> EnvOut {
    let name = var.text().unwrap_or_default().to_owned();
    let key = format!("services.{compose}.environment.{name}");
    if name.parse::<crate::units::EnvVarName>().is_err() {
        im.warn(
            &var.pos,
            key,
            "not carried over: stackc variable names are letters, digits and `_` (not starting with a digit)",
        );
        return EnvOut::Dropped;
    }
    // A bare `VAR` takes its value from the shell or .env, as Compose does.
    let shell = im.project.variables.values.get(&name).cloned();
    let Some(text) = value.text().map(str::to_owned).or(shell) else {
        im.warn(
            &var.pos,
            key,
            "not carried over: Compose passes it from the shell, where it is not set now; set it in `env` (or as a secret)",
        );
        return EnvOut::Dropped;
    };
    // A connection URL with credentials to an imported resource: the resource's own URL (the
    // written credentials are dropped, not copied).
    if let Some(found) = resource_url_with_credentials(im, &text) {
        return found;
    }
    if is_credential(&name, &text) {
        if checks::password_name(&name)
            && let Some((_, resource)) = im.passwords.iter().find(|(p, _)| *p == text)
        {
            return EnvOut::Value(
                format!("${{resources.{resource}.password}}"),
                Some(format!(
                    "the password of `{resource}` (stackc generates it)"
                )),
            );
        }
        im.sensitive.push((name.clone(), text.clone()));
        return secret(im, compose, var, &name, &text);
    }
    if let Some((placeholder, note)) = reference(im, &name, &text) {
        return EnvOut::Value(placeholder, Some(note));
    }
    EnvOut::Value(text.replace("${", "$${"), None)
}

/// Whether a variable holds a credential: by its name (and a value that is not plainly something
/// else), or by its value (a URL with a user or password, a credential in a URL's query).
#[must_use]
pub fn is_credential(name: &str, text: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    let named = [
        "SALT",
        "PASSPHRASE",
        "PEM",
        "PRIVATE",
        "KEYS",
        "AUTH",
        "DSN",
        "CREDENTIALS",
        "COOKIE",
    ]
    .iter()
    .any(|w| upper.split('_').any(|p| p == *w));
    (checks::password_name(name) && !text.trim().is_empty())
        || ((checks::credential_name(name) || named) && !checks::plainly_not_secret(text))
        || checks::url_password(text, &[]).is_some()
        || url_userinfo(text)
        || query_credential(text)
        || text.contains("-----BEGIN")
        || text.trim_start().starts_with("Bearer ")
}

/// A URL whose query names a credential: `?apikey=…`, `&access_token=…`, `?password=…`.
#[must_use]
pub fn query_credential(text: &str) -> bool {
    let Some((_, query)) = text.split_once('?') else {
        return false;
    };
    query.split(['&', ';']).any(|pair| {
        let key = pair
            .split('=')
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        pair.contains('=')
            && [
                "pass",
                "secret",
                "token",
                "key",
                "auth",
                "sig",
                "credential",
            ]
            .iter()
            .any(|w| key.contains(w))
    })
}

/// `postgres://user:pass@db:5432/app` naming an imported resource: `${resources.db.url}`, the
/// user, database and options of stackc's resource replacing the written ones (said).
fn resource_url_with_credentials(im: &mut Importer, text: &str) -> Option<EnvOut> {
    let (scheme, rest) = text.split_once("://")?;
    let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
    let (_, host_port) = authority.rsplit_once('@')?;
    let host = host_port.split(':').next().unwrap_or(host_port);
    let (compose, name) = resource_named(im, host)?;
    Some(EnvOut::Value(
        format!("${{resources.{name}.url}}"),
        Some(format!(
            "a {scheme} URL to `{compose}` with credentials: now the resource's own URL (its user, generated password and database; any options written after the host are not kept)"
        )),
    ))
}

/// The imported resource a host name names: its Compose name, container name or hostname.
fn resource_named(im: &Importer, host: &str) -> Option<(String, String)> {
    im.project.services.iter().find_map(|(k, node)| {
        let compose = k.text()?;
        let is_resource = matches!(im.roles.get(compose), Some(Role::Resource(..)));
        let aliases = [
            Some(compose),
            node.get("container_name").and_then(Node::text),
            node.get("hostname").and_then(Node::text),
        ];
        (is_resource && aliases.iter().flatten().any(|a| *a == host))
            .then(|| (compose.to_owned(), im.name_of(compose)))
    })
}

/// A credential: the secret exposed as the variable, when the variable's name is one a secret can
/// have (`STRIPE_KEY` <- `stripe-key`); otherwise dropped, and said.
fn secret(im: &mut Importer, compose: &str, var: &Node, name: &str, text: &str) -> EnvOut {
    let key = format!("services.{compose}.environment.{name}");
    let secret = name.to_ascii_lowercase().replace('_', "-");
    // `DB_PASSWORD` when the stack runs a resource `db`: the name of the password stackc
    // generates for it (and `DB_URL` its URL's) — the variable is that resource's.
    for (r, output) in im
        .roles
        .iter()
        .filter_map(|(c, role)| match role {
            Role::Resource(kind, _) if kind.has_credentials() => Some(im.name_of(c)),
            _ => None,
        })
        .flat_map(|r| [(r.clone(), "password"), (r, "url")])
        .collect::<Vec<_>>()
    {
        if secret == format!("{r}-{output}") {
            im.notes.push((
                compose.to_owned(),
                format!("env {name}: the {output} of `{r}` (stackc generates the password)"),
            ));
            return EnvOut::Value(format!("${{resources.{r}.{output}}}"), None);
        }
    }
    let valid = secret
        .parse::<crate::units::SecretName>()
        .is_ok_and(|s| s.env_var() == name);
    if !valid {
        im.warn(
            &var.pos,
            key,
            "a credential, not copied: stackc exposes a secret as its name in capitals (`-` as `_`); rename the variable, or read the value from a file",
        );
        return EnvOut::Dropped;
    }
    // One secret name, one value: a second service with another value is said.
    let digest = crate::output::manifest::sha256(text.as_bytes());
    match im.secret_owners.get(&secret) {
        Some(owner) if *owner != digest => im.warn(
            &var.pos,
            key,
            format!("a credential with another value than the same variable elsewhere: both read the secret `{secret}` now; give it the value both need"),
        ),
        Some(_) => {}
        None => {
            im.secret_owners.insert(secret.clone(), digest);
            im.secrets.push(SecretNote {
                secret: secret.clone(),
                service: im.name_of(compose),
                variable: name.to_owned(),
            });
        }
    }
    EnvOut::Secret(secret)
}

/// A value naming an imported resource or service: a resource's host (in a variable named for
/// a host), `host:port`, a URL without credentials (`redis://cache:6379/1`,
/// `jdbc:postgresql://db:5432/app`: only the address is replaced), a service's URL
/// (`http://api:8000/v1`).
fn reference(im: &Importer, name: &str, text: &str) -> Option<(String, String)> {
    let upper = name.to_ascii_uppercase();
    let names_a_host = ["HOST", "SERVER", "ADDR", "ADDRESS", "HOSTNAME", "ENDPOINT"]
        .iter()
        .any(|w| upper.split('_').any(|p| p == *w));
    if names_a_host && let Some((compose, r)) = resource_named(im, text) {
        return Some((
            format!("${{resources.{r}.host}}"),
            format!("the host of `{compose}`"),
        ));
    }
    if let Some((host, port)) = text.split_once(':')
        && !port.is_empty()
        && port.chars().all(|c| c.is_ascii_digit())
        && let Some((compose, r)) = resource_named(im, host)
        && resource_port(im, &compose).is_some_and(|p| p.to_string() == port)
    {
        return Some((
            format!("${{resources.{r}.host}}:${{resources.{r}.port}}"),
            format!("the address of `{compose}`"),
        ));
    }
    let (scheme, rest) = text.split_once("://")?;
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    if authority.contains('@') {
        return None;
    }
    let (host, written_port) = match authority.split_once(':') {
        Some((h, p)) => (h, Some(p.parse::<u16>().ok()?)),
        None => (authority, None),
    };
    if let Some((compose, r)) = resource_named(im, host) {
        if written_port.is_some() && written_port != resource_port(im, &compose) {
            return None;
        }
        return Some((
            format!(
                "{scheme}://${{resources.{r}.host}}:${{resources.{r}.port}}{}",
                rest[authority_end..].replace("${", "$${")
            ),
            format!("a {scheme} URL to `{compose}`"),
        ));
    }
    if let Some(found) = service_url(im, scheme, host, written_port, &rest[authority_end..]) {
        return Some(found);
    }
    // A service renamed on import (`events_db` -> `events-db`) is reached by its new name.
    let new = renamed(im, host)?;
    let at = text.find("://").map_or(0, |i| i + 3);
    Some((
        format!("{}{}{}", &text[..at], new, &text[at + host.len()..]).replace("${", "$${"),
        format!("`{host}` is named `{new}` now"),
    ))
}

/// `http://<service>:<main port><tail>`: `${services.<s>.url}<tail>`.
fn service_url(
    im: &Importer,
    scheme: &str,
    host: &str,
    written_port: Option<u16>,
    tail: &str,
) -> Option<(String, String)> {
    if scheme != "http" {
        return None;
    }
    let (service, node) = im
        .project
        .services
        .iter()
        .find(|(k, _)| k.text() == Some(host) && im.roles.get(host) == Some(&Role::Service))?;
    let main = super::workload::main_port(node);
    if main.is_none() || written_port.or(Some(80)) != main {
        return None;
    }
    Some((
        format!(
            "${{services.{}.url}}{}",
            im.name_of(service.text().unwrap_or_default()),
            tail.replace("${", "$${")
        ),
        format!("the URL of `{host}`"),
    ))
}

/// The new name of a service the import renamed.
fn renamed(im: &Importer, host: &str) -> Option<String> {
    im.roles
        .contains_key(host)
        .then(|| im.name_of(host))
        .filter(|new| new != host)
}

fn resource_port(im: &Importer, compose: &str) -> Option<u16> {
    match im.roles.get(compose) {
        Some(Role::Resource(kind, _)) => kind.port(),
        _ => None,
    }
}

/// A URL with a user part (`https://key@host/…`, a Sentry DSN): the user part is often a token.
fn url_userinfo(text: &str) -> bool {
    text.split_once("://").is_some_and(|(scheme, rest)| {
        !scheme.is_empty()
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c))
            && rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())].contains('@')
    })
}
