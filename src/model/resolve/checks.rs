//! Small syntactic checks of strings the targets pass on verbatim.

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
    if let Some(tag) = tag {
        let valid = !tag.is_empty()
            && tag.len() <= 128
            && !tag.starts_with(['.', '-'])
            && tag
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
        if !valid {
            return bad("the tag may hold letters, digits, `_`, `.` and `-` (at most 128)");
        }
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
        assert!(version("3.12").is_ok());
        assert!(version("pg16").is_ok());
        assert!(version("3 12").is_err());
    }
}
