//! The gateway: a generated nginx serving the routes, published on the gateway port.

use minijinja::Value;
use minijinja::value::Serde;
use serde::Serialize;

use super::file::{DependsOn, Healthcheck, Service, VolumeMount};
use super::{EDGE_NETWORK, PROBE_SERVICE, PROBE_VOLUME, condition};
use crate::compile::Compiled;
use crate::model::{Cors, Gateway};
use crate::targets::{images, templates};
use crate::units::Port;

pub const SERVICE: &str = "stackc-gateway";
pub const CONFIG: &str = "compose/gateway/nginx.conf";
const LISTEN: u16 = 8080;
/// Where nginx (not root) serves HTTPS inside its container; published on the TLS port.
const TLS_LISTEN: u16 = 8443;

/// The certificate and key files of the gateway's HTTPS, as compose secrets (`/run/secrets/<name>`).
#[derive(Debug, Clone, Serialize)]
pub struct TlsFiles {
    pub certificate: String,
    pub key: String,
    /// Made by `init-secrets.sh` (self-signed) rather than written by the user.
    pub self_signed: bool,
    /// The names the self-signed certificate is for.
    pub hosts: Vec<String>,
    /// The published HTTPS host port.
    pub port: Port,
}

/// The secret files of the gateway's TLS, when it has TLS that Compose can serve.
#[must_use]
pub fn tls_files(gateway: &Gateway) -> Option<TlsFiles> {
    let tls = gateway.tls.as_ref()?;
    // A secret the user provides wins over a made-up certificate.
    let (base, self_signed) = match (&tls.secret, tls.self_signed) {
        (Some(secret), _) => (secret.to_string(), false),
        (None, true) => ("stackc-gateway".to_owned(), true),
        (None, false) => return None,
    };
    let mut hosts: Vec<String> = gateway.hosts.clone();
    if !hosts.iter().any(|h| h == "localhost") {
        hosts.push("localhost".into());
    }
    Some(TlsFiles {
        certificate: format!("{base}.crt"),
        key: format!("{base}.key"),
        self_signed,
        hosts,
        port: tls.port,
    })
}

#[derive(Serialize)]
struct TlsView {
    listen: u16,
    certificate: String,
    key: String,
    redirect: bool,
    /// `:<port>` in the redirect's URL, empty for 443.
    port_suffix: String,
    /// The quoted `Strict-Transport-Security` value, empty without HSTS.
    hsts: String,
}

#[derive(Serialize)]
struct RouteView {
    /// For the comment above the location (a comment ends at the line's end; routes have no newline).
    prefix: String,
    location: String,
    /// The `rewrite` regex stripping the prefix, when it is stripped.
    rewrite: String,
    forwarded_prefix: String,
    /// `service:port`, the value of the upstream variable.
    upstream: String,
    /// The `upstream` block of the service, when the gateway has them (with recovery).
    upstream_name: String,
    service: String,
    port: u16,
    strip_prefix: bool,
}

