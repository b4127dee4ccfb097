use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::str::FromStr;

/// A DNS-1123 label: the name of a stack, service, job, resource or environment.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct Name(String);

impl Name {
    pub const MAX_LEN: usize = 63;

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for Name {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        if s.is_empty() {
            return Err("a name cannot be empty".into());
        }
        if s.len() > Self::MAX_LEN {
            return Err(format!(
                "`{s}` is {} characters long; names have at most {}",
                s.len(),
                Self::MAX_LEN
            ));
        }
        if let Some(c) = s
            .chars()
            .find(|c| !matches!(c, 'a'..='z' | '0'..='9' | '-'))
        {
            return Err(format!(
                "`{s}` contains {c:?}; names use only lowercase letters, digits and `-` (DNS-1123)"
            ));
        }
        if s.starts_with('-') || s.ends_with('-') {
            return Err(format!(
                "`{s}` must start and end with a letter or digit (DNS-1123)"
            ));
        }
        Ok(Self(s.to_owned()))
    }
}

impl Name {
    /// Whether the name is also a DNS-1035 label (it starts with a letter), as a Kubernetes Service
    /// name must be.
    #[must_use]
    pub fn is_dns_1035(&self) -> bool {
        self.0.starts_with(|c: char| c.is_ascii_lowercase())
    }

    /// DNS-1035 names for the names that are not (`0db`): `svc-0db`, or, when that is too long or
    /// already a name or alias, `svc-<start>-<hash>`. Aliases never equal a name of `names` nor each
    /// other, and depend only on the set of names (not on its order), so every build agrees.
    #[must_use]
    pub fn dns_1035_aliases<'a>(names: impl IntoIterator<Item = &'a Name>) -> BTreeMap<Name, Name> {
        let all: BTreeSet<&Name> = names.into_iter().collect();
        let mut taken: BTreeSet<String> = all.iter().map(|n| n.0.clone()).collect();
        let mut aliases = BTreeMap::new();
        for name in all.into_iter().filter(|n| !n.is_dns_1035()) {
            // Each attempt hashes differently and `taken` is finite: some attempt is free.
            let mut attempt = 0;
            let alias = loop {
                let candidate = alias_candidate(name.as_str(), attempt);
                if !taken.contains(&candidate) {
                    break candidate;
                }
                attempt += 1;
            };
            taken.insert(alias.clone());
            aliases.insert(name.clone(), Self(alias));
        }
        aliases
    }
}

/// The `attempt`th DNS-1035 alias of a name: first the plain `svc-<name>`, then hashed ones.
fn alias_candidate(name: &str, attempt: u32) -> String {
    const PREFIX: &str = "svc-";
    let plain = format!("{PREFIX}{name}");
    if attempt == 0 && plain.len() <= Name::MAX_LEN {
        return plain;
    }
    let hash = format!("{name}\0{attempt}")
        .bytes()
        .fold(0x811c_9dc5_u32, |h, b| {
            (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
        });
    let room = Name::MAX_LEN - PREFIX.len() - 9;
    let head = name[..name.len().min(room)].trim_end_matches('-');
    format!("{PREFIX}{head}-{hash:08x}")
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::borrow::Borrow<str> for Name {
    fn borrow(&self) -> &str {
        &self.0
    }
}

/// The name of a secret: a DNS-1123 subdomain, so that it is a valid Kubernetes Secret, compose secret
/// and SSM parameter name at once.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct SecretName(String);

impl SecretName {
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The environment variable a secret is exposed as: `stripe-key` -> `STRIPE_KEY`.
    #[must_use]
    pub fn env_var(&self) -> String {
        self.0
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_uppercase()
                } else {
                    '_'
                }
            })
            .collect()
    }
}

impl FromStr for SecretName {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        if s.is_empty() || s.len() > 253 {
            return Err("secret names have 1 to 253 characters".into());
        }
        for label in s.split('.') {
            Name::from_str(label).map_err(|_| {
                format!(
                    "`{s}` is not a valid secret name: use lowercase letters, digits, `-` and `.`"
                )
            })?;
        }
        if s.starts_with(|c: char| c.is_ascii_digit()) {
            return Err(format!(
                "`{s}` starts with a digit; a secret name must start with a letter"
            ));
        }
        Ok(Self(s.to_owned()))
    }
}

impl fmt::Display for SecretName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An environment variable name as POSIX shells and every target accept it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct EnvVarName(String);

impl EnvVarName {
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for EnvVarName {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let mut chars = s.chars();
        let valid_start = chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
        if !valid_start || !chars.all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(format!(
                "`{s}` is not a valid environment variable name: use letters, digits and `_`, not starting with a digit"
            ));
        }
        Ok(Self(s.to_owned()))
    }
}

impl fmt::Display for EnvVarName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_dns_1123() {
        for ok in ["a", "web", "api-v2", "0db", &"a".repeat(63)] {
            assert!(ok.parse::<Name>().is_ok(), "{ok}");
        }
        for bad in ["", "Web", "api_v2", "-a", "a-", "a.b", &"a".repeat(64)] {
            assert!(bad.parse::<Name>().is_err(), "{bad}");
        }
    }

    fn names(list: &[&str]) -> Vec<Name> {
        list.iter().map(|n| n.parse().unwrap()).collect()
    }

    #[test]
    fn dns_1035_aliases_are_valid_distinct_and_stable() {
        let long = format!("9{}", "a".repeat(62));
        let list = names(&["0db", "svc-1x", "1x", "web", "2-a", &long, "3"]);
        let aliases = Name::dns_1035_aliases(&list);
        assert_eq!(
            aliases.len(),
            5,
            "only names starting with a digit: {aliases:?}"
        );
        assert_eq!(aliases[&list[0]].as_str(), "svc-0db");
        // `svc-1x` is a name already: `1x` gets a hashed alias.
        assert!(aliases[&list[2]].as_str().starts_with("svc-1x-"));
        let mut seen: BTreeSet<&str> = list.iter().map(Name::as_str).collect();
        for alias in aliases.values() {
            assert!(alias.is_dns_1035(), "{alias}");
            assert!(alias.as_str().parse::<Name>().is_ok(), "{alias}");
            assert!(seen.insert(alias.as_str()), "{alias} collides");
        }
        // The order names come in does not matter.
        let reversed: Vec<Name> = list.iter().rev().cloned().collect();
        assert_eq!(Name::dns_1035_aliases(&reversed), aliases);
        assert!(Name::dns_1035_aliases(&names(&["web", "db"])).is_empty());
    }

    #[test]
    fn secret_names_map_to_env_vars() {
        let s: SecretName = "stripe-key".parse().unwrap();
        assert_eq!(s.env_var(), "STRIPE_KEY");
        assert!("db.password".parse::<SecretName>().is_ok());
        assert!("Stripe".parse::<SecretName>().is_err());
        assert!("1key".parse::<SecretName>().is_err());
    }

    #[test]
    fn env_var_names() {
        assert!("LOG_LEVEL".parse::<EnvVarName>().is_ok());
        assert!("_x1".parse::<EnvVarName>().is_ok());
        assert!("1X".parse::<EnvVarName>().is_err());
        assert!("A-B".parse::<EnvVarName>().is_err());
    }
}
