//! Resources as compose services: official images, their native health checks, data volumes, and
//! credentials passed as compose secrets (the images' `*_FILE` variables).

use super::file::{Deploy, Healthcheck, Resources, Service, VolumeMount};
use super::{DATA_NETWORK, limits};
use crate::model::{Resource, ResourceKind};
use crate::targets::engines::{self, KAFKA_EXTERNAL_PORT};
use crate::targets::images::resource_image;
use crate::targets::outputs::{SecretLedger, resource_port};

/// The named volume holding a resource's data.
pub fn data_volume(resource: &Resource) -> String {
    format!("{}-data", resource.name)
}

pub fn service(resource: &Resource, secrets: &mut SecretLedger) -> Service {
    let mut env = engines::environment(resource);
    let mut command = engines::command(resource);
    let mut used_secrets = Vec::new();
    if let Some(var) = engines::credentials(resource.kind).password {
        let secret = secrets.password(resource);
        let file = format!("/run/secrets/{secret}");
        if resource.kind == ResourceKind::Rabbitmq {
            // The image reads the password from the environment only: load it from the file first.
            command = Some(vec![
                "sh".into(),
                "-c".into(),
                format!("{var}=\"$(cat {file})\" exec docker-entrypoint.sh rabbitmq-server"),
            ]);
        } else {
            env.insert(format!("{var}_FILE"), file);
        }
        used_secrets.push(secret);
    }
    let mut test = vec!["CMD".to_owned()];
    test.extend(engines::health_check(resource));
    let port = resource_port(resource);
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
        image: Some(resource_image(resource)),
        command,
        environment: env,
        secrets: used_secrets,
        ports,
        volumes: vec![VolumeMount::Short(format!(
            "{}:{}",
            data_volume(resource),
            resource.kind.data_path().unwrap_or("/data")
        ))],
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
