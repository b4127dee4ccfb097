//! The Compose file as typed structs (Compose Specification; also read by docker-compose 1.29).

use std::collections::BTreeMap;

use serde::{Serialize, Serializer};

#[derive(Debug, Default, Serialize)]
pub struct ComposeFile {
    /// Written with every string value escaped (see [`literal_values`]): the structs hold the values
    /// as they are meant, and no code path can forget the escaping.
    #[serde(serialize_with = "literal_values")]
    pub services: BTreeMap<String, Service>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub networks: BTreeMap<String, Network>,
    // Compose declares a named volume by its key alone (`name: {}`).
    #[allow(clippy::zero_sized_map_values)]
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub volumes: BTreeMap<String, Volume>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub secrets: BTreeMap<String, Secret>,
}

#[derive(Debug, Default, Serialize)]
pub struct Service {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub build: Option<Build>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub command: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub environment: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub secrets: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub volumes: Vec<VolumeMount>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tmpfs: Vec<String>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub read_only: bool,
    /// An init process as PID 1: signals reach the program (a `sync+restart` of `develop` stops
    /// it at once instead of after the kill timeout).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub init: bool,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub depends_on: BTreeMap<String, DependsOn>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub healthcheck: Option<Healthcheck>,
    pub restart: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deploy: Option<Deploy>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cap_drop: Vec<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub security_opt: Vec<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub network_mode: Option<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub networks: Vec<String>,
    /// `docker compose watch` (Compose v2.22 and later; docker-compose 1.29 refuses the key).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub develop: Option<Develop>,
    /// Kernel settings of the container's namespaces (`targets::ports`).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub sysctls: BTreeMap<String, String>,
    /// What `stackc-recover` acts on (see `recovery.rs`).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
}

/// A named volume in the short syntax (`name:/path[:ro]`: neither side holds `:`), or a bind mount
/// in the long one, whose host path may hold `:`. (`bind.create_host_path: false` would stop Compose v2
/// from creating a missing folder, but docker-compose 1.29 refuses the option; stackc checks that
/// the path exists when it compiles, and 1.29 fails on a missing one by itself.)
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum VolumeMount {
    Short(String),
    Bind(BindMount),
}

#[derive(Debug, Serialize)]
pub struct BindMount {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub source: String,
    pub target: String,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub read_only: bool,
}

#[derive(Debug, Serialize)]
pub struct Develop {
    pub watch: Vec<WatchRule>,
}

#[derive(Debug, Serialize)]
pub struct WatchRule {
    pub action: &'static str,
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ignore: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct Build {
    pub context: String,
    pub dockerfile: String,
}

#[derive(Debug, Serialize)]
pub struct DependsOn {
    pub condition: &'static str,
}

#[derive(Debug, Serialize)]
pub struct Healthcheck {
    pub test: Vec<String>,
    pub interval: String,
    pub timeout: String,
    pub retries: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_period: Option<String>,
}

#[derive(Debug, Default, Serialize)]
pub struct Deploy {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replicas: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resources: Option<Resources>,
}

#[derive(Debug, Serialize)]
pub struct Resources {
    pub limits: Limits,
}

#[derive(Debug, Serialize)]
pub struct Limits {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cpus: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memory: Option<String>,
}

#[derive(Debug, Default, Serialize)]
pub struct Network {
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub internal: bool,
}

#[derive(Debug, Default, Serialize)]
pub struct Volume {}

#[derive(Debug, Serialize)]
pub struct Secret {
    pub file: String,
}

/// Compose interpolates `${VAR}` and `$VAR` in every string value of a service (command, environment,
/// healthcheck, build paths, ports, volumes, …), from the host's environment. Nothing stackc writes
/// into a service is meant for interpolation, so every string value is escaped here, once; keys are
/// not interpolated and stay as they are. The YAML emitter doubles the `$` of every string value
/// inside [`yaml::LITERAL`](crate::targets::yaml::LITERAL) as it writes it (`yaml::literal_dollars`).
/// (The top-level `secrets` do use interpolation, on purpose: `STACKC_SECRETS_DIR`.)
fn literal_values<S: Serializer>(
    services: &BTreeMap<String, Service>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_newtype_struct(crate::targets::yaml::LITERAL, services)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What compose makes of a value: `$$` is `$`, and any other `$` starts a variable (here: an error).
    fn interpolate(value: &str) -> Result<String, String> {
        let mut out = String::new();
        let mut chars = value.chars().peekable();
        while let Some(c) = chars.next() {
            if c != '$' {
                out.push(c);
            } else if chars.peek() == Some(&'$') {
                chars.next();
                out.push('$');
            } else {
                return Err(format!("`{value}` would be interpolated"));
            }
        }
        Ok(out)
    }

    #[test]
    fn every_service_string_is_escaped_once() {
        let hostile = "$HOME ${PATH} $$ $(id)";
        let mut file = ComposeFile::default();
        file.services.insert(
            "web".into(),
            Service {
                image: Some(format!("x{hostile}")),
                command: Some(vec![hostile.into()]),
                environment: [("K".to_owned(), hostile.to_owned())].into(),
                healthcheck: Some(Healthcheck {
                    test: vec!["CMD".into(), "sh".into(), "-c".into(), hostile.into()],
                    interval: "5s".into(),
                    timeout: "5s".into(),
                    retries: 3,
                    start_period: None,
                }),
                build: Some(Build {
                    context: hostile.into(),
                    dockerfile: hostile.into(),
                }),
                ..Service::default()
            },
        );
        file.secrets.insert(
            "s".into(),
            Secret {
                file: "${STACKC_SECRETS_DIR:-./secrets}/s".into(),
            },
        );
        let text = crate::targets::yaml::to_string(&file);
        let back: yaml_serde::Value = yaml_serde::from_str(&text).unwrap();
        let svc = &back["services"]["web"];
        let mut strings = vec![
            svc["command"][0].clone(),
            svc["environment"]["K"].clone(),
            svc["healthcheck"]["test"][3].clone(),
            svc["build"]["context"].clone(),
            svc["build"]["dockerfile"].clone(),
        ];
        strings.push(yaml_serde::Value::String(
            svc["image"]
                .as_str()
                .unwrap()
                .trim_start_matches('x')
                .to_owned(),
        ));
        for s in strings {
            assert_eq!(interpolate(s.as_str().unwrap()).unwrap(), hostile, "{text}");
        }
        assert_eq!(
            back["secrets"]["s"]["file"].as_str(),
            Some("${STACKC_SECRETS_DIR:-./secrets}/s"),
            "interpolated on purpose"
        );
    }

    proptest::proptest! {
        #[test]
        fn escape_round_trips_through_interpolation(value in "\\PC*") {
            proptest::prop_assert_eq!(interpolate(&crate::targets::yaml::literal_dollars(&value)).unwrap(), value);
        }
    }
}
