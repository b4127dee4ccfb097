//! Resources as compose services: official images, their native health checks, data volumes, and
//! credentials passed as secrets (the images' `*_FILE` variables).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::file::{Deploy, Healthcheck, Resources, Service};
use super::secrets::SecretPlan;
use super::{DATA_NETWORK, limits};
use crate::model::{Resource, ResourceKind};
use crate::targets::images::resource_image;
use crate::targets::outputs::resource_port;

/// The named volume holding a resource's data.
pub fn data_volume(resource: &Resource) -> String {
    format!("{}-data", resource.name)
}

pub fn service(resource: &Resource, secrets: &mut SecretPlan) -> Service {
    let image = resource_image(resource);
    let mut env: BTreeMap<String, String> = BTreeMap::new();
    let mut used_secrets = Vec::new();
    let mut command = None;
    let name = resource.name.as_str();
    let user = resource.username().to_owned();
    let db = resource.database();
    let port = resource_port(resource);
    if resource.kind.has_credentials() {
        used_secrets.push(secrets.password(resource));
    }
    let password_file = format!(
        "/run/secrets/{}",
        used_secrets.first().cloned().unwrap_or_default()
    );
    let check: Vec<String>;
    match resource.kind {
        ResourceKind::Postgres => {
            env.insert("POSTGRES_USER".into(), user.clone());
            env.insert("POSTGRES_DB".into(), db.clone());
            env.insert("POSTGRES_PASSWORD_FILE".into(), password_file);
            check = vec![
                "pg_isready".into(),
                "-h".into(),
                "127.0.0.1".into(),
                "-U".into(),
                user,
                "-d".into(),
                db,
            ];
        }
        ResourceKind::Mysql => {
            env.insert("MYSQL_USER".into(), user);
            env.insert("MYSQL_DATABASE".into(), db);
            env.insert("MYSQL_PASSWORD_FILE".into(), password_file);
            env.insert("MYSQL_RANDOM_ROOT_PASSWORD".into(), "yes".into());
            check = strings(&["mysqladmin", "ping", "-h", "127.0.0.1", "--silent"]);
        }
        ResourceKind::Mariadb => {
            env.insert("MARIADB_USER".into(), user);
            env.insert("MARIADB_DATABASE".into(), db);
            env.insert("MARIADB_PASSWORD_FILE".into(), password_file);
            env.insert("MARIADB_RANDOM_ROOT_PASSWORD".into(), "yes".into());
            check = strings(&["healthcheck.sh", "--connect", "--innodb_initialized"]);
        }
        ResourceKind::Mongodb => {
            env.insert("MONGO_INITDB_ROOT_USERNAME".into(), user);
            env.insert("MONGO_INITDB_ROOT_PASSWORD_FILE".into(), password_file);
            env.insert("MONGO_INITDB_DATABASE".into(), db);
            check = strings(&["mongosh", "--quiet", "--eval", "db.adminCommand('ping').ok"]);
        }
        ResourceKind::Redis => {
            // Protected mode refuses every client but loopback when there is no config file; the
            // official image patches that default out, other redis images do not. The data network
            // is internal.
            command = Some(strings(&[
                "redis-server",
                "--appendonly",
                "yes",
                "--protected-mode",
                "no",
            ]));
            check = strings(&["redis-cli", "ping"]);
        }
        ResourceKind::Rabbitmq => {
            env.insert("RABBITMQ_DEFAULT_USER".into(), user);
            // The image reads the password from the environment only: load it from the secret file first.
            command = Some(vec![
                "sh".into(),
                "-c".into(),
                format!(
                    "RABBITMQ_DEFAULT_PASS=\"$$(cat {password_file})\" exec docker-entrypoint.sh rabbitmq-server"
                ),
            ]);
            check = strings(&["rabbitmq-diagnostics", "-q", "ping"]);
        }
        ResourceKind::Kafka => {
            kafka_env(name, resource, &image, &mut env);
            let tool = if image.starts_with("confluentinc/") {
                "kafka-broker-api-versions"
            } else {
                "/opt/kafka/bin/kafka-broker-api-versions.sh"
            };
            check = vec![
                tool.into(),
                "--bootstrap-server".into(),
                format!("127.0.0.1:{port}"),
            ];
        }
        ResourceKind::Volume => unreachable!("volumes are not services"),
    }
    let mut test = vec!["CMD".to_owned()];
    test.extend(check);
    let ports = match (resource.publish, resource.kind) {
        (Some(host), ResourceKind::Kafka) => vec![format!("{host}:{KAFKA_EXTERNAL_PORT}")],
        (Some(host), _) => vec![format!("{host}:{port}")],
        (None, _) => Vec::new(),
    };
    let deploy = limits(resource.cpu, resource.memory.as_ref()).map(|limits| Deploy {
        replicas: None,
        resources: Some(Resources { limits }),
    });
    Service {
        image: Some(image),
        command,
        environment: env,
        secrets: used_secrets,
        ports,
        volumes: vec![format!(
            "{}:{}",
            data_volume(resource),
            resource.kind.data_path().unwrap_or("/data")
        )],
        healthcheck: Some(Healthcheck {
            test,
            interval: "5s".into(),
            timeout: "5s".into(),
            retries: 30,
            start_period: Some("10s".into()),
        }),
        restart: "unless-stopped",
        deploy,
        networks: vec![DATA_NETWORK.into()],
        ..Service::default()
    }
}

/// The listener that clients on the host machine connect to when a broker is published.
const KAFKA_EXTERNAL_PORT: u16 = 19092;

/// A single-node `KRaft` broker; with `publish`, a second listener advertised on localhost for host clients.
fn kafka_env(name: &str, resource: &Resource, image: &str, env: &mut BTreeMap<String, String>) {
    let port = resource_port(resource);
    let mut listeners = format!("PLAINTEXT://:{port},CONTROLLER://:9093");
    let mut advertised = format!("PLAINTEXT://{name}:{port}");
    let mut protocols = "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT".to_owned();
    if let Some(host) = resource.publish {
        let _ = write!(listeners, ",EXTERNAL://:{KAFKA_EXTERNAL_PORT}");
        let _ = write!(advertised, ",EXTERNAL://localhost:{host}");
        protocols.push_str(",EXTERNAL:PLAINTEXT");
    }
    for (k, v) in [
        ("KAFKA_NODE_ID", "1".to_owned()),
        ("KAFKA_PROCESS_ROLES", "broker,controller".to_owned()),
        ("KAFKA_LISTENERS", listeners),
        ("KAFKA_ADVERTISED_LISTENERS", advertised),
        ("KAFKA_LISTENER_SECURITY_PROTOCOL_MAP", protocols),
        ("KAFKA_CONTROLLER_LISTENER_NAMES", "CONTROLLER".to_owned()),
        ("KAFKA_INTER_BROKER_LISTENER_NAME", "PLAINTEXT".to_owned()),
        (
            "KAFKA_CONTROLLER_QUORUM_VOTERS",
            "1@localhost:9093".to_owned(),
        ),
        ("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR", "1".to_owned()),
        (
            "KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR",
            "1".to_owned(),
        ),
        ("KAFKA_TRANSACTION_STATE_LOG_MIN_ISR", "1".to_owned()),
        ("KAFKA_LOG_DIRS", "/var/lib/kafka/data".to_owned()),
    ] {
        env.insert(k.into(), v);
    }
    if image.starts_with("confluentinc/") {
        // Confluent's image requires a cluster id; a fixed one keeps the output deterministic.
        env.insert("CLUSTER_ID".into(), "c3RhY2tjLWthZmthLTAwMQ".into());
    }
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}
