//! Small syntactic checks of strings the targets pass on verbatim.

use std::ops::Range;

/// A container image reference: `[host[:port]/]path[:tag][@digest]`, lowercase path components.
pub fn image_reference(image: &str) -> Result<(), String> {
    let bad = |why: &str| Err(format!("`{image}` is not a valid image reference: {why}"));
    if image.is_empty() {
        return bad("it is empty");
    }
    if image.chars().any(char::is_whitespace) {
        return bad("it contains whitespace");
    }
    let (name, digest) = image
        .split_once('@')
        .map_or((image, None), |(n, d)| (n, Some(d)));
    if let Some(d) = digest {
        let valid = d.split_once(':').is_some_and(|(alg, hex)| {
            !alg.is_empty() && hex.len() >= 32 && hex.chars().all(|c| c.is_ascii_hexdigit())
        });
        if !valid {
            return bad("the digest must look like `sha256:<hex>`");
        }
    }
    let last_slash = name.rfind('/').map_or(0, |i| i + 1);
    let (path, tag) = match name[last_slash..].rfind(':') {
        Some(i) => (&name[..last_slash + i], Some(&name[last_slash + i + 1..])),
        None => (name, None),
    };
    if tag.is_some_and(|t| image_tag(t).is_err()) {
        return bad("the tag may hold letters, digits, `_`, `.` and `-` (at most 128)");
    }
    let mut components: Vec<&str> = path.split('/').collect();
    if components.len() > 1 && is_registry_host(components[0]) {
        components.remove(0); // a registry host, which may have a port and capitals
    }
    for c in components {
        let valid = !c.is_empty()
            && c.starts_with(|ch: char| ch.is_ascii_lowercase() || ch.is_ascii_digit())
            && c.ends_with(|ch: char| ch.is_ascii_lowercase() || ch.is_ascii_digit())
            && c.chars().all(|ch| {
                ch.is_ascii_lowercase() || ch.is_ascii_digit() || matches!(ch, '.' | '_' | '-')
            });
        if !valid {
            return bad(
                "repository names use lowercase letters, digits and `.`, `_`, `-` separators",
            );
        }
    }
    Ok(())
}

/// An image tag (the part after `:`): what every registry and engine accepts.
pub fn image_tag(tag: &str) -> Result<(), String> {
    let valid = !tag.is_empty()
        && tag.len() <= 128
        && !tag.starts_with(['.', '-'])
        && tag
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
    if valid {
        Ok(())
    } else {
        Err(format!(
            "`{tag}` is not an image tag: use at most 128 letters, digits, `_`, `.` and `-`, not starting with `.` or `-`"
        ))
    }
}

/// Where built images are pushed: a registry host with an optional path (`ghcr.io/acme`,
/// `123456789012.dkr.ecr.eu-west-1.amazonaws.com`), no scheme and no tag. Valid exactly when the image
/// references a target makes of it (`<registry>/<stack>/<name>:<tag>`) are valid.
pub fn registry(registry: &str) -> Result<(), String> {
    let bad = |why: &str| Err(format!("`{registry}` is not a registry: {why}"));
    if registry.contains("://") {
        return bad("write it without a scheme, such as \"ghcr.io/acme\"");
    }
    if registry.ends_with('/') || registry.starts_with('/') {
        return bad("write it without a leading or trailing `/`");
    }
    // `host:port` is a registry; `host/path:tag` is an image.
    let tagged = registry
        .split_once('/')
        .is_some_and(|(_, path)| path.contains(':'));
    if registry.contains('@') || tagged {
        return bad("a registry has no tag or digest; set `image_tag` instead");
    }
    match image_reference(&format!("{registry}/stackc")) {
        Ok(()) => Ok(()),
        Err(_) => bad(
            "use a host (with an optional `:port`) and lowercase path components, such as \"123456789012.dkr.ecr.eu-west-1.amazonaws.com\"",
        ),
    }
}

/// `registry.example.com`, `localhost`, `host:5000`: a first path component that names a registry.
fn is_registry_host(component: &str) -> bool {
    let (host, port) = component
        .split_once(':')
        .map_or((component, None), |(h, p)| (h, Some(p)));
    let port_ok = port.is_none_or(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()));
    let looks_like_host = host.contains('.') || host == "localhost" || port.is_some();
    looks_like_host
        && port_ok
        && !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-'))
}

