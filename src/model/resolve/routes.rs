//! Routes and the gateway that serves them.

use std::collections::BTreeMap;
use std::ops::Range;

use super::{Entity, Resolver, checks, names};
use crate::diagnostics::{Code, Diagnostic};
use crate::model::{Cors, Gateway, Route, Tls};
use crate::spec::{CorsSpec, HostsSpec, RouteSpec, Sp, TlsSpec};
use crate::units::{Duration, Port, SecretName};

impl Resolver<'_> {
    pub(super) fn routes_and_gateway(&mut self) -> (Vec<Route>, Option<Gateway>) {
        let mut routes = Vec::new();
        let mut seen: BTreeMap<String, Range<usize>> = BTreeMap::new();
        let entries = self
            .spec
            .routes
            .as_ref()
            .map(|r| r.get().as_slice())
            .unwrap_or_default();
        for (prefix, target) in entries {
            let Some(normal) = self.route_prefix(prefix) else {
                continue;
            };
            if let Some(first) = seen.get(&normal) {
                self.push(
                    Diagnostic::error(
                        Code::DuplicateRoute,
                        format!("route `{}` duplicates route `{normal}`", prefix.get()),
                    )
                    .at(prefix.span(), "duplicate route")
                    .at(first.clone(), "first defined here")
                    .help("a trailing `/` does not make a different route; keep one of them"),
                );
                continue;
            }
            seen.insert(normal.clone(), prefix.span());
            let (service, strip_prefix) = match target.get() {
                RouteSpec::Short(name) => (Sp::new(target.span(), name.clone()), false),
                RouteSpec::Table {
                    service,
                    strip_prefix,
                } => (
                    service.clone(),
                    strip_prefix.as_ref().is_some_and(|s| *s.get()),
                ),
            };
            // An invalid service name is reported where the service is defined.
            if let (true, Ok(service_name)) =
                (self.route_target(&normal, &service), service.get().parse())
            {
                routes.push(Route {
                    prefix: normal,
                    service: service_name,
                    strip_prefix,
                });
            }
        }
        // Longest prefix first: the order every target's matcher wants.
        routes.sort_by(|a, b| {
            b.prefix
                .len()
                .cmp(&a.prefix.len())
                .then_with(|| a.prefix.cmp(&b.prefix))
        });
        let gateway = self.gateway(!entries.is_empty());
        (routes, gateway)
    }

    fn route_prefix(&mut self, prefix: &Sp<String>) -> Option<String> {
        let p = prefix.get();
        let problem = route_problem(p);
        if let Some((message, help)) = problem {
            self.push(
                Diagnostic::error(Code::InvalidRoute, message)
                    .at(prefix.span(), "invalid route")
                    .help(help),
            );
            return None;
        }
        Some(if p.len() > 1 {
            p.trim_end_matches('/').to_owned()
        } else {
            p.clone()
        })
    }

    /// A route must reach a service with a port.
    fn route_target(&mut self, prefix: &str, service: &Sp<String>) -> bool {
        let name = service.get();
        match self.index.get(name.as_str()).copied() {
            Some(Entity::Service(s)) if s.port.is_some() => true,
            Some(Entity::Service(_)) => {
                self.push(
                    Diagnostic::error(
                        Code::RouteTarget,
                        format!("route `{prefix}` goes to service `{name}`, which has no `port`"),
                    )
                    .at(service.span(), "no port to route to")
                    .help(format!("add `port = …` to service `{name}`")),
                );
                false
            }
            Some(other) => {
                self.push(
                    Diagnostic::error(
                        Code::RouteTarget,
                        format!(
                            "route `{prefix}` goes to {} `{name}`; routes go to services",
                            other.describe()
                        ),
                    )
                    .at(service.span(), "not a service"),
                );
                false
            }
            None => {
                let names = names(&self.spec.services);
                self.unknown("service", name, service.span(), &names);
                false
            }
        }
    }

    fn gateway(&mut self, has_routes: bool) -> Option<Gateway> {
        let spec = self.spec.gateway.as_ref();
        if let (Some(g), false) = (spec, has_routes) {
            self.push(
                Diagnostic::warning(
                    Code::GatewayWithoutRoutes,
                    "[gateway] is set but there are no [routes]",
                )
                .at(g.span(), "nothing to serve")
                .help("add `[routes]` such as `\"/\" = \"web\"`, or remove [gateway]"),
            );
            return None;
        }
        if !has_routes {
            return None;
        }
        let port = match spec.and_then(|g| g.port.as_ref()) {
            Some(p) => self.port(p)?,
            None => Port::try_from(i64::from(Gateway::DEFAULT_PORT)).expect("valid default"),
        };
        let hosts = match spec.and_then(|g| g.host.as_ref()) {
            Some(h) => self.hosts(h)?,
            None => Vec::new(),
        };
        let cors = match spec.and_then(|g| g.cors.as_ref()) {
            Some(c) => Some(self.cors(c)?),
            None => None,
        };
        let tls = match spec.and_then(|g| g.tls.as_ref()) {
            // An invalid `[gateway.tls]` is reported; the spec then builds nothing.
            Some(t) => self.tls(t),
            None => None,
        };
        Some(Gateway {
            port,
            hosts,
            hosts_span: spec.and_then(|g| g.host.as_ref()).map(Sp::span),
            cors,
            tls,
        })
    }

    /// `host`: one name or several, each a valid host name, none twice. `None` when any is
    /// invalid (reported, each at its own span).
    fn hosts(&mut self, spec: &Sp<HostsSpec>) -> Option<Vec<String>> {
        let names: Vec<(String, Range<usize>)> = match spec.get() {
            HostsSpec::One(name) => vec![(name.clone(), spec.span())],
            HostsSpec::Many(names) => names.iter().map(|n| (n.get().clone(), n.span())).collect(),
        };
        if names.is_empty() {
            self.error(
                Code::InvalidGateway,
                "`host` is an empty array",
                spec.span(),
                "no host names",
            );
            return None;
        }
        let mut ok = true;
        let mut seen = std::collections::BTreeSet::new();
        for (name, span) in &names {
            if name.parse::<std::net::Ipv4Addr>().is_ok() {
                ok = false;
                self.push(
                    Diagnostic::error(Code::InvalidGateway, format!("`{name}` is an IP address, not a host name"))
                        .at(span.clone(), "an address")
                        .help("Ingress hosts, load balancer host conditions and certificates name hosts: leave `host` out to serve requests for any host (and any address)"),
                );
            } else if let Err(why) = checks::host_name(name) {
                ok = false;
                self.error(Code::InvalidGateway, why, span.clone(), "invalid host");
            } else if !seen.insert(name.as_str()) {
                ok = false;
                self.error(
                    Code::InvalidGateway,
                    format!("`{name}` is listed twice in `host`"),
                    span.clone(),
                    "again",
                );
            }
        }
        ok.then(|| names.into_iter().map(|(n, _)| n).collect())
    }

    /// Where a table's keys are written: an inline table's own span, or from a `[header]` to the
    /// next header.
    fn table_region(&self, span: Range<usize>) -> Range<usize> {
        if !self.text[span.clone()].starts_with('[') {
            return span;
        }
        let end = self.text[span.end..]
            .find("\n[")
            .map_or(self.text.len(), |i| span.end + i);
        span.start..end
    }

    /// `[gateway.tls]`: `None` when turned off or invalid (reported). Each target checks for its own
    /// source.
    fn tls(&mut self, spec: &Sp<TlsSpec>) -> Option<Tls> {
        let enabled = spec.enabled.as_ref().is_none_or(|e| *e.get());
        if !enabled {
            // An environment turning off the TLS of its base inherits the base's keys (TOML cannot
            // unset them): only keys written beside `enabled = false`, in the same table, are errors.
            let declared = self.table_region(spec.span());
            let beside = |span: &Range<usize>| declared.contains(&span.start);
            if !spec.enabled.as_ref().is_some_and(|e| beside(&e.span())) {
                return None;
            }
            for (key, set) in [
                (
                    "redirect",
                    spec.redirect.as_ref().filter(|r| *r.get()).map(Sp::span),
                ),
                ("hsts", spec.hsts.as_ref().map(Sp::span)),
            ] {
                if let Some(span) = set.filter(beside) {
                    self.push(
                        Diagnostic::error(Code::InvalidTls, format!("`{key}` needs TLS, which is turned off"))
                            .at(span, format!("{key} without TLS"))
                            .help("remove it, or turn TLS on (`enabled = true`, with a certificate source)"),
                    );
                }
            }
            return None;
        }
        let self_signed = spec.self_signed.as_ref().is_some_and(|s| *s.get());
        if !self_signed
            && spec.secret.is_none()
            && spec.issuer.is_none()
            && spec.certificate_arn.is_none()
        {
            self.push(
                Diagnostic::error(Code::InvalidTls, "TLS needs a certificate source")
                    .at(spec.span(), "no certificate")
                    .help("Compose: `self_signed = true` or `secret = \"<name>\"` (files <name>.crt and <name>.key); Kubernetes: `secret` (a TLS Secret) or `issuer` (cert-manager); ECS: `certificate_arn` (ACM)"),
            );
            return None;
        }
        let mut ok = true;
        let secret = match &spec.secret {
            Some(s) => match s.get().parse::<SecretName>() {
                Ok(name) => Some(name),
                Err(why) => {
                    ok = false;
                    self.error(Code::InvalidTls, why, s.span(), "invalid secret name");
                    None
                }
            },
            None => None,
        };
        // A ClusterIssuer is named like a Secret (a DNS subdomain).
        if let Some(issuer) = &spec.issuer
            && let Err(why) = issuer.get().parse::<SecretName>()
        {
            ok = false;
            self.error(Code::InvalidTls, why, issuer.span(), "invalid issuer name");
        }
        if let Some(arn) = &spec.certificate_arn
            && !checks::acm_certificate_arn(arn.get())
        {
            ok = false;
            self.push(
                Diagnostic::error(
                    Code::InvalidTls,
                    format!("`{}` is not an ACM certificate ARN", arn.get().escape_debug()),
                )
                .at(arn.span(), "not arn:aws:acm:…:certificate/…")
                .help("the form is `arn:aws:acm:<region>:<12-digit account>:certificate/<id>` (ACM console, or `aws acm list-certificates`)"),
            );
        }
        let hsts = match &spec.hsts {
            Some(h) => Some(self.parse::<Duration>(h, Code::InvalidDuration, "duration")?),
            None => None,
        };
        let port = match &spec.port {
            Some(p) => self.port(p)?,
            None => Port::try_from(i64::from(Gateway::DEFAULT_TLS_PORT)).expect("valid default"),
        };
        ok.then(|| Tls {
            self_signed,
            secret,
            issuer: spec.issuer.as_ref().map(|i| i.get().clone()),
            certificate_arn: spec.certificate_arn.as_ref().map(|a| a.get().clone()),
            redirect: spec.redirect.as_ref().is_none_or(|r| *r.get()),
            hsts,
            port,
            span: spec.span(),
        })
    }

    fn cors(&mut self, spec: &Sp<CorsSpec>) -> Option<Cors> {
        let mut ok = true;
        if spec.origins.is_empty() {
            ok = false;
            self.push(
                Diagnostic::error(Code::InvalidGateway, "CORS needs at least one origin")
                    .at(spec.span(), "no `origins`")
                    .help("add `origins = [\"https://app.example.com\"]`"),
            );
        }
        for origin in &spec.origins {
            if let Err(why) = checks::cors_origin(origin.get()) {
                ok = false;
                self.error(Code::InvalidGateway, why, origin.span(), "invalid origin");
            }
        }
        if spec.credentials && spec.origins.iter().any(|o| o.get() == "*") {
            ok = false;
            self.push(
                Diagnostic::error(
                    Code::InvalidGateway,
                    "CORS with credentials cannot allow every origin (`*`)",
                )
                .at(spec.span(), "credentials with `*`")
                .help("browsers reject this combination; list the origins"),
            );
        }
        let mut methods = Vec::new();
        for method in &spec.methods {
            let upper = method.get().to_ascii_uppercase();
            if checks::HTTP_METHODS.contains(&upper.as_str()) {
                if !methods.contains(&upper) {
                    methods.push(upper);
                }
            } else {
                ok = false;
                self.push(
                    Diagnostic::error(
                        Code::InvalidGateway,
                        format!("`{}` is not an HTTP method", method.get()),
                    )
                    .at(method.span(), "unknown method")
                    .suggest(&upper, checks::HTTP_METHODS)
                    .with_default_help(format!("methods: {}", checks::HTTP_METHODS.join(", "))),
                );
            }
        }
        if methods.is_empty() {
            methods = vec!["GET".into(), "HEAD".into(), "POST".into()];
        }
        let mut headers = Vec::new();
        for header in &spec.headers {
            let valid = !header.get().is_empty()
                && header
                    .get()
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-');
            if valid {
                headers.push(header.get().clone());
            } else {
                ok = false;
                self.error(
                    Code::InvalidGateway,
                    format!("`{}` is not a header name", header.get()),
                    header.span(),
                    "invalid header",
                );
            }
        }
        let max_age = match &spec.max_age {
            Some(m) => Some(self.parse::<Duration>(m, Code::InvalidDuration, "duration")?),
            None => None,
        };
        ok.then(|| Cors {
            origins: spec.origins.iter().map(|o| o.get().clone()).collect(),
            methods,
            headers,
            credentials: spec.credentials,
            max_age,
        })
    }
}

