//! The gateway: a generated nginx serving the routes, published on the gateway port.

use minijinja::Value;
use minijinja::value::Serde;
use serde::Serialize;

use super::file::{DependsOn, Healthcheck, Service};
use super::{EDGE_NETWORK, PROBE_SERVICE, PROBE_VOLUME, condition};
use crate::compile::Compiled;
use crate::model::{Cors, Gateway};
use crate::targets::{images, templates};
use crate::units::Port;

pub const SERVICE: &str = "stackc-gateway";
pub const CONFIG: &str = "compose/gateway/nginx.conf";
const LISTEN: u16 = 8080;

#[derive(Serialize)]
struct RouteView {
    prefix: String,
    location: String,
    regex: String,
    service: String,
    port: u16,
    strip_prefix: bool,
}

#[derive(Serialize)]
struct CorsView {
    origins: Vec<String>,
    default_origin: String,
    methods: String,
    headers: String,
    credentials: bool,
    max_age: u64,
}

/// Route prefixes as regex locations, longest first, each matching the prefix itself or below it
/// (`/api` matches `/api` and `/api/x`, not `/apix`); `/` is the plain fallback location.
pub fn config(compiled: &Compiled, spec_file: &str) -> String {
    let model = &compiled.model;
    let routes: Vec<RouteView> = model
        .routes
        .iter()
        .map(|r| {
            let regex = regex_escape(&r.prefix);
            let location = if r.prefix == "/" {
                "/".to_owned()
            } else {
                format!("~ ^{regex}(/|$)")
            };
            let port = model.services[&r.service].port.map_or(0, Port::get);
            RouteView {
                prefix: r.prefix.clone(),
                location,
                regex: if r.prefix == "/" {
                    String::new()
                } else {
                    regex
                },
                service: r.service.to_string(),
                port,
                strip_prefix: r.strip_prefix && r.prefix != "/",
            }
        })
        .collect();
    let cors = model
        .gateway
        .as_ref()
        .and_then(|g| g.cors.as_ref())
        .map(cors_view);
    templates::render(
        "nginx.conf.j2",
        minijinja::context! {
            spec_file,
            stack => model.name.as_str(),
            listen => LISTEN,
            routes => Value::from(Serde(&routes)),
            cors => Value::from(Serde(&cors)),
        },
    )
}

fn cors_view(cors: &Cors) -> CorsView {
    let wildcard = cors.origins.iter().any(|o| o == "*");
    CorsView {
        origins: cors.origins.iter().filter(|o| *o != "*").cloned().collect(),
        default_origin: if wildcard { "*".into() } else { String::new() },
        methods: cors.methods.join(", "),
        // Without a list, the headers the browser asks for are allowed.
        headers: if cors.headers.is_empty() {
            "$http_access_control_request_headers".into()
        } else {
            format!("\"{}\"", cors.headers.join(", "))
        },
        credentials: cors.credentials,
        max_age: cors.max_age.map_or(600, |d| d.as_millis() / 1000),
    }
}

fn regex_escape(prefix: &str) -> String {
    prefix.chars().fold(String::new(), |mut out, c| {
        if !(c.is_ascii_alphanumeric() || matches!(c, '/' | '-' | '_' | '~' | '%')) {
            out.push('\\');
        }
        out.push(c);
        out
    })
}

pub fn service(compiled: &Compiled, gateway: &Gateway) -> Service {
    let model = &compiled.model;
    let mut svc = Service {
        image: Some(images::NGINX.to_owned()),
        command: Some(["nginx", "-g", "daemon off;"].map(str::to_owned).to_vec()),
        user: Some("10001:10001".into()),
        ports: vec![format!("{}:{LISTEN}", gateway.port)],
        volumes: vec![
            format!("./gateway/nginx.conf:/etc/nginx/nginx.conf:ro"),
            format!("{PROBE_VOLUME}:/stackc:ro"),
        ],
        tmpfs: vec!["/tmp".into()],
        read_only: true,
        healthcheck: Some(Healthcheck {
            test: [
                "CMD",
                crate::targets::probe::FROM_VOLUME,
                "wget",
                "-q",
                "-O",
                "/dev/null",
                "http://127.0.0.1:8080/.stackc/health",
            ]
            .map(str::to_owned)
            .to_vec(),
            interval: "5s".into(),
            timeout: "3s".into(),
            retries: 5,
            start_period: Some("2s".into()),
        }),
        restart: "unless-stopped",
        cap_drop: vec!["ALL"],
        security_opt: vec!["no-new-privileges:true"],
        networks: vec![EDGE_NETWORK.into()],
        ..Service::default()
    };
    svc.depends_on.insert(
        PROBE_SERVICE.into(),
        DependsOn {
            condition: "service_completed_successfully",
        },
    );
    for route in &model.routes {
        let target = &model.services[&route.service];
        let cond = if target.health.is_some() {
            crate::model::Condition::Healthy
        } else {
            crate::model::Condition::Started
        };
        svc.depends_on.insert(
            route.service.to_string(),
            DependsOn {
                condition: condition(cond),
            },
        );
    }
    svc
}
