//! Compose files as a tree that remembers where each value was written (file, line, column), so
//! every key the import cannot map is reported where the user wrote it. Anchors and aliases are
//! resolved, and YAML merge keys (`<<: *base`) applied, as Compose does.

use std::collections::BTreeMap;
use std::rc::Rc;

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

/// Where a value was written: `file:line:column`, 1-based.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pos {
    pub file: Rc<str>,
    pub line: usize,
    pub column: usize,
}

impl std::fmt::Display for Pos {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

#[derive(Debug, Clone)]
pub struct Node {
    pub value: Value,
    pub pos: Pos,
}

#[derive(Debug, Clone)]
pub enum Value {
    Null,
    /// A scalar's text, and whether it was quoted (a quoted `"8080"` is a string, a plain `8080`
    /// may be read as a number).
    Scalar(String, bool),
    Seq(Vec<Node>),
    /// Keys in file order.
    Map(Vec<(Node, Node)>),
}

impl Node {
    #[must_use]
    pub fn new(value: Value, pos: Pos) -> Self {
        Self { value, pos }
    }

    /// The scalar's text (numbers and booleans as written), or `None` for anything else.
    #[must_use]
    pub fn text(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar(s, _) => Some(s),
            _ => None,
        }
    }

    #[must_use]
    pub fn entries(&self) -> &[(Node, Node)] {
        match &self.value {
            Value::Map(entries) => entries,
            _ => &[],
        }
    }

    #[must_use]
    pub fn items(&self) -> &[Node] {
        match &self.value {
            Value::Seq(items) => items,
            _ => &[],
        }
    }

    #[must_use]
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entries()
            .iter()
            .rev()
            .find(|(k, _)| k.text() == Some(key))
            .map(|(_, v)| v)
    }

    #[must_use]
    pub fn is_null(&self) -> bool {
        matches!(self.value, Value::Null)
    }

    /// A plain `true`/`false` (YAML 1.2 core, as Compose reads it).
    #[must_use]
    pub fn as_bool(&self) -> Option<bool> {
        match self.text()? {
            "true" | "True" | "TRUE" => Some(true),
            "false" | "False" | "FALSE" => Some(false),
            _ => None,
        }
    }

    /// What kind of value this is, for messages.
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self.value {
            Value::Null => "nothing",
            Value::Scalar(..) => "a scalar",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a mapping",
        }
    }
}

/// Parses one YAML document. An empty file is an empty mapping.
///
/// # Errors
/// The parser's message, with the position.
pub fn parse(file: &str, text: &str) -> Result<Node, String> {
    parse_with_tags(file, text).map(|(node, _)| node)
}

/// Parses one YAML document, with the application tags written in it (`!reset`, `!override`,
/// anything but YAML's own `!!` ones) and where: the import reports what it does not apply.
///
/// # Errors
/// The parser's message, with the position.
pub fn parse_with_tags(file: &str, text: &str) -> Result<(Node, Vec<(Pos, String)>), String> {
    let file: Rc<str> = Rc::from(file);
    let mut builder = Builder {
        budget: NODE_BUDGET,
        file: file.clone(),
        stack: Vec::new(),
        anchors: BTreeMap::new(),
        root: None,
        tags: Vec::new(),
    };
    Parser::new_from_str(text)
        .load(&mut builder, false)
        .map_err(|e| format!("{file}: {e}"))?;
    if let Some(error) = builder.stack.iter().find_map(|f| match f {
        Frame::Error(e) => Some(e.clone()),
        _ => None,
    }) {
        return Err(error);
    }
    let root = builder.root.unwrap_or_else(|| {
        Node::new(
            Value::Map(Vec::new()),
            Pos {
                file,
                line: 1,
                column: 1,
            },
        )
    });
    Ok((apply_merge_keys(root), builder.tags))
}

/// How many nodes a Compose file may expand to.
const NODE_BUDGET: usize = 2_000_000;

/// A node's size in nodes, counted up to `limit`.
fn size(node: &Node, limit: usize) -> usize {
    let mut n = 1;
    for child in node
        .items()
        .iter()
        .chain(node.entries().iter().flat_map(|(k, v)| [k, v]))
    {
        if n > limit {
            break;
        }
        n += size(child, limit - n);
    }
    n
}

enum Frame {
    Seq(Node, usize),
    /// A mapping, its anchor, and a key waiting for its value.
    Map(Node, usize, Option<Node>),
    Error(String),
}

struct Builder {
    /// Nodes left to make: aliases copy their anchor, and nested aliases (a "billion laughs"
    /// file) would otherwise grow without bound.
    budget: usize,
    file: Rc<str>,
    stack: Vec<Frame>,
    anchors: BTreeMap<usize, Node>,
    root: Option<Node>,
    tags: Vec<(Pos, String)>,
}

impl Builder {
    fn pos(&self, mark: Marker) -> Pos {
        Pos {
            file: self.file.clone(),
            line: mark.line(),
            column: mark.col() + 1,
        }
    }

