//! Compose value syntaxes: port specs, volume specs, sizes, command strings, image references.

use crate::import::yaml::Node;

/// One published or exposed port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortSpec {
    pub container: u16,
    pub published: Option<u16>,
    pub host_ip: Option<String>,
    pub protocol: String,
    /// How many ports a range covers (1 for a single port).
    pub range: u16,
}

/// `"8080:80"`, `"127.0.0.1:8080:80/tcp"`, `"80"`, `"9000-9002:9000-9002"`, `3000`, or the long
/// form `{ target, published, host_ip, protocol }`.
///
/// # Errors
/// What is wrong with the entry.
pub fn port(node: &Node) -> Result<PortSpec, String> {
    if let Some(text) = node.text() {
        let (spec, protocol) = text.split_once('/').unwrap_or((text, "tcp"));
        // An IPv6 host address is bracketed: `[::1]:8080:80`.
        let (host_ip, rest) = if let Some(inner) = spec.strip_prefix('[') {
            let (ip, rest) = inner.split_once("]:").ok_or("an unclosed `[`")?;
            (Some(ip.to_owned()), rest)
        } else {
            let parts: Vec<&str> = spec.split(':').collect();
            if parts.len() == 3 {
                (Some(parts[0].to_owned()), &spec[parts[0].len() + 1..])
            } else {
                (None, spec)
            }
        };
        let (published, container) = match rest.split_once(':') {
            Some((p, c)) => (Some(p), c),
            None => (None, rest),
        };
        let (container, range) = port_range(container)?;
        // An empty or `0` host port is one Docker picks: nothing to publish on a fixed port.
        let published = match published.filter(|p| !p.is_empty() && *p != "0") {
            Some(p) => Some(port_range(p)?.0),
            None => None,
        };
        return Ok(PortSpec {
            container,
            published,
            host_ip: host_ip.filter(|ip| !ip.is_empty()),
            protocol: protocol.to_owned(),
            range,
        });
    }
    let target = node
        .get("target")
        .and_then(Node::text)
        .ok_or("a port without `target`")?;
    let (container, range) = port_range(target)?;
    let published = match node
        .get("published")
        .and_then(Node::text)
        .filter(|p| *p != "0")
    {
        Some(p) => Some(port_range(p)?.0),
        None => None,
    };
    Ok(PortSpec {
        container,
        published,
        host_ip: node.get("host_ip").and_then(Node::text).map(str::to_owned),
        protocol: node
            .get("protocol")
            .and_then(Node::text)
            .unwrap_or("tcp")
            .to_owned(),
        range,
    })
}

fn port_range(text: &str) -> Result<(u16, u16), String> {
    let number = |s: &str| {
        s.trim()
            .parse::<u16>()
            .ok()
            .filter(|p| *p > 0)
            .ok_or_else(|| format!("`{s}` is not a port"))
    };
    match text.split_once('-') {
        Some((a, b)) => {
            let (a, b) = (number(a)?, number(b)?);
            if b < a {
                return Err(format!("`{text}` is an empty range"));
            }
            Ok((a, b - a + 1))
        }
        None => Ok((number(text)?, 1)),
    }
}

/// A `volumes` entry of a service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mount {
    Named {
        name: String,
        target: String,
        read_only: bool,
    },
    Bind {
        source: String,
        target: String,
        read_only: bool,
    },
    Anonymous {
        target: String,
    },
    Tmpfs {
        target: String,
    },
}