/// A port name as Kubernetes accepts it (IANA service name): at most 15 characters, a letter somewhere.
pub fn port_name(name: &str) -> Result<(), String> {
    let valid = !name.is_empty()
        && name.len() <= 15
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && name.chars().any(|c| c.is_ascii_lowercase())
        && !name.starts_with('-')
        && !name.ends_with('-')
        && !name.contains("--");
    if valid {
        Ok(())
    } else {
        Err(format!(
            "`{name}` is not a valid port name: at most 15 lowercase letters, digits and single `-`, with at least one letter"
        ))
    }
}

/// A DNS host name, optionally with a leading `*.` wildcard.
pub fn host_name(host: &str) -> Result<(), String> {
    let body = host.strip_prefix("*.").unwrap_or(host);
    let valid = !body.is_empty()
        && host.len() <= 253
        && body
            .split('.')
            .all(|label| label.parse::<crate::units::Name>().is_ok());
    if valid {
        Ok(())
    } else {
        Err(format!(
            "`{host}` is not a valid host name (lowercase DNS labels separated by `.`)"
        ))
    }
}

/// The region of an ACM certificate ARN (its fourth field): a load balancer serves certificates of
/// its own region only.
#[must_use]
pub fn acm_certificate_region(arn: &str) -> Option<&str> {
    arn.split(':').nth(3)
}

/// An ACM certificate ARN: `arn:<partition>:acm:<region>:<12-digit account>:certificate/<id>`.
#[must_use]
pub fn acm_certificate_arn(arn: &str) -> bool {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [arn_, partition, service, region, account, resource] = parts.as_slice() else {
        return false;
    };
    let word = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    };
    *arn_ == "arn"
        && partition.starts_with("aws")
        && word(partition)
        && *service == "acm"
        && word(region)
        && account.len() == 12
        && account.bytes().all(|b| b.is_ascii_digit())
        && resource.strip_prefix("certificate/").is_some_and(|id| {
            !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

/// A CORS origin: `*`, or `scheme://host[:port]` with no path.
pub fn cors_origin(origin: &str) -> Result<(), String> {
    if origin == "*" {
        return Ok(());
    }
    let bad = || {
        Err(format!(
            "`{origin}` is not an origin; write `https://host[:port]` (no path) or `*`"
        ))
    };
    let Some((scheme, rest)) = origin.split_once("://") else {
        return bad();
    };
    if !matches!(scheme, "http" | "https") || rest.is_empty() || rest.contains('/') {
        return bad();
    }
    let host = match rest.rsplit_once(':') {
        Some((h, port)) if port.parse::<u16>().is_ok_and(|p| p > 0) => h,
        Some(_) => return bad(),
        None => rest,
    };
    // A wildcard subdomain is a pattern to ingress-nginx but a literal to the gateway stackc
    // generates for Compose and to the ALB: one spec would allow different origins per target.
    if host.starts_with("*.") {
        return Err(format!(
            "`{origin}` is a wildcard origin, which not every target can match; list each origin, or `*`"
        ));
    }
    if host_name(host).is_err() && host.parse::<std::net::Ipv4Addr>().is_err() {
        return bad();
    }
    Ok(())
}

pub const HTTP_METHODS: [&str; 8] = [
    "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE",
];

/// A runtime or resource version: something that fits in an image tag.
pub fn version(v: &str) -> Result<(), String> {
    let valid = !v.is_empty()
        && v.len() <= 64
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        && !v.starts_with(['.', '-']);
    if valid {
        Ok(())
    } else {
        Err(format!(
            "`{v}` is not a version: use letters, digits, `.`, `-` and `_`, like \"3.12\" or \"22\""
        ))
    }
}

/// Whether an env variable's name says it holds a credential: a `_`-separated part containing
/// PASSWORD, PASSWD, SECRET, TOKEN, CREDENTIAL or APIKEY, a part that is PASS or PWD (not `PWD` alone,
/// the shell's working directory), or a last part KEY (`*_KEY`). Not when a part is PUBLIC or
/// PUBLISHABLE (public keys are public), nor when the last part qualifies the credential rather than
/// holding it (`TOKEN_TTL`, `PASSWORD_FILE`, `SECRET_NAME`, `AWS_ACCESS_KEY_ID`: see `QUALIFIERS`).
pub fn credential_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    let parts: Vec<&str> = upper.split('_').filter(|p| !p.is_empty()).collect();
    let Some(last) = parts.last() else {
        return false;
    };
    if QUALIFIERS.contains(last) || parts.iter().any(|p| matches!(*p, "PUBLIC" | "PUBLISHABLE")) {
        return false;
    }
    let words = [
        "PASSWORD",
        "PASSWD",
        "SECRET",
        "TOKEN",
        "CREDENTIAL",
        "APIKEY",
    ];
    parts.iter().any(|p| words.iter().any(|w| p.contains(w)))
        || parts.contains(&"PASS")
        || (parts.len() > 1 && parts.contains(&"PWD"))
        || (parts.len() > 1 && *last == "KEY")
}

/// Whether a credential-like name says password or secret (not token or key): its value is never
/// plainly harmless, not even a number or a path.
pub fn password_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    let parts: Vec<&str> = upper.split('_').filter(|p| !p.is_empty()).collect();
    parts.iter().any(|p| {
        ["PASSWORD", "PASSWD", "SECRET"]
            .iter()
            .any(|w| p.contains(w))
    }) || parts.contains(&"PASS")
        || (parts.len() > 1 && parts.contains(&"PWD"))
}