#[derive(Serialize)]
struct UpstreamView {
    name: String,
    /// The file `stackc-recover` writes the service's healthy replicas to.
    peers: String,
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
            let root = r.prefix == "/";
            let regex = crate::targets::regex::escape(&r.prefix);
            let port = model.services[&r.service].port.map_or(0, Port::get);
            RouteView {
                prefix: r.prefix.clone(),
                location: if root {
                    "/".to_owned()
                } else {
                    format!("~ {}", word(&format!("^{regex}(/|$)"), Reads::Literally))
                },
                rewrite: word(&format!("^{regex}/?(.*)$"), Reads::Literally),
                forwarded_prefix: quoted(&r.prefix, Reads::WithVariables),
                upstream: word(&format!("{}:{port}", r.service), Reads::WithVariables),
                upstream_name: word(&upstream_name(&r.service), Reads::Literally),
                service: r.service.to_string(),
                port,
                strip_prefix: r.strip_prefix && !root,
            }
        })
        .collect();
    // With recovery, named upstreams (one per service) get passive failure detection; without it,
    // nothing would reload nginx, so upstreams are resolved per request instead.
    let mut upstreams: Vec<UpstreamView> = Vec::new();
    if model.targets.compose.recovery {
        for r in &routes {
            if !upstreams.iter().any(|u| u.name == r.upstream_name) {
                upstreams.push(UpstreamView {
                    name: r.upstream_name.clone(),
                    // A glob: nginx accepts no match, so the gateway starts before the first write.
                    peers: word(
                        &format!("{}/{}.con[f]", super::recovery::PEERS_PATH, r.service),
                        Reads::Literally,
                    ),
                });
            }
        }
        upstreams.sort_by(|a, b| a.name.cmp(&b.name));
    }
    let cors = model
        .gateway
        .as_ref()
        .and_then(|g| g.cors.as_ref())
        .map(cors_view);
    let dollar = routes.iter().any(|r| r.forwarded_prefix.contains(DOLLAR))
        || cors.as_ref().is_some_and(|c| {
            [&c.default_origin, &c.methods, &c.headers]
                .iter()
                .any(|v| v.contains(DOLLAR))
        });
    let tls = model.gateway.as_ref().and_then(|g| {
        let files = tls_files(g)?;
        let tls = g.tls.as_ref()?;
        Some(TlsView {
            listen: TLS_LISTEN,
            certificate: word(
                &format!("/run/secrets/{}", files.certificate),
                Reads::Literally,
            ),
            key: word(&format!("/run/secrets/{}", files.key), Reads::Literally),
            redirect: tls.redirect,
            port_suffix: if tls.port.get() == 443 {
                String::new()
            } else {
                format!(":{}", tls.port)
            },
            hsts: tls
                .hsts
                .map(|d| quoted(&format!("max-age={}", d.as_secs_ceil()), Reads::Literally))
                .unwrap_or_default(),
        })
    });
    templates::render(
        "nginx.conf.j2",
        minijinja::context! {
            spec_file,
            tls => Value::from(Serde(&tls)),
            stack => model.name.as_str(),
            listen => LISTEN,
            dollar,
            routes => Value::from(Serde(&routes)),
            upstreams => Value::from(Serde(&upstreams)),
            fail_timeout => super::recovery::FAIL_TIMEOUT,
            cors => Value::from(Serde(&cors)),
        },
    )
}

/// A service's `upstream` block: service names are DNS labels, so the name is a plain nginx word.
fn upstream_name(service: &crate::units::Name) -> String {
    format!("stackc-{service}")
}

fn cors_view(cors: &Cors) -> CorsView {
    let wildcard = cors.origins.iter().any(|o| o == "*");
    CorsView {
        origins: cors
            .origins
            .iter()
            .filter(|o| *o != "*")
            .map(|o| quoted(o, Reads::Literally))
            .collect(),
        default_origin: quoted(if wildcard { "*" } else { "" }, Reads::WithVariables),
        methods: quoted(&cors.methods.join(", "), Reads::WithVariables),
        // Without a list, the headers the browser asks for are allowed.
        headers: if cors.headers.is_empty() {
            "$http_access_control_request_headers".into()
        } else {
            quoted(&cors.headers.join(", "), Reads::WithVariables)
        },
        credentials: cors.credentials,
        max_age: cors.max_age.map_or(600, |d| d.as_millis() / 1000),
    }
}

/// How nginx reads a string of its config: as it is (location and rewrite regexes, map keys), or with
/// `$name` and `${name}` replaced by variables (header values, map values, `return` bodies).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reads {
    Literally,
    WithVariables,
}

/// A literal `$` where nginx expands variables: nginx has no escape for `$`, so the template defines
/// this variable (with `geo`, whose values nginx does not expand) as `$`.
const DOLLAR: &str = "${stackc_dollar}";

