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
