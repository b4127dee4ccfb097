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
    fn reports_malformed_placeholders() {
        assert_eq!(split("x ${resources.db").unwrap_err().range, 2..16);
        assert_eq!(split("${}").unwrap_err().range, 0..3);
        assert!(split("${a..b}").is_err());
    }
}
