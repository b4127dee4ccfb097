//! How each resource type's official image is configured and checked, shared by every target that runs
//! resources: the variables naming the user, database and password, the native health check, and the
//! command line where the image needs one.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::model::{Resource, ResourceKind};
use crate::targets::images::resource_image;
use crate::targets::outputs::resource_port;

/// The variables an image reads its credentials from (the password one takes the value itself; images
/// that support it also read `<VAR>_FILE`).
pub struct Credentials {
    pub user: Option<&'static str>,
    pub database: Option<&'static str>,
    pub password: Option<&'static str>,
}

#[must_use]
pub fn credentials(kind: ResourceKind) -> Credentials {
    let (user, database, password) = match kind {
        ResourceKind::Postgres => (
            Some("POSTGRES_USER"),
            Some("POSTGRES_DB"),
            Some("POSTGRES_PASSWORD"),
        ),
        ResourceKind::Mysql => (
            Some("MYSQL_USER"),
            Some("MYSQL_DATABASE"),
            Some("MYSQL_PASSWORD"),
        ),
        ResourceKind::Mariadb => (
            Some("MARIADB_USER"),
            Some("MARIADB_DATABASE"),
            Some("MARIADB_PASSWORD"),
        ),
        ResourceKind::Mongodb => (
            Some("MONGO_INITDB_ROOT_USERNAME"),
            Some("MONGO_INITDB_DATABASE"),
            Some("MONGO_INITDB_ROOT_PASSWORD"),
        ),
        ResourceKind::Rabbitmq => (
            Some("RABBITMQ_DEFAULT_USER"),
            None,
            Some("RABBITMQ_DEFAULT_PASS"),
        ),
        ResourceKind::Redis | ResourceKind::Kafka | ResourceKind::Volume => (None, None, None),
    };
    Credentials {
        user,
        database,
        password,
    }
}

/// Plain (non-secret) variables the image needs: user and database names, and engine settings.
#[must_use]
pub fn environment(resource: &Resource) -> BTreeMap<String, String> {
    let mut env = BTreeMap::new();
    let c = credentials(resource.kind);
    if let Some(var) = c.user {
        env.insert(var.to_owned(), resource.username().to_owned());
    }
    if let Some(var) = c.database {
        env.insert(var.to_owned(), resource.database());
    }
    match resource.kind {
        ResourceKind::Mysql => {
            env.insert("MYSQL_RANDOM_ROOT_PASSWORD".into(), "yes".into());
        }
        ResourceKind::Mariadb => {
            env.insert("MARIADB_RANDOM_ROOT_PASSWORD".into(), "yes".into());
        }
        ResourceKind::Kafka => kafka(resource, &mut env),
        _ => {}
    }
    env
}

/// The command line, where the image's default is not enough.
#[must_use]
pub fn command(resource: &Resource) -> Option<Vec<String>> {
    match resource.kind {
        // Protected mode refuses every client but loopback when there is no config file; the official
        // image patches that default out, other redis images do not. Resources sit on private networks.
        ResourceKind::Redis => Some(strings(&[
            "redis-server",
            "--appendonly",
            "yes",
            "--protected-mode",
            "no",
        ])),
        _ => None,
    }
}

/// The native health check, as an exec-form command.
#[must_use]
pub fn health_check(resource: &Resource) -> Vec<String> {
    let port = resource_port(resource);
    match resource.kind {
        ResourceKind::Postgres => {
            let (user, db) = (resource.username(), resource.database());
            strings(&["pg_isready", "-h", "127.0.0.1", "-U", user, "-d", &db])
        }
        ResourceKind::Mysql => strings(&["mysqladmin", "ping", "-h", "127.0.0.1", "--silent"]),
        ResourceKind::Mariadb => strings(&["healthcheck.sh", "--connect", "--innodb_initialized"]),
        ResourceKind::Mongodb => {
            strings(&["mongosh", "--quiet", "--eval", "db.adminCommand('ping').ok"])
        }
        ResourceKind::Redis => strings(&["redis-cli", "ping"]),
        ResourceKind::Rabbitmq => strings(&["rabbitmq-diagnostics", "-q", "ping"]),
        ResourceKind::Kafka => {
            let tool = if resource_image(resource).starts_with("confluentinc/") {
                "kafka-broker-api-versions"
            } else {
                "/opt/kafka/bin/kafka-broker-api-versions.sh"
            };
            strings(&[tool, "--bootstrap-server", &format!("127.0.0.1:{port}")])
        }
        ResourceKind::Volume => Vec::new(),
    }
}

/// The listener that clients on the host machine connect to when a broker is published (compose).
pub const KAFKA_EXTERNAL_PORT: u16 = 19092;

/// A single-node `KRaft` broker; with `publish`, a second listener advertised on localhost for host clients.
fn kafka(resource: &Resource, env: &mut BTreeMap<String, String>) {
    let name = resource.name.as_str();
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
    if resource_image(resource).starts_with("confluentinc/") {
        // Confluent's image requires a cluster id; a fixed one keeps the output deterministic.
        env.insert("CLUSTER_ID".into(), "c3RhY2tjLWthZmthLTAwMQ".into());
    }
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}
