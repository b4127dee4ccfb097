//! Dependency cycles, each reported once and whole.

// Kosaraju, not Tarjan: petgraph's Tarjan recurses once per node and overflows the stack on a
// 100,000-service chain; Kosaraju walks with an explicit stack.
use petgraph::algo::kosaraju_scc;
use petgraph::graph::NodeIndex;
use petgraph::visit::EdgeRef;

use super::{Edge, StackGraph};
use crate::diagnostics::{Code, Diagnostic, Diagnostics};

/// Edges of one cycle marked in its diagnostic.
const MAX_LABELS: usize = 32;

pub fn find(g: &StackGraph) -> Diagnostics {
    let mut out = Diagnostics::default();
    let mut components: Vec<Vec<NodeIndex>> = kosaraju_scc(&g.graph)
        .into_iter()
        .filter(|c| c.len() > 1)
        .collect();
    for c in &mut components {
        c.sort_by(|a, b| g.graph[*a].name.cmp(&g.graph[*b].name));
    }
    components.sort_by(|a, b| g.graph[a[0]].name.cmp(&g.graph[b[0]].name));
    for component in components {
        let cycle = cycle_through(g, &component);
        let names: Vec<&str> = cycle
            .iter()
            .map(|(n, _)| g.graph[*n].name.as_str())
            .chain([g.graph[cycle[0].0].name.as_str()])
            .collect();
        let mut d = Diagnostic::error(
            Code::DependencyCycle,
            format!("dependency cycle: {}", names.join(" -> ")),
        );
        // The message names the whole cycle; labels point at its first edges only, since a
        // snippet per edge of a cycle through thousands of services helps no one.
        for (i, (node, span)) in cycle.iter().enumerate().take(MAX_LABELS) {
            let next = cycle[(i + 1) % cycle.len()].0;
            d = d.at(
                span.clone(),
                format!(
                    "`{}` waits for `{}`",
                    g.graph[*node].name, g.graph[next].name
                ),
            );
        }
        let help = "nothing in a cycle can start first: remove one of these dependencies (a `${…}` reference in env counts as one)";
        out.push(if cycle.len() > MAX_LABELS {
            d.help(format!(
                "{help}; the first {MAX_LABELS} of its {} edges are marked",
                cycle.len()
            ))
        } else {
            d.help(help)
        });
    }
    out
}

/// A shortest cycle through the component's first node, as (node, span of its edge to the next node).
fn cycle_through(
    g: &StackGraph,
    component: &[NodeIndex],
) -> Vec<(NodeIndex, std::ops::Range<usize>)> {
    let start = component[0];
    // A set: a cycle through 100,000 services must not cost a scan of the component per edge.
    let members: std::collections::HashSet<NodeIndex> = component.iter().copied().collect();
    // Breadth-first search back to `start`, inside the component, visiting targets in name order.
    let mut parent: std::collections::HashMap<NodeIndex, (NodeIndex, std::ops::Range<usize>)> =
        std::collections::HashMap::new();
    let mut queue = std::collections::VecDeque::from([start]);
    while let Some(node) = queue.pop_front() {
        let mut next: Vec<_> = g
            .graph
            .edges(node)
            .filter_map(|e| match e.weight() {
                Edge::DependsOn { span, .. } if members.contains(&e.target()) => {
                    Some((e.target(), span.clone()))
                }
                _ => None,
            })
            .collect();
        next.sort_by(|a, b| g.graph[a.0].name.cmp(&g.graph[b.0].name));
        for (target, span) in next {
            if target == start {
                let mut path = vec![(node, span)];
                let mut at = node;
                while at != start {
                    let (p, s) = parent[&at].clone();
                    path.push((p, s));
                    at = p;
                }
                path.reverse();
                return path;
            }
            if let std::collections::hash_map::Entry::Vacant(e) = parent.entry(target) {
                e.insert((node, span));
                queue.push_back(target);
            }
        }
    }
    unreachable!("a strongly connected component has a cycle through each of its nodes")
}