impl Resolver<'_> {
    /// Host ports (gateway and `publish`) must not collide: compose could not start the stack.
    pub(super) fn host_ports(&mut self) {
        let mut claims: Vec<(i64, Range<usize>, String)> = Vec::new();
        if !self.spec.routes.as_ref().is_none_or(|r| r.get().is_empty()) {
            let gw = self.spec.gateway.as_ref();
            match gw.and_then(|g| g.port.as_ref()) {
                Some(p) => claims.push((*p.get(), p.span(), "the gateway".into())),
                None => {
                    if let Some(g) = gw {
                        claims.push((
                            i64::from(Gateway::DEFAULT_PORT),
                            g.span(),
                            "the gateway (default port 80)".into(),
                        ));
                    }
                }
            }
        }
        if let Some(tls) = self
            .spec
            .gateway
            .as_ref()
            .and_then(|g| g.tls.as_ref())
            .filter(|t| t.enabled.as_ref().is_none_or(|e| *e.get()))
            .filter(|_| !self.spec.routes.as_ref().is_none_or(|r| r.get().is_empty()))
        {
            match &tls.port {
                Some(p) => claims.push((*p.get(), p.span(), "the gateway's HTTPS".into())),
                None => claims.push((
                    i64::from(Gateway::DEFAULT_TLS_PORT),
                    tls.span(),
                    "the gateway's HTTPS (default port 443)".into(),
                )),
            }
        }
        for (name, s) in &self.spec.services {
            if let Some(p) = &s.publish {
                claims.push((*p.get(), p.span(), format!("service `{}`", name.get())));
            }
            for np in &s.ports {
                if let Some(p) = &np.publish {
                    claims.push((
                        *p.get(),
                        p.span(),
                        format!("service `{}` port `{}`", name.get(), np.name.get()),
                    ));
                }
            }
        }
        for (name, r) in &self.spec.resources {
            if let (Some(p), false) = (&r.publish, r.external.as_ref().is_some_and(|e| *e.get())) {
                claims.push((*p.get(), p.span(), format!("resource `{}`", name.get())));
            }
        }
        let mut seen: BTreeMap<i64, (Range<usize>, String)> = BTreeMap::new();
        for (port, span, who) in claims {
            if let Some((first_span, first)) = seen.get(&port) {
                self.push(
                    Diagnostic::error(
                        Code::DuplicatePort,
                        format!("host port {port} is published twice: by {first} and by {who}"),
                    )
                    .at(span, format!("{who} publishes {port}"))
                    .at(first_span.clone(), format!("{first} publishes {port}")),
                );
            } else {
                seen.insert(port, (span, who));
            }
        }
    }
}