/// Last name parts that make a variable describe a credential rather than hold it.
const QUALIFIERS: [&str; 37] = [
    "FILE",
    "PATH",
    "DIR",
    "URL",
    "URI",
    "ENDPOINT",
    "HOST",
    "PORT",
    "NAME",
    "ID",
    "ARN",
    "HEADER",
    "ALGORITHM",
    "ALG",
    "TYPE",
    "ISSUER",
    "AUDIENCE",
    "SCOPE",
    "SCOPES",
    "TTL",
    "EXPIRY",
    "EXPIRES",
    "EXPIRATION",
    "LIFETIME",
    "TIMEOUT",
    "AGE",
    "LENGTH",
    "LEN",
    "SIZE",
    "BITS",
    "ROUNDS",
    "ENABLED",
    "DISABLED",
    "REQUIRED",
    "POLICY",
    "PREFIX",
    "VERSION",
];

/// Literal values no credential looks like: empty, a boolean, a number, a duration (`30m`, `1h30m`) or
/// a file path (`/run/keys/jwt.pem`, `./certs/key`). A credential-like name with such a value passes.
pub fn plainly_not_secret(value: &str) -> bool {
    let v = value.trim();
    let boolean = ["true", "false", "yes", "no", "on", "off"]
        .iter()
        .any(|b| v.eq_ignore_ascii_case(b));
    let number = v
        .strip_prefix('-')
        .unwrap_or(v)
        .split_once('.')
        .map_or_else(
            || digits(v.strip_prefix('-').unwrap_or(v)),
            |(a, b)| digits(a) && digits(b),
        );
    let duration = v.starts_with(|c: char| c.is_ascii_digit())
        && v.ends_with(['s', 'm', 'h', 'd', 'w'])
        && v.chars().all(|c| c.is_ascii_digit() || "smhdw".contains(c));
    let path = ["/", "./", "../", "~/"].iter().any(|p| v.starts_with(p));
    v.is_empty() || boolean || number || duration || path
}

fn digits(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_digit())
}

/// The byte range of a literal password inside `text`: in the userinfo of a URL
/// (`postgres://user:hunter2@host`) or a `password=` / `pwd=` parameter of a connection string
/// (`jdbc:…?user=app&password=hunter2`, `Server=db;Password=hunter2`). A password made only of the
/// `placeholders` ranges (a reference to a secret output) is not literal.
pub fn url_password(text: &str, placeholders: &[Range<usize>]) -> Option<Range<usize>> {
    userinfo_password(text, placeholders).or_else(|| parameter_password(text, placeholders))
}

