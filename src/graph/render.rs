//! `stackc graph` output: DOT, Mermaid and JSON.

use std::fmt::Write as _;

use serde::Serialize;

use super::{Edge, NodeKind, StackGraph};
use crate::model::{Condition, DependencyOrigin, Model, WorkloadKind};
use crate::units::Name;

fn kind_label(kind: NodeKind) -> String {
    match kind {
        NodeKind::Workload(WorkloadKind::Service) => "service".into(),
        NodeKind::Workload(WorkloadKind::Job) => "job".into(),
        NodeKind::Resource {
            kind,
            external: false,
        } => kind.to_string(),
        NodeKind::Resource {
            kind,
            external: true,
        } => format!("{kind}, external"),
    }
}

/// Graphviz DOT. The gateway, when there are routes, is drawn as an extra node.
#[must_use]
pub fn render_dot(model: &Model, graph: &StackGraph) -> String {
    let mut out = format!(
        "digraph \"{}\" {{\n  rankdir=LR;\n  node [fontname=\"Helvetica\"];\n",
        model.name
    );
    for node in graph.nodes() {
        let shape = match node.kind {
            NodeKind::Workload(WorkloadKind::Service) => "shape=box",
            NodeKind::Workload(WorkloadKind::Job) => "shape=box, style=dashed",
            NodeKind::Resource { .. } => "shape=cylinder",
        };
        let _ = writeln!(
            out,
            "  \"{0}\" [{shape}, label=\"{0}\\n{1}\"];",
            node.name,
            kind_label(node.kind)
        );
    }
    if let Some(gateway) = &model.gateway {
        let _ = writeln!(
            out,
            "  \"<gateway>\" [shape=oval, label=\"gateway\\n:{}\"];",
            gateway.port
        );
        for route in &model.routes {
            let _ = writeln!(
                out,
                "  \"<gateway>\" -> \"{}\" [label=\"{}\", color=blue];",
                route.service, route.prefix
            );
        }
    }
    for (from, to, edge) in graph.edges() {
        let attrs = match edge {
            Edge::DependsOn { condition, .. } => format!("label=\"{condition}\""),
            Edge::Mount { path } => format!("label=\"{path}\", style=dotted"),
        };
        let _ = writeln!(out, "  \"{from}\" -> \"{to}\" [{attrs}];");
    }
    out.push_str("}\n");
    out
}

/// A Mermaid flowchart, for Markdown that renders it.
#[must_use]
pub fn render_mermaid(model: &Model, graph: &StackGraph) -> String {
    let id = |name: &str| format!("n_{}", name.replace('-', "_"));
    let mut out = String::from("flowchart LR\n");
    for node in graph.nodes() {
        let (open, close) = match node.kind {
            NodeKind::Workload(WorkloadKind::Service) => ("[", "]"),
            NodeKind::Workload(WorkloadKind::Job) => ("[/", "/]"),
            NodeKind::Resource { .. } => ("[(", ")]"),
        };
        let _ = writeln!(
            out,
            "  {}{open}\"{} ({})\"{close}",
            id(node.name.as_str()),
            node.name,
            kind_label(node.kind)
        );
    }
    if let Some(gateway) = &model.gateway {
        let _ = writeln!(out, "  gateway((\"gateway :{}\"))", gateway.port);
        for route in &model.routes {
            let _ = writeln!(
                out,
                "  gateway -->|\"{}\"| {}",
                route.prefix,
                id(route.service.as_str())
            );
        }
    }
    for (from, to, edge) in graph.edges() {
        let label = match edge {
            Edge::DependsOn { condition, .. } => condition.to_string(),
            Edge::Mount { path } => path.clone(),
        };
        let arrow = if matches!(edge, Edge::Mount { .. }) {
            "-.->"
        } else {
            "-->"
        };
        let _ = writeln!(
            out,
            "  {} {arrow}|\"{label}\"| {}",
            id(from.as_str()),
            id(to.as_str())
        );
    }
    out
}

#[derive(Serialize)]
struct JsonGraph<'a> {
    stack: &'a str,
    env: Option<&'a str>,
    nodes: Vec<JsonNode<'a>>,
    edges: Vec<JsonEdge<'a>>,
    routes: Vec<JsonRoute<'a>>,
    /// A valid start-up order.
    startup_order: Vec<&'a str>,
}

#[derive(Serialize)]
struct JsonNode<'a> {
    name: &'a str,
    kind: &'static str,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    resource_type: Option<&'static str>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    external: bool,
}

#[derive(Serialize)]
struct JsonEdge<'a> {
    from: &'a str,
    to: &'a str,
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    condition: Option<Condition>,
    #[serde(skip_serializing_if = "Option::is_none")]
    origin: Option<DependencyOrigin>,
    #[serde(skip_serializing_if = "Option::is_none")]
    path: Option<&'a str>,
}

#[derive(Serialize)]
struct JsonRoute<'a> {
    prefix: &'a str,
    service: &'a str,
    strip_prefix: bool,
}

#[must_use]
pub fn render_json(model: &Model, graph: &StackGraph) -> String {
    let nodes = graph
        .nodes()
        .map(|n| {
            let (kind, resource_type, external) = match n.kind {
                NodeKind::Workload(WorkloadKind::Service) => ("service", None, false),
                NodeKind::Workload(WorkloadKind::Job) => ("job", None, false),
                NodeKind::Resource { kind, external } => {
                    ("resource", Some(kind.as_str()), external)
                }
            };
            JsonNode {
                name: n.name.as_str(),
                kind,
                resource_type,
                external,
            }
        })
        .collect();
    let edges = graph
        .edges()
        .into_iter()
        .map(|(from, to, edge)| match edge {
            Edge::DependsOn {
                condition, origin, ..
            } => JsonEdge {
                from: from.as_str(),
                to: to.as_str(),
                kind: "depends_on",
                condition: Some(*condition),
                origin: Some(*origin),
                path: None,
            },
            Edge::Mount { path } => JsonEdge {
                from: from.as_str(),
                to: to.as_str(),
                kind: "mount",
                condition: None,
                origin: None,
                path: Some(path),
            },
        })
        .collect();
    let routes = model
        .routes
        .iter()
        .map(|r| JsonRoute {
            prefix: &r.prefix,
            service: r.service.as_str(),
            strip_prefix: r.strip_prefix,
        })
        .collect();
    let doc = JsonGraph {
        stack: model.name.as_str(),
        env: model.env.as_deref(),
        nodes,
        edges,
        routes,
        startup_order: graph
            .startup_order()
            .into_iter()
            .map(Name::as_str)
            .collect(),
    };
    serde_json::to_string_pretty(&doc).expect("graph serializes") + "\n"
}