/// `"data:/var/lib/x"`, `"./src:/app:ro"`, `"/cache"`, or the long form.
///
/// # Errors
/// An entry without a target.
pub fn mount(node: &Node) -> Result<Mount, String> {
    if let Some(text) = node.text() {
        let parts: Vec<&str> = text.split(':').collect();
        let (source, target, mode) = match parts.as_slice() {
            [target] => (None, *target, ""),
            [source, target] => (Some(*source), *target, ""),
            [source, target, mode] => (Some(*source), *target, *mode),
            _ => return Err(format!("`{text}` is not `source:target[:mode]`")),
        };
        let read_only = mode.split(',').any(|m| m == "ro");
        return Ok(match source {
            None => Mount::Anonymous {
                target: target.to_owned(),
            },
            Some(s) if is_path(s) => Mount::Bind {
                source: s.to_owned(),
                target: target.to_owned(),
                read_only,
            },
            Some(s) => Mount::Named {
                name: s.to_owned(),
                target: target.to_owned(),
                read_only,
            },
        });
    }
    let target = node
        .get("target")
        .and_then(Node::text)
        .ok_or("a volume without `target`")?
        .to_owned();
    let read_only = node
        .get("read_only")
        .and_then(Node::as_bool)
        .unwrap_or(false);
    let source = node.get("source").and_then(Node::text).map(str::to_owned);
    Ok(match (node.get("type").and_then(Node::text), source) {
        (Some("tmpfs"), _) => Mount::Tmpfs { target },
        (Some("bind"), Some(source)) => Mount::Bind {
            source,
            target,
            read_only,
        },
        (_, Some(name)) if !is_path(&name) => Mount::Named {
            name,
            target,
            read_only,
        },
        (_, Some(source)) => Mount::Bind {
            source,
            target,
            read_only,
        },
        (_, None) => Mount::Anonymous { target },
    })
}

fn is_path(source: &str) -> bool {
    source.starts_with('.') || source.starts_with('/') || source.starts_with('~')
}

/// A Compose size (`512m`, `1g`, `2gb`, `1024k`, bytes) as stackc's binary units.
#[must_use]
pub fn size(text: &str) -> Option<String> {
    let t = text.trim().to_ascii_lowercase();
    let t = t.strip_suffix('b').unwrap_or(&t);
    let (digits, unit) = t.split_at(t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len()));
    let n: u64 = digits.parse().ok()?;
    Some(match unit {
        "" => {
            if n.is_multiple_of(1 << 20) {
                format!("{}Mi", n >> 20)
            } else {
                format!("{}Ki", n.div_ceil(1024))
            }
        }
        "k" => format!("{n}Ki"),
        "m" => format!("{n}Mi"),
        "g" => format!("{n}Gi"),
        _ => return None,
    })
}

/// A command in string form split as Compose splits it (shell words, quotes removed, no
/// expansion).
///
/// # Errors
/// An unclosed quote.
pub fn shell_words(text: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => word.push(c),
                        None => return Err("an unclosed `'`".to_owned()),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(c @ ('"' | '\\' | '$' | '`')) => word.push(c),
                            Some(c) => {
                                word.push('\\');
                                word.push(c);
                            }
                            None => return Err("an unclosed `\"`".to_owned()),
                        },
                        Some(c) => word.push(c),
                        None => return Err("an unclosed `\"`".to_owned()),
                    }
                }
            }
            '\\' => {
                in_word = true;
                if let Some(c) = chars.next() {
                    word.push(c);
                }
            }
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    Ok(words)
}

/// A string or a list of strings (`command`, `entrypoint`, a health check's `test`).
///
/// # Errors
/// Neither form, or an unclosed quote.
pub fn words(node: &Node) -> Result<Vec<String>, String> {
    if let Some(text) = node.text() {
        return shell_words(text);
    }
    match &node.value {
        crate::import::yaml::Value::Seq(items) => items
            .iter()
            .map(|i| {
                i.text()
                    .map(str::to_owned)
                    .ok_or_else(|| "a list item that is not a string".to_owned())
            })
            .collect(),
        _ => Err(format!(
            "{} where a string or a list was expected",
            node.kind()
        )),
    }
}