/// `password=…` (any case; also `pwd`, `passwd`, `pass`) after the start, `?`, `&`, `;` or a space.
fn parameter_password(text: &str, placeholders: &[Range<usize>]) -> Option<Range<usize>> {
    let lower = text.to_ascii_lowercase();
    for key in ["password=", "passwd=", "pwd=", "pass="] {
        let mut from = 0;
        while let Some(i) = lower[from..].find(key) {
            let start = from + i;
            from = start + key.len();
            let boundary = lower[..start]
                .chars()
                .next_back()
                .is_none_or(|c| matches!(c, '?' | '&' | ';' | ' ' | '\t'));
            let end = text[from..]
                .find(|c: char| matches!(c, '&' | ';' | '#') || c.is_whitespace())
                .map_or(text.len(), |e| from + e);
            let value = from..end;
            if boundary && !value.is_empty() && !covered(&value, placeholders) {
                return Some(value);
            }
        }
    }
    None
}

fn userinfo_password(text: &str, placeholders: &[Range<usize>]) -> Option<Range<usize>> {
    let mut from = 0;
    while let Some(i) = text[from..].find("://") {
        let scheme_end = from + i;
        let authority_start = scheme_end + 3;
        from = authority_start;
        let scheme_ok = text[..scheme_end]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_ascii_alphanumeric());
        let authority_len = text[authority_start..]
            .find(|c: char| matches!(c, '/' | '?' | '#') || c.is_whitespace())
            .unwrap_or(text.len() - authority_start);
        let authority = &text[authority_start..authority_start + authority_len];
        let Some(at) = authority.rfind('@') else {
            continue;
        };
        let Some(colon) = authority[..at].find(':') else {
            continue;
        };
        let password = authority_start + colon + 1..authority_start + at;
        if scheme_ok && !password.is_empty() && !covered(&password, placeholders) {
            return Some(password);
        }
    }
    None
}