/// The characters a route may hold besides letters and digits: those of a URL path (RFC 3986) that
/// every gateway matches literally. nginx, ALB path patterns and Gateway API's `PathPrefix` all take
/// these; `%` is out (nginx matches the decoded path, ALB refuses it), and so are `*` and `?` (ALB
/// wildcards), `( ) , ; = !` (not in ALB patterns), and everything not in a URL path at all.
pub const ROUTE_PUNCTUATION: &str = "/-._~$&'+:@";

/// ALB path patterns hold 128 characters; the ECS target adds `/*` to the prefix.
pub const ROUTE_MAX_LEN: usize = 126;

/// Why a route is not a plain path prefix every target can serve, with a help text; `None` if it is.
fn route_problem(p: &str) -> Option<(String, String)> {
    let plain = "write a path prefix such as \"/api\"";
    if !p.starts_with('/') {
        return Some((
            format!("route `{p}` must start with `/`"),
            format!("did you mean `/{p}`?"),
        ));
    }
    if p.contains("//") {
        return Some((
            format!("route `{p}` has an empty path segment"),
            plain.into(),
        ));
    }
    if let Some(c) = p
        .chars()
        .find(|c| !c.is_ascii_alphanumeric() && !ROUTE_PUNCTUATION.contains(*c))
    {
        let why = match c {
            '%' => {
                "percent-encoding; gateways match the decoded path, so write the character itself if it is allowed"
            }
            '*' | '?' => {
                "a wildcard; routes are plain path prefixes, matching everything below them"
            }
            '#' => "a URL fragment, which browsers never send",
            _ => {
                "a character that cannot be matched literally by every gateway (nginx, ALB, Gateway API)"
            }
        };
        let shown = match c {
            ' ' => "a space".to_owned(),
            c if c.is_ascii_graphic() => format!("`{c}`"),
            c => format!("{c:?}"),
        };
        return Some((
            format!("route `{}` contains {shown}: {why}", printable(p)),
            format!("routes use letters, digits and `{ROUTE_PUNCTUATION}`"),
        ));
    }
    if p.split('/')
        .any(|segment| segment == "." || segment == "..")
    {
        return Some((
            format!("route `{p}` has a `.` or `..` segment, which gateways remove before matching"),
            plain.into(),
        ));
    }
    if p.len() > ROUTE_MAX_LEN {
        return Some((
            format!(
                "route `{p}` is {} characters long; routes have at most {ROUTE_MAX_LEN}",
                p.len()
            ),
            "an Application Load Balancer path pattern holds 128 characters, `/*` included".into(),
        ));
    }
    None
}

