//! Base and service images, pinned by tag and written literally into the artifacts.

use crate::model::{Resource, ResourceKind, Runtime};

/// Static busybox: health probe and shell inside every generated image.
pub const BUSYBOX: &str = "busybox:1.36.1-musl";
/// The gateway's reverse proxy, and the web server of static sites.
pub const NGINX: &str = "nginx:1.27-alpine";
/// The Docker CLI and a POSIX shell: the Compose recovery supervisor.
pub const DOCKER_CLI: &str = "docker:27.5-cli";

/// The version used when `build.version` is not given.
#[must_use]
pub fn default_version(runtime: Runtime) -> &'static str {
    match runtime {
        Runtime::Node | Runtime::Static => "22",
        Runtime::Python => "3.12",
        Runtime::Go => "1.23",
        Runtime::Rust => "1.83",
        Runtime::Java => "21",
        Runtime::Dockerfile => "",
    }
}

/// The (build stage, runtime stage) images of a runtime at a version.
#[must_use]
pub fn runtime_images(runtime: Runtime, version: &str) -> (String, String) {
    match runtime {
        Runtime::Python => (
            format!("python:{version}-slim-bookworm"),
            format!("python:{version}-slim-bookworm"),
        ),
        Runtime::Node => (
            format!("node:{version}-bookworm-slim"),
            format!("node:{version}-bookworm-slim"),
        ),
        Runtime::Static => (format!("node:{version}-bookworm-slim"), NGINX.to_owned()),
        Runtime::Go => (
            format!("golang:{version}-bookworm"),
            "gcr.io/distroless/static-debian12:nonroot".to_owned(),
        ),
        Runtime::Rust => (
            format!("rust:{version}-slim-bookworm"),
            "gcr.io/distroless/cc-debian12:nonroot".to_owned(),
        ),
        Runtime::Java => (
            format!("maven:3.9-eclipse-temurin-{version}"),
            format!("eclipse-temurin:{version}-jre"),
        ),
        Runtime::Dockerfile => (String::new(), String::new()),
    }
}

/// The image a resource runs: the spec's `image`, else the type's official image at the version.
#[must_use]
pub fn resource_image(resource: &Resource) -> String {
    if let Some(image) = &resource.image {
        return image.clone();
    }
    default_resource_image(resource.kind, &resource.version)
}

/// The official image of a resource type at a version.
#[must_use]
pub fn default_resource_image(kind: ResourceKind, v: &str) -> String {
    match kind {
        ResourceKind::Postgres => format!("postgres:{v}"),
        ResourceKind::Mysql => format!("mysql:{v}"),
        ResourceKind::Mariadb => format!("mariadb:{v}"),
        ResourceKind::Mongodb => format!("mongo:{v}"),
        ResourceKind::Redis => format!("redis:{v}"),
        ResourceKind::Rabbitmq => format!("rabbitmq:{v}-management"),
        ResourceKind::Kafka => format!("apache/kafka:{v}"),
        ResourceKind::Volume => String::new(),
    }
}