/// An image reference split into its repository's last name and its tag: `docker.io/library/
/// postgres:16-alpine` -> (`postgres`, `library/postgres`, `16-alpine`).
#[must_use]
pub fn image_parts(image: &str) -> (String, String, String) {
    let without_digest = image.split('@').next().unwrap_or(image);
    let (repo, tag) = match without_digest.rsplit_once(':') {
        Some((r, t)) if !t.contains('/') => (r, t),
        _ => (without_digest, "latest"),
    };
    // A registry host has a dot or a port, or is localhost.
    let path = match repo.split_once('/') {
        Some((first, rest))
            if first.contains('.') || first.contains(':') || first == "localhost" =>
        {
            rest
        }
        _ => repo,
    };
    let last = path.rsplit('/').next().unwrap_or(path);
    (last.to_owned(), path.to_owned(), tag.to_owned())
}

/// The leading version of a tag: `16-alpine` -> `16`, `8.0.36` -> `8.0.36`, `latest` -> none.
#[must_use]
pub fn tag_version(tag: &str) -> Option<String> {
    let v: String = tag
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    let v = v.trim_end_matches('.');
    (!v.is_empty()).then(|| v.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::yaml::parse;

    fn node(text: &str) -> Node {
        parse("c.yml", &format!("v: {text}\n"))
            .unwrap()
            .get("v")
            .unwrap()
            .clone()
    }

    #[test]
    fn port_forms() {
        let p = port(&node("\"127.0.0.1:8080:80/udp\"")).unwrap();
        assert_eq!(
            (
                p.container,
                p.published,
                p.host_ip.as_deref(),
                p.protocol.as_str()
            ),
            (80, Some(8080), Some("127.0.0.1"), "udp")
        );
        assert_eq!(port(&node("3000")).unwrap().published, None);
        assert_eq!(port(&node("\"9000-9002:9000-9002\"")).unwrap().range, 3);
        let long = port(&node(
            "{ target: 80, published: \"8080\", host_ip: 0.0.0.0 }",
        ))
        .unwrap();
        assert_eq!((long.container, long.published), (80, Some(8080)));
        assert!(port(&node("\"http\"")).is_err());
        assert_eq!(
            port(&node("\"[::1]:8080:80\"")).unwrap().host_ip.as_deref(),
            Some("::1")
        );
    }

    #[test]
    fn mount_forms() {
        assert_eq!(
            mount(&node("\"data:/var/lib/x:ro\"")).unwrap(),
            Mount::Named {
                name: "data".into(),
                target: "/var/lib/x".into(),
                read_only: true
            }
        );
        assert!(matches!(
            mount(&node("\"./src:/app\"")).unwrap(),
            Mount::Bind { .. }
        ));
        assert!(matches!(
            mount(&node("/cache")).unwrap(),
            Mount::Anonymous { .. }
        ));
        assert!(matches!(
            mount(&node("{ type: tmpfs, target: /tmp }")).unwrap(),
            Mount::Tmpfs { .. }
        ));
    }

    #[test]
    fn sizes_commands_images() {
        assert_eq!(size("512m").as_deref(), Some("512Mi"));
        assert_eq!(size("1G").as_deref(), Some("1Gi"));
        assert_eq!(size("2gb").as_deref(), Some("2Gi"));
        assert_eq!(size("1073741824").as_deref(), Some("1024Mi"));
        assert_eq!(size("lots"), None);
        assert_eq!(
            shell_words(r#"sh -c 'echo "a b"' x\ y "q\"z""#).unwrap(),
            ["sh", "-c", "echo \"a b\"", "x y", "q\"z"]
        );
        assert!(shell_words("echo 'open").is_err());
        assert_eq!(
            image_parts("docker.io/library/postgres:16-alpine"),
            (
                "postgres".into(),
                "library/postgres".into(),
                "16-alpine".into()
            )
        );
        assert_eq!(image_parts("localhost:5000/app").2, "latest");
        assert_eq!(tag_version("16-alpine").as_deref(), Some("16"));
        assert_eq!(tag_version("latest"), None);
    }
}