/// A route for a message: control characters escaped (`\t`), everything else as written.
fn printable(route: &str) -> String {
    route
        .chars()
        .map(|c| {
            if c.is_control() {
                c.escape_debug().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::route_problem;

    #[test]
    fn routes_are_plain_path_prefixes() {
        for ok in [
            "/",
            "/api",
            "/api/",
            "/v1.2",
            "/c++",
            "/~alice",
            "/@scope/pkg",
            "/a:b",
            "/$x",
            "/a&b",
            "/it's",
            "/A_b-C",
        ] {
            assert!(route_problem(ok).is_none(), "{ok}");
        }
        for bad in [
            "api",
            "//",
            "/a//b",
            "/a b",
            "/a\tb",
            "/a\nb",
            "/a\"b",
            "/a;b",
            "/a{b}",
            "/a#b",
            "/a?b",
            "/a*",
            "/a%20b",
            "/(a|b)",
            "/a,b",
            "/a=b",
            "/a!",
            "/a\\b",
            "/a<b>",
            "/a`b",
            "/a^b",
            "/caf\u{e9}",
            "/a/../b",
            "/.",
            "/a/..",
            "/./a",
        ] {
            assert!(route_problem(bad).is_some(), "{bad:?}");
        }
        assert!(route_problem(&format!("/{}", "a".repeat(125))).is_none());
        assert!(route_problem(&format!("/{}", "a".repeat(126))).is_some());
    }
}
