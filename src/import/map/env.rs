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
    let Some(text) = value.text().map(str::to_owned) else {
        im.warn(
            &var.pos,
            key,
            "not carried over: Compose passes the variable from the shell that runs it; stackc takes no values from the machine (set it in `env`, or as a secret)",
        );
        return EnvOut::Dropped;
    };
    if let Some((placeholder, note)) = reference(im, &text) {
        return EnvOut::Value(placeholder, Some(note));
    }
    if let Some((_, resource)) = im.passwords.iter().find(|(p, _)| *p == text) {
        return EnvOut::Value(
            format!("${{resources.{resource}.password}}"),
            Some(format!(
                "was the password of `{resource}` (stackc generates it)"
            )),
        );
    }
    let credential = (checks::password_name(&name) && !text.trim().is_empty())
        || (checks::credential_name(&name) && !checks::plainly_not_secret(&text))
        || checks::url_password(&text, &[]).is_some()
        || url_userinfo(&text)
        || name.to_ascii_uppercase().ends_with("_DSN");
    if credential {
        return secret(im, compose, var, &name, &text);
    }
    EnvOut::Value(text.replace("${", "$${"), None)
}

/// A credential: the secret exposed as the variable, when the variable's name is one a secret can
/// have (`STRIPE_KEY` <- `stripe-key`); otherwise dropped, and said.
fn secret(im: &mut Importer, compose: &str, var: &Node, name: &str, text: &str) -> EnvOut {
    let key = format!("services.{compose}.environment.{name}");
    let secret = name.to_ascii_lowercase().replace('_', "-");
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

/// A value naming an imported resource or service: its host (`db`), `host:port`, a connection
/// URL (`postgres://u:p@db:5432/app`) or a service's URL (`http://api:8000/v1`).
fn reference(im: &Importer, text: &str) -> Option<(String, String)> {
    let resources: Vec<(String, String, Option<u16>)> = im
        .roles
        .iter()
        .filter_map(|(compose, role)| match role {
            Role::Resource(kind, _) => Some((compose.clone(), im.name_of(compose), kind.port())),
            _ => None,
        })
        .collect();
    for (compose, name, port) in &resources {
        if text == compose {
            return Some((
                format!("${{resources.{name}.host}}"),
                format!("was `{compose}`"),
            ));
        }
        if port.is_some_and(|p| text == format!("{compose}:{p}")) {
            return Some((
                format!("${{resources.{name}.host}}:${{resources.{name}.port}}"),
                format!("was `{text}`"),
            ));
        }
    }
    let (scheme, rest) = text.split_once("://")?;
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = host_port.split(':').next().unwrap_or(host_port);
    if let Some((compose, name, port)) = resources.iter().find(|(c, _, _)| c == host) {
        let userinfo = authority.contains('@');
        if userinfo {
            // Credentials in the URL: the resource's own URL, with its generated password.
            return Some((
                format!("${{resources.{name}.url}}"),
                format!(
                    "was a {scheme} URL to `{compose}` with credentials (stackc's URL carries the resource's own user, password and database)"
                ),
            ));
        }
        // No credentials (`redis://cache:6379/1`, `jdbc:postgresql://db:5432/app`): only the
        // address is the resource's; scheme, path and query stay as written.
        let address = format!("${{resources.{name}.host}}:${{resources.{name}.port}}");
        let written_port = host_port
            .split_once(':')
            .and_then(|(_, p)| p.parse::<u16>().ok());
        if written_port.is_some() && written_port != *port {
            return None;
        }
        return Some((
            format!(
                "{scheme}://{address}{}",
                rest[authority_end..].replace("${", "$${")
            ),
            format!("was `{text}`"),
        ));
    }
    if matches!(scheme, "http" | "https") {
        let service = im
            .roles
            .iter()
            .find(|(compose, role)| **role == Role::Service && compose.as_str() == host)?;
        let port = host_port.split_once(':').map(|(_, p)| p);
        let main = im
            .project
            .services
            .iter()
            .find(|(k, _)| k.text() == Some(service.0.as_str()))
            .and_then(|(_, node)| super::workload::main_port(node));
        if scheme == "http" && port.and_then(|p| p.parse::<u16>().ok()) == main && main.is_some() {
            let tail = &rest[authority_end..];
            return Some((
                format!(
                    "${{services.{}.url}}{}",
                    im.name_of(service.0),
                    tail.replace("${", "$${")
                ),
                format!("was `{text}`"),
            ));
        }
    }
    None
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
