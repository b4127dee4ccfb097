//! The Kubernetes `NetworkPolicies` allow exactly the graph's edges: who may connect to whom, on which
//! ports, and nothing else.

mod common;

use std::collections::BTreeSet;

use stackc::compile;
use stackc::source::SourceFile;
use stackc::targets::kubernetes::network_policies;

/// A policy's subject and the peers of its rules, by the `app.kubernetes.io/name` label.
fn name_of(selector: &serde_json::Value) -> Option<String> {
    selector["matchLabels"]["app.kubernetes.io/name"]
        .as_str()
        .map(str::to_owned)
}

#[test]
fn network_policies_allow_exactly_the_graph_edges() {
    for example in ["shop", "manager", "flead", "weather"] {
        let spec = common::root().join(format!("examples/{example}/stack.toml"));
        let source = SourceFile::read(&spec).unwrap();
        let compiled = compile::compile(&source, None).unwrap().compiled.unwrap();
        let model = &compiled.model;

        let mut ingress = BTreeSet::new();
        let mut egress = BTreeSet::new();
        for policy in network_policies(&compiled) {
            let policy = serde_json::to_value(&policy).unwrap();
            let Some(subject) = name_of(&policy["spec"]["podSelector"]) else {
                continue;
            }; // namespace-wide policies
            for rule in policy["spec"]["ingress"].as_array().into_iter().flatten() {
                for peer in rule["from"].as_array().unwrap() {
                    let from = name_of(&peer["podSelector"])
                        .unwrap_or_else(|| "<ingress-controller>".into());
                    for port in rule["ports"].as_array().unwrap() {
                        ingress.insert((
                            from.clone(),
                            subject.clone(),
                            port["port"].as_u64().unwrap(),
                        ));
                    }
                }
            }
            for rule in policy["spec"]["egress"].as_array().into_iter().flatten() {
                for peer in rule["to"].as_array().unwrap() {
                    if let Some(to) = name_of(&peer["podSelector"]) {
                        for port in rule["ports"].as_array().unwrap() {
                            egress.insert((
                                subject.clone(),
                                to.clone(),
                                port["port"].as_u64().unwrap(),
                            ));
                        }
                    }
                }
            }
        }

        // The graph's edges to things that serve ports inside the cluster, with those ports.
        let mut expected = BTreeSet::new();
        for (from, to, edge) in compiled.graph.edges() {
            if !matches!(edge, stackc::graph::Edge::DependsOn { .. }) {
                continue;
            }
            for port in stackc::targets::outputs::served_ports(&compiled.model, to) {
                expected.insert((from.to_string(), to.to_string(), u64::from(port)));
            }
        }
        let mut expected_ingress = expected.clone();
        for route in &model.routes {
            let port = model.services[&route.service].port.unwrap().get();
            expected_ingress.insert((
                "<ingress-controller>".into(),
                route.service.to_string(),
                u64::from(port),
            ));
        }
        assert_eq!(ingress, expected_ingress, "{example}: ingress");
        assert_eq!(egress, expected, "{example}: egress");
    }
}
