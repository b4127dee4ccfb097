//! The dependency graph: services, jobs and resources as nodes; `depends_on` and placeholder references
//! (and volume mounts) as edges. Built with petgraph; cycles are reported whole.

mod cycles;
mod render;

use std::collections::{BTreeMap, BTreeSet};

use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::EdgeRef;

pub use render::{render_dot, render_json, render_mermaid};

use crate::diagnostics::Diagnostics;
use crate::model::{Condition, DependencyOrigin, Model, ResourceKind, WorkloadKind};
use crate::units::Name;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeKind {
    Workload(WorkloadKind),
    Resource { kind: ResourceKind, external: bool },
}

impl NodeKind {
    /// Whether the stack runs it: workloads and resources, not volumes or external resources.
    #[must_use]
    pub fn runs(self) -> bool {
        match self {
            Self::Workload(_) => true,
            Self::Resource { kind, external } => !external && kind != ResourceKind::Volume,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Node {
    pub name: Name,
    pub kind: NodeKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Edge {
    /// The source waits for the target.
    DependsOn {
        condition: Condition,
        origin: DependencyOrigin,
        span: std::ops::Range<usize>,
    },
    /// The source mounts the target volume at `path`.
    Mount { path: String },
}

#[derive(Debug, Clone)]
pub struct StackGraph {
    graph: DiGraph<Node, Edge>,
    index: BTreeMap<Name, NodeIndex>,
}

impl StackGraph {
    /// Builds the graph and rejects dependency cycles.
    ///
    /// # Errors
    /// One diagnostic per cycle, naming it whole (`a -> b -> a`).
    pub fn build(model: &Model) -> Result<Self, Diagnostics> {
        let mut graph = DiGraph::new();
        let mut index = BTreeMap::new();
        for w in model.workloads() {
            index.insert(
                w.name.clone(),
                graph.add_node(Node {
                    name: w.name.clone(),
                    kind: NodeKind::Workload(w.kind),
                }),
            );
        }
        for r in model.resources.values() {
            let kind = NodeKind::Resource {
                kind: r.kind,
                external: r.external.is_some(),
            };
            index.insert(
                r.name.clone(),
                graph.add_node(Node {
                    name: r.name.clone(),
                    kind,
                }),
            );
        }
        for w in model.workloads() {
            let from = index[&w.name];
            for d in &w.depends_on {
                let edge = Edge::DependsOn {
                    condition: d.condition,
                    origin: d.origin,
                    span: d.span.clone(),
                };
                graph.add_edge(from, index[&d.target], edge);
            }
            for (path, volume, _) in w.volume_mounts() {
                graph.add_edge(
                    from,
                    index[volume],
                    Edge::Mount {
                        path: path.to_owned(),
                    },
                );
            }
        }
        let this = Self { graph, index };
        let diagnostics = cycles::find(&this);
        if diagnostics.is_empty() {
            Ok(this)
        } else {
            Err(diagnostics)
        }
    }

    pub fn nodes(&self) -> impl Iterator<Item = &Node> {
        self.graph.node_weights()
    }

    /// The kind of the node `name`, by the index (targets ask this per dependency: a map of every
    /// node built per workload made them quadratic).
    #[must_use]
    pub fn kind(&self, name: &Name) -> Option<NodeKind> {
        self.index.get(name).map(|&i| self.graph[i].kind)
    }

    /// Every edge as (from, to, edge), in a stable order.
    #[must_use]
    pub fn edges(&self) -> Vec<(&Name, &Name, &Edge)> {
        let mut edges: Vec<_> = self
            .graph
            .edge_references()
            .map(|e| {
                (
                    &self.graph[e.source()].name,
                    &self.graph[e.target()].name,
                    e.weight(),
                )
            })
            .collect();
        edges.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
        edges
    }

    /// What `name` waits for, with the condition.
    #[must_use]
    pub fn dependencies(&self, name: &Name) -> Vec<(&Name, Condition)> {
        self.depends_edges(name, petgraph::Direction::Outgoing)
    }

    /// What waits for `name`, with the condition.
    #[must_use]
    pub fn dependents(&self, name: &Name) -> Vec<(&Name, Condition)> {
        self.depends_edges(name, petgraph::Direction::Incoming)
    }

    fn depends_edges(
        &self,
        name: &Name,
        direction: petgraph::Direction,
    ) -> Vec<(&Name, Condition)> {
        let Some(&node) = self.index.get(name) else {
            return Vec::new();
        };
        let mut out: Vec<_> = self
            .graph
            .edges_directed(node, direction)
            .filter_map(|e| match e.weight() {
                Edge::DependsOn { condition, .. } => {
                    let other = if direction == petgraph::Direction::Outgoing {
                        e.target()
                    } else {
                        e.source()
                    };
                    Some((&self.graph[other].name, *condition))
                }
                Edge::Mount { .. } => None,
            })
            .collect();
        out.sort_by(|a, b| a.0.cmp(b.0));
        out
    }

    /// A start-up order of what the stack runs (not volumes or external resources): every node after
    /// everything it waits for; ties broken by name.
    #[must_use]
    pub fn startup_order(&self) -> Vec<&Name> {
        let mut waiting: BTreeMap<&Name, usize> = self
            .index
            .iter()
            .filter(|(_, i)| self.graph[**i].kind.runs())
            .map(|(n, _)| (n, 0))
            .collect();
        for (from, to, edge) in self.edges() {
            if matches!(edge, Edge::DependsOn { .. }) && waiting.contains_key(to) {
                *waiting.get_mut(from).expect("node") += 1;
            }
        }
        let mut ready: BTreeSet<&Name> = waiting
            .iter()
            .filter(|(_, n)| **n == 0)
            .map(|(k, _)| *k)
            .collect();
        let mut order = Vec::with_capacity(waiting.len());
        while let Some(next) = ready.pop_first() {
            order.push(next);
            for (dependent, _) in self.dependents(next) {
                let Some(count) = waiting.get_mut(dependent) else {
                    continue;
                };
                *count -= 1;
                if *count == 0 {
                    ready.insert(dependent);
                }
            }
        }
        order
    }
}
