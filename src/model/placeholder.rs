//! `${resources.<r>.<output>}` and `${services.<s>.<field>}` inside env values; `$${` writes a literal `${`.

use std::ops::Range;

/// A piece of an env value: literal text or a reference to be resolved per target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    Text(String),
    /// A placeholder's dotted path (`resources.db.url`) and its byte range within the value.
    Placeholder {
        path: Vec<String>,
        range: Range<usize>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlaceholderError {
    pub message: String,
    pub range: Range<usize>,
}

/// Splits an env value into text and placeholders.
pub fn split(value: &str) -> Result<Vec<Piece>, PlaceholderError> {
    let mut pieces = Vec::new();
    let mut text = String::new();
    let mut rest = value;
    let mut offset = 0;
    while let Some(i) = rest.find('$') {
        text.push_str(&rest[..i]);
        let after = &rest[i..];
        if let Some(escaped) = after.strip_prefix("$${") {
            text.push_str("${");
            rest = escaped;
            offset += i + 3;
        } else if let Some(body) = after.strip_prefix("${") {
            let start = offset + i;
            let Some(end) = body.find('}') else {
                return Err(PlaceholderError {
                    message: "unterminated placeholder: `${` has no closing `}`".into(),
                    range: start..value.len(),
                });
            };
            let inner = &body[..end];
            let range = start..start + end + 3;
            if inner.is_empty() || inner.split('.').any(|p| p.trim() != p || p.is_empty()) {
                return Err(PlaceholderError {
                    message: format!("malformed placeholder `${{{inner}}}`"),
                    range,
                });
            }
            if !text.is_empty() {
                pieces.push(Piece::Text(std::mem::take(&mut text)));
            }
            pieces.push(Piece::Placeholder {
                path: inner.split('.').map(str::to_owned).collect(),
                range,
            });
            rest = &body[end + 1..];
            offset = start + end + 3;
        } else {
            text.push('$');
            rest = &after[1..];
            offset += i + 1;
        }
    }
    text.push_str(rest);
    if !text.is_empty() {
        pieces.push(Piece::Text(text));
    }
    Ok(pieces)
}

/// The stackc placeholders in text that does not resolve them (commands, health checks): every
/// well-formed `${a.b…}` with a dotted path, with its byte range. `${HOME}` and other shell
/// parameters have no dot and are not placeholders.
#[must_use]
pub fn dotted_references(value: &str) -> Vec<(Vec<String>, Range<usize>)> {
    let mut found = Vec::new();
    let mut offset = 0;
    // Scans from each `${`, so that a malformed one earlier does not hide a real one later.
    while let Some(i) = value[offset..].find("${") {
        let start = offset + i;
        let Some(close) = value[start..].find('}') else {
            break;
        };
        let end = start + close + 1;
        let escaped = start > 0 && value.as_bytes()[start - 1] == b'$';
        if !escaped
            && let Ok(pieces) = split(&value[start..end])
            && let [Piece::Placeholder { path, .. }] = pieces.as_slice()
            && path.len() > 1
        {
            found.push((path.clone(), start..end));
            offset = end;
        } else {
            offset = start + 2;
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ph(path: &str, range: Range<usize>) -> Piece {
        Piece::Placeholder {
            path: path.split('.').map(str::to_owned).collect(),
            range,
        }
    }

    #[test]
    fn splits_text_and_placeholders() {
        assert_eq!(split("plain").unwrap(), vec![Piece::Text("plain".into())]);
        assert_eq!(
            split("${resources.db.url}").unwrap(),
            vec![ph("resources.db.url", 0..19)]
        );
        assert_eq!(
            split("http://${services.api.host}:80").unwrap(),
            vec![
                Piece::Text("http://".into()),
                ph("services.api.host", 7..27),
                Piece::Text(":80".into())
            ]
        );
    }

    #[test]
    fn escapes_and_lone_dollars() {
        assert_eq!(
            split("$${HOME} costs $5").unwrap(),
            vec![Piece::Text("${HOME} costs $5".into())]
        );
        assert_eq!(split("a$").unwrap(), vec![Piece::Text("a$".into())]);
    }

    #[test]
    fn finds_dotted_references_only() {
        let text =
            "echo ${HOME} ${resources.db.password} $${services.a.url} ${ x} ${services.api.url}";
        let found = dotted_references(text);
        let shown: Vec<&str> = found.iter().map(|(_, r)| &text[r.clone()]).collect();
        assert_eq!(shown, ["${resources.db.password}", "${services.api.url}"]);
        assert_eq!(found[0].0, ["resources", "db", "password"]);
        assert!(dotted_references("${ unterminated ${resources.db.url").is_empty());
    }

    #[test]
    fn reports_malformed_placeholders() {
        assert_eq!(split("x ${resources.db").unwrap_err().range, 2..16);
        assert_eq!(split("${}").unwrap_err().range, 0..3);
        assert!(split("${a..b}").is_err());
    }
}