/// Whether `range` is exactly a run of adjacent `parts`.
fn covered(range: &Range<usize>, parts: &[Range<usize>]) -> bool {
    let mut at = range.start;
    while at < range.end {
        match parts.iter().find(|p| p.start == at && p.end <= range.end) {
            Some(p) => at = p.end,
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_references() {
        for ok in [
            "nginx",
            "nginx:1.27-alpine",
            "ghcr.io/acme/api:1.4.2",
            "localhost:5000/x",
            "123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop/api:abc",
            "timescale/timescaledb-ha:pg16",
            "redis@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        ] {
            assert!(image_reference(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "Nginx",
            "nginx:",
            "nginx:-x",
            "a b",
            "acme//api",
            "x@md5",
            "api:tag/with",
        ] {
            assert!(image_reference(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn registries_and_tags() {
        for ok in [
            "123456789012.dkr.ecr.eu-west-1.amazonaws.com",
            "ghcr.io/acme",
            "localhost:5000",
            "registry.example.com:443/team/sub",
            "acme",
        ] {
            assert!(registry(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "https://ghcr.io",
            "ghcr.io/",
            "/acme",
            "ghcr.io/Acme",
            "ghcr.io/acme:1.0",
            "ghcr.io/acme@sha256:00",
            "a b",
            "ghcr.io//acme",
            "ghcr.io/acme\nRUN x",
        ] {
            assert!(registry(bad).is_err(), "{bad:?}");
        }
        for ok in ["latest", "1.4.2", "v1_2-rc.3", &"a".repeat(128)] {
            assert!(image_tag(ok).is_ok(), "{ok}");
        }
        for bad in ["", ".x", "-x", "a/b", "a:b", "a b", &"a".repeat(129)] {
            assert!(image_tag(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn port_names_hosts_origins_versions() {
        assert!(port_name("grpc").is_ok());
        assert!(port_name("8080").is_err());
        assert!(port_name("a-very-long-port-name").is_err());
        assert!(host_name("shop.example.com").is_ok());
        assert!(host_name("*.example.com").is_ok());
        assert!(host_name("Shop.com").is_err());
        assert!(cors_origin("https://shop.example.com").is_ok());
        assert!(cors_origin("http://localhost:3000").is_ok());
        assert!(cors_origin("https://shop.example.com/").is_err());
        assert!(cors_origin("ftp://x").is_err());
        assert!(
            cors_origin("https://*.example.com")
                .unwrap_err()
                .contains("wildcard")
        );
        assert!(version("3.12").is_ok());
        assert!(version("pg16").is_ok());
        assert!(version("3 12").is_err());
    }

    #[test]
    fn passwords_in_connection_strings() {
        for (text, pw) in [
            (
                "jdbc:postgresql://db/app?user=app&password=hunter2",
                "hunter2",
            ),
            ("postgres://db/app?password=hunter2", "hunter2"),
            ("Server=db;User Id=sa;Password=hunter2", "hunter2"),
            ("host=db pwd=s3cret dbname=x", "s3cret"),
        ] {
            assert_eq!(
                url_password(text, &[]).map(|r| &text[r]),
                Some(pw),
                "{text}"
            );
        }
        for fine in [
            "Server=db;Password=",
            "x?ssl_password_file=/k",
            "mypassword=1",
        ] {
            assert_eq!(url_password(fine, &[]), None, "{fine}");
        }
        assert!(
            password_name("DB_PASSWORD")
                && password_name("APP_SECRET")
                && !password_name("API_TOKEN")
        );
    }

    #[test]
    fn credential_names() {
        for yes in [
            "DATABASE_PASSWORD",
            "DB_PASS",
            "SMTP_PWD",
            "JWT_SECRET",
            "SECRET_KEY_BASE",
            "CLIENTSECRET",
            "GITHUB_TOKEN",
            "AUTHTOKEN",
            "STRIPE_KEY",
            "AWS_SECRET_ACCESS_KEY",
            "OPENAI_APIKEY",
            "GOOGLE_CREDENTIALS",
            "db_password",
        ] {
            assert!(credential_name(yes), "{yes}");
        }
        for no in [
            "LOG_LEVEL",
            "PWD",
            "KEY",
            "MONKEY",
            "KEYCLOAK_URL",
            "TOKEN_TTL",
            "PASSWORD_FILE",
            "SECRET_NAME",
            "AWS_ACCESS_KEY_ID",
            "JWT_PUBLIC_KEY",
            "STRIPE_PUBLISHABLE_KEY",
            "PASSWORD_MIN_LENGTH",
            "CACHE_KEY_PREFIX",
            "PASSPORT_STRATEGY",
        ] {
            assert!(!credential_name(no), "{no}");
        }
    }

    #[test]
    fn values_no_credential_looks_like() {
        for yes in [
            "",
            "true",
            "OFF",
            "3600",
            "-1",
            "0.5",
            "30m",
            "1h30m",
            "/run/keys/jwt.pem",
            "./k",
        ] {
            assert!(plainly_not_secret(yes), "{yes}");
        }
        for no in ["hunter2", "s3cr3t", "sk_live_abc", "1.2.3", "m30"] {
            assert!(!plainly_not_secret(no), "{no}");
        }
    }

    #[test]
    fn passwords_in_urls() {
        let text = "postgres://u:hunter2@db:5432/app";
        assert_eq!(url_password(text, &[]).map(|r| &text[r]), Some("hunter2"));
        let text = "redis://:pw@cache:6379";
        assert_eq!(url_password(text, &[]).map(|r| &text[r]), Some("pw"));
        let text = "PLAINTEXT://k:9092,SASL://u:p@k2:9093";
        assert_eq!(url_password(text, &[]).map(|r| &text[r]), Some("p"));
        for fine in [
            "https://user@example.com/",
            "postgres://u:@db/app",
            "http://example.com/a:b@c",
            "https://example.com/?next=http://x",
            "no url at all: a@b",
        ] {
            assert_eq!(url_password(fine, &[]), None, "{fine}");
        }
        // The password is a reference to a secret output: not a literal.
        let text = "postgres://u:${resources.db.password}@db/app";
        let placeholder = 13..37;
        assert_eq!(&text[placeholder.clone()], "${resources.db.password}");
        assert_eq!(url_password(text, &[placeholder]), None);
        let text = "postgres://u:x${resources.db.password}@db/app";
        let placeholder = 14..38;
        assert!(url_password(text, std::slice::from_ref(&placeholder)).is_some());
    }
}