    /// A finished node goes into its parent (or is the document).
    fn add(&mut self, node: Node, anchor: usize) {
        if anchor > 0 {
            self.anchors.insert(anchor, node.clone());
        }
        match self.stack.last_mut() {
            Some(Frame::Seq(seq, _)) => {
                if let Value::Seq(items) = &mut seq.value {
                    items.push(node);
                }
            }
            Some(Frame::Map(map, _, key)) => match key.take() {
                None => *key = Some(node),
                Some(k) => {
                    if let Value::Map(entries) = &mut map.value {
                        entries.push((k, node));
                    }
                }
            },
            Some(Frame::Error(_)) => {}
            None => self.root = Some(node),
        }
    }
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, event: Event, mark: Marker) {
        let pos = self.pos(mark);
        if let Event::Scalar(_, _, _, Some(tag))
        | Event::SequenceStart(_, Some(tag))
        | Event::MappingStart(_, Some(tag)) = &event
            && tag.handle != "!!"
            && tag.handle != "tag:yaml.org,2002:"
        {
            self.tags
                .push((pos.clone(), format!("{}{}", tag.handle, tag.suffix)));
        }
        match event {
            Event::Scalar(text, style, anchor, _) => {
                let quoted = style != TScalarStyle::Plain;
                let value =
                    if !quoted && matches!(text.as_str(), "" | "~" | "null" | "Null" | "NULL") {
                        Value::Null
                    } else {
                        Value::Scalar(text, quoted)
                    };
                self.add(Node::new(value, pos), anchor);
            }
            Event::SequenceStart(anchor, _) => self
                .stack
                .push(Frame::Seq(Node::new(Value::Seq(Vec::new()), pos), anchor)),
            Event::MappingStart(anchor, _) => self.stack.push(Frame::Map(
                Node::new(Value::Map(Vec::new()), pos),
                anchor,
                None,
            )),
            Event::SequenceEnd | Event::MappingEnd => match self.stack.pop() {
                Some(Frame::Seq(node, anchor) | Frame::Map(node, anchor, _)) => {
                    self.add(node, anchor);
                }
                Some(Frame::Error(e)) => self.stack.push(Frame::Error(e)),
                None => {}
            },
            Event::Alias(id) => match self.anchors.get(&id) {
                Some(anchor) if size(anchor, self.budget) > self.budget => {
                    self.budget = 0;
                    self.stack.insert(
                        0,
                        Frame::Error(format!(
                            "{pos}: aliases expand to more than {NODE_BUDGET} values"
                        )),
                    );
                    self.add(Node::new(Value::Null, pos), 0);
                }
                Some(anchor) => {
                    let mut node = anchor.clone();
                    self.budget -= size(&node, self.budget);
                    // The alias is where the value is used; keep the anchor's inner positions.
                    node.pos = pos;
                    self.add(node, 0);
                }
                None => self.stack.insert(
                    0,
                    Frame::Error(format!("{pos}: an alias to an anchor that is not defined")),
                ),
            },
            Event::StreamStart
            | Event::StreamEnd
            | Event::DocumentStart
            | Event::DocumentEnd
            | Event::Nothing => {}
        }
    }
}

/// `<<: *base` (or a list of them) merges the base mappings' keys under the mapping's own.
fn apply_merge_keys(node: Node) -> Node {
    let Node { value, pos } = node;
    let value = match value {
        Value::Seq(items) => Value::Seq(items.into_iter().map(apply_merge_keys).collect()),
        Value::Map(entries) => {
            let mut own = Vec::new();
            let mut merged: Vec<(Node, Node)> = Vec::new();
            for (k, v) in entries {
                let v = apply_merge_keys(v);
                if k.text() == Some("<<") && !matches!(k.value, Value::Scalar(_, true)) {
                    let bases: Vec<Node> = match v.value {
                        Value::Seq(items) => items,
                        other => vec![Node::new(other, v.pos)],
                    };
                    for base in bases {
                        for (bk, bv) in base.entries() {
                            if !merged.iter().any(|(m, _)| m.text() == bk.text()) {
                                merged.push((bk.clone(), bv.clone()));
                            }
                        }
                    }
                } else {
                    own.push((k, v));
                }
            }
            merged.retain(|(m, _)| !own.iter().any(|(k, _)| k.text() == m.text()));
            merged.extend(own);
            Value::Map(merged)
        }
        other => other,
    };
    Node { value, pos }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based_and_point_at_the_value() {
        let doc = parse("c.yml", "services:\n  web:\n    image: nginx\n").unwrap();
        let web = doc.get("services").unwrap().get("web").unwrap();
        let image = web.get("image").unwrap();
        assert_eq!(image.text(), Some("nginx"));
        assert_eq!((image.pos.line, image.pos.column), (3, 12));
        let key = &web.entries()[0].0;
        assert_eq!((key.pos.line, key.pos.column), (3, 5));
    }

    #[test]
    fn anchors_aliases_and_merge_keys_resolve_with_own_keys_winning() {
        let text = "x-base: &base\n  image: app\n  restart: always\nservices:\n  a:\n    <<: *base\n    restart: \"no\"\n  b: *base\n";
        let doc = parse("c.yml", text).unwrap();
        let a = doc.get("services").unwrap().get("a").unwrap();
        assert_eq!(a.get("image").unwrap().text(), Some("app"));
        assert_eq!(a.get("restart").unwrap().text(), Some("no"));
        assert_eq!(a.entries().len(), 2);
        let b = doc.get("services").unwrap().get("b").unwrap();
        assert_eq!(b.get("restart").unwrap().text(), Some("always"));
    }

    #[test]
    fn quoted_scalars_are_marked_and_nulls_recognised() {
        let doc = parse("c.yml", "a: \"8080\"\nb: 8080\nc:\nd: ~\n").unwrap();
        assert!(matches!(
            doc.get("a").unwrap().value,
            Value::Scalar(_, true)
        ));
        assert!(matches!(
            doc.get("b").unwrap().value,
            Value::Scalar(_, false)
        ));
        assert!(doc.get("c").unwrap().is_null());
        assert!(doc.get("d").unwrap().is_null());
    }

    #[test]
    fn syntax_errors_name_the_file() {
        let err = parse("c.yml", "a: [\n").unwrap_err();
        assert!(err.starts_with("c.yml"), "{err}");
    }

    #[test]
    fn an_empty_file_is_an_empty_mapping() {
        assert!(parse("c.yml", "").unwrap().entries().is_empty());
    }
}