/// The one way a value enters nginx.conf: a double-quoted string in which nginx reads exactly `value`
/// (`\` and `"` escaped; `$` as [`DOLLAR`] where nginx would expand it). The model keeps control
/// characters out of every value that gets here.
fn quoted(value: &str, reads: Reads) -> String {
    debug_assert!(!value.chars().any(char::is_control), "{value:?}");
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '\\' | '"' => {
                out.push('\\');
                out.push(c);
            }
            '$' if reads == Reads::WithVariables => out.push_str(DOLLAR),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `value` as a bare word when nginx reads the bare word as exactly `value` (no space, quote, `;`,
/// `{`, `}`, nor a `\` that nginx would take as an escape), else [`quoted`]: most configs stay as a
/// person would write them.
fn word(value: &str, reads: Reads) -> String {
    const SAFE: &str = "/._-~:@+^()|*?=,!&";
    let plain = |c: char| {
        c.is_ascii_alphanumeric() || SAFE.contains(c) || (c == '$' && reads == Reads::Literally)
    };
    let mut chars = value.chars();
    let mut bare = !value.is_empty();
    while bare {
        bare = match chars.next() {
            None => break,
            // nginx unescapes `\"`, `\'`, `\\`, `\t`, `\r`, `\n`; before other punctuation it keeps the `\`.
            Some('\\') => chars
                .next()
                .is_some_and(|n| !n.is_ascii_alphanumeric() && plain(n)),
            Some(c) => plain(c),
        };
    }
    if bare {
        value.to_owned()
    } else {
        quoted(value, reads)
    }
}

pub fn service(compiled: &Compiled, gateway: &Gateway) -> Service {
    let model = &compiled.model;
    let tls = tls_files(gateway);
    let mut svc = Service {
        image: Some(images::NGINX.to_owned()),
        command: Some(["nginx", "-g", "daemon off;"].map(str::to_owned).to_vec()),
        user: Some("10001:10001".into()),
        ports: std::iter::once(format!("{}:{LISTEN}", gateway.port))
            .chain(tls.as_ref().map(|t| format!("{}:{TLS_LISTEN}", t.port)))
            .collect(),
        secrets: tls.map(|f| vec![f.certificate, f.key]).unwrap_or_default(),
        volumes: vec![
            VolumeMount::Short("./gateway/nginx.conf:/etc/nginx/nginx.conf:ro".to_owned()),
            VolumeMount::Short(format!("{PROBE_VOLUME}:/stackc:ro")),
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

#[cfg(test)]
mod tests {
    use super::{DOLLAR, Reads, quoted, word};

    #[test]
    fn quoted_strings_read_back_as_the_value() {
        assert_eq!(quoted("/api", Reads::WithVariables), "\"/api\"");
        assert_eq!(
            quoted("/$host", Reads::WithVariables),
            format!("\"/{DOLLAR}host\"")
        );
        assert_eq!(quoted("^/a$", Reads::Literally), "\"^/a$\"");
        assert_eq!(quoted("a\"b\\c", Reads::Literally), "\"a\\\"b\\\\c\"");
    }

    #[test]
    fn words_stay_bare_only_when_nginx_reads_them_unchanged() {
        assert_eq!(word("^/api(/|$)", Reads::Literally), "^/api(/|$)");
        assert_eq!(word("^/v1\\.2/?(.*)$", Reads::Literally), "^/v1\\.2/?(.*)$");
        assert_eq!(word("^/c\\+\\+(/|$)", Reads::Literally), "^/c\\+\\+(/|$)");
        // `\'` would be unescaped by nginx, a quote would open a string: quoted instead.
        assert_eq!(
            word("^/it\\'s(/|$)", Reads::Literally),
            "\"^/it\\\\'s(/|$)\""
        );
        assert_eq!(word("a b", Reads::Literally), "\"a b\"");
        assert_eq!(word("a;b", Reads::Literally), "\"a;b\"");
        assert_eq!(word("{a}", Reads::Literally), "\"{a}\"");
        assert_eq!(word("/$x", Reads::WithVariables), format!("\"/{DOLLAR}x\""));
        assert_eq!(word("", Reads::Literally), "\"\"");
    }
}
