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

/// Every label selector in a JSON value, with the path to it.
fn selectors<'a>(
    v: &'a serde_json::Value,
    path: &str,
    out: &mut Vec<(String, &'a serde_json::Value)>,
) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, item) in m {
                let here = format!("{path}.{k}");
                if k == "podSelector" || k == "namespaceSelector" {
                    out.push((here.clone(), item));
                }
                selectors(item, &here, out);
            }
        }
        serde_json::Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                selectors(item, &format!("{path}[{i}]"), out);
            }
        }
        _ => {}
    }
}

/// Each environment is its own namespace by default, and its policies select pods of its own
/// deployment only: pod selectors name the deployment's `instance`, and the only namespaces selected
/// are kube-system's (DNS) and the ingress controller's, never another environment's.
#[test]
fn environments_get_their_own_namespace_and_policies_select_only_their_pods() {
    for example in ["shop", "weather"] {
        let spec = common::root().join(format!("examples/{example}/stack.toml"));
        let source = SourceFile::read(&spec).unwrap();
        let envs: Vec<String> = std::fs::read_to_string(&spec)
            .unwrap()
            .parse::<toml::Table>()
            .unwrap()["environments"]
            .as_table()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        assert!(envs.len() >= 2, "{example}");
        let mut namespaces = BTreeSet::new();
        for env in &envs {
            let compiled = compile::compile(&source, Some(env))
                .unwrap()
                .compiled
                .unwrap();
            let deployment = format!("{example}-{env}");
            assert_eq!(
                compiled.model.targets.kubernetes.namespace.as_str(),
                deployment
            );
            namespaces.insert(deployment.clone());
            let ingress_ns = compiled.model.targets.kubernetes.ingress_namespace.clone();
            for policy in network_policies(&compiled) {
                let policy = serde_json::to_value(&policy).unwrap();
                assert_eq!(policy["metadata"]["namespace"], deployment.as_str());
                let mut found = Vec::new();
                selectors(&policy["spec"], "spec", &mut found);
                for (path, selector) in found {
                    let labels = selector["matchLabels"].as_object();
                    if path.ends_with("namespaceSelector") {
                        let ns = labels
                            .and_then(|l| l.get("kubernetes.io/metadata.name"))
                            .and_then(|n| n.as_str())
                            .unwrap_or_else(|| panic!("{example}/{env} {path}: {selector}"));
                        assert!(
                            ns == "kube-system" || ns == ingress_ns,
                            "{example}/{env} {path} selects namespace {ns}"
                        );
                    } else if let Some(labels) = labels.filter(|l| !l.is_empty()) {
                        // A pod in this namespace, or the ingress controller's / DNS pods.
                        if labels.contains_key("app.kubernetes.io/name")
                            && labels.get("app.kubernetes.io/managed-by").is_none()
                            && !labels.contains_key("k8s-app")
                        {
                            assert_eq!(
                                labels
                                    .get("app.kubernetes.io/instance")
                                    .and_then(|i| i.as_str()),
                                Some(deployment.as_str()),
                                "{example}/{env} {path}: {selector}"
                            );
                        }
                    }
                }
            }
        }
        assert_eq!(namespaces.len(), envs.len(), "{example}: {namespaces:?}");
    }
}
