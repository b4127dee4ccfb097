//! A property-based fuzzer over parse + validate + graph: mutated specs (from the examples, the invalid
//! corpus and synthetic ones) must never panic, whatever they contain, and every diagnostic must render.
//!
//! A short run is part of `cargo test`. A long run: `STACKC_FUZZ_SECONDS=600 cargo test --release --test fuzz`.

#[path = "support/artifact_oracle.rs"]
mod artifact_oracle;
mod common;

use std::time::{Duration, Instant};

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use stackc::compile;
use stackc::diagnostics::{render_human, render_json};
use stackc::graph;
use stackc::source::SourceFile;
use stackc::targets::RenderContext;

fn corpus() -> Vec<String> {
    let mut specs = vec![stackc::synth::spec(12)];
    for dir in ["examples", "tests/invalid"] {
        for entry in std::fs::read_dir(common::root().join(dir)).unwrap() {
            let path = entry.unwrap().path();
            let file = if path.is_dir() {
                path.join("stack.toml")
            } else {
                path
            };
            if let Ok(text) = std::fs::read_to_string(file) {
                specs.push(text);
            }
        }
    }
    specs
}

/// Fragments that tend to reach deep into the validator.
const TOKENS: &[&str] = &[
    "0",
    "-1",
    "65536",
    "70000",
    "1.5",
    "true",
    "\"\"",
    "\"x\"",
    "\"10x\"",
    "\"0s\"",
    "\"1m30s\"",
    "\"512Mi\"",
    "\"250m\"",
    "\"${resources.db.url}\"",
    "\"${services.api.url}\"",
    "\"$${x}\"",
    "\"${\"",
    "\"${jobs.x.y}\"",
    "[]",
    "{}",
    "[\"db\"]",
    "{ db = \"healthy\" }",
    "{ x = \"completed\" }",
    "\"/\"",
    "\"/api\"",
    "\"api\"",
    "\"volume\"",
    "\"postgres\"",
    "{ http = \"/\" }",
    "{ tcp = 0 }",
    "{ exec = [] }",
    "{ secret = \"s\" }",
    "\"é\"",
    "\"\\u0000\"",
    "'''\nx'''",
];

const LINES: &[&str] = &[
    "[services.api]",
    "[services.db]",
    "[jobs.migrate]",
    "[resources.db]",
    "[resources.files]",
    "[routes]",
    "[gateway]",
    "[environments.prod]",
    "[environments.dev]",
    "[targets.ecs]",
    "[targets.kubernetes]",
    "type = \"volume\"",
    "type = \"redis\"",
    "external = true",
    "outputs = { url = { secret = \"u\" } }",
    "image = \"nginx:1\"",
    "build = { runtime = \"static\", output = \"dist\" }",
    "port = 8080",
    "publish = 8080",
    "depends_on = [\"api\"]",
    "depends_on = [\"migrate\", \"db\"]",
    "\"/\" = \"api\"",
    "\"/api/\" = \"api\"",
    "services.api.replicas = 3",
    "resources.db = { external = true }",
    "volumes = { \"/data\" = \"files\" }",
    "health = { http = \"/h\" }",
    "env = { A = \"${services.api.url}\" }",
    "cors = { origins = [\"*\"], credentials = true }",
    "[[services]]",
    "x =",
    // Invalid and reserved names where valid ones are expected.
    "[services.Api]",
    "\"/x\" = \"Api\"",
    "depends_on = [\"Api\"]",
    "[resources.Db]",
    "env = { X = \"${resources.Db.url}\" }",
    "volumes = { \"/v\" = \"Files\" }",
    "[resources.Files]",
    "[jobs.Seed]",
    "[services.stackc-x]",
];

#[derive(Debug, Clone)]
enum Mutation {
    DeleteLine(usize),
    DuplicateLine(usize),
    SwapLines(usize, usize),
    ReplaceValue(usize, usize),
    InsertLine(usize, usize),
    Truncate(usize),
    InsertChar(usize, char),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<usize>().prop_map(Mutation::DeleteLine),
        any::<usize>().prop_map(Mutation::DuplicateLine),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Mutation::SwapLines(a, b)),
        (any::<usize>(), 0..TOKENS.len()).prop_map(|(l, t)| Mutation::ReplaceValue(l, t)),
        (any::<usize>(), 0..LINES.len()).prop_map(|(l, t)| Mutation::InsertLine(l, t)),
        any::<usize>().prop_map(Mutation::Truncate),
        (any::<usize>(), any::<char>()).prop_map(|(p, c)| Mutation::InsertChar(p, c)),
    ]
}

fn apply(text: &str, mutations: &[Mutation]) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    for m in mutations {
        let n = lines.len().max(1);
        match *m {
            Mutation::DeleteLine(i) if !lines.is_empty() => {
                lines.remove(i % n);
            }
            Mutation::DuplicateLine(i) if !lines.is_empty() => {
                let l = lines[i % n].clone();
                lines.insert(i % n, l);
            }
            Mutation::SwapLines(a, b) if !lines.is_empty() => lines.swap(a % n, b % n),
            Mutation::ReplaceValue(i, t) if !lines.is_empty() => {
                let line = &mut lines[i % n];
                if let Some(eq) = line.find(" = ") {
                    line.replace_range(eq + 3.., TOKENS[t]);
                }
            }
            Mutation::InsertLine(i, t) => lines.insert(i % (lines.len() + 1), LINES[t].to_owned()),
            Mutation::Truncate(i) => {
                let joined = lines.join("\n");
                let mut cut = i % (joined.len() + 1);
                while !joined.is_char_boundary(cut) {
                    cut -= 1;
                }
                lines = joined[..cut].lines().map(str::to_owned).collect();
            }
            Mutation::InsertChar(i, c) if !lines.is_empty() => {
                let line = &mut lines[i % n];
                let mut at = i % (line.len() + 1);
                while !line.is_char_boundary(at) {
                    at -= 1;
                }
                line.insert(at, c);
            }
            _ => {}
        }
    }
    lines.join("\n")
}

/// The property: compiling anything, with every environment, never panics and its output renders.
fn exercise(text: &str) {
    // In a folder that does not exist, like the render context below: build contexts are reported
    // missing (a warning) and never looked up in whatever folder the tests run in.
    let source = SourceFile::new("/fuzz/stack.toml", text);
    let outcome = compile::check(&source, None).expect("no --env given");
    let _ = render_json(&source, &outcome.diagnostics);
    let _ = render_human(&source, &outcome.diagnostics, false);
    if let Some(c) = outcome.compiled {
        let _ = graph::render_dot(&c.model, &c.graph);
        let _ = graph::render_mermaid(&c.model, &c.graph);
        let _ = graph::render_json(&c.model, &c.graph);
        // Every target must render whatever the validator accepts.
        let context = RenderContext::new(
            std::path::Path::new("/fuzz/stack.toml"),
            std::path::Path::new("/fuzz/dist"),
        );
        let mut artifacts = stackc::output::Artifacts::new();
        for target in stackc::targets::available() {
            if target.unconfigured(&c).is_none() && target.unsupported(&c).is_empty() {
                artifacts.extend(target.render(&c, &context));
            }
            let _ = target.notes(&c);
        }
        // And consumers read back what the model says.
        let problems = artifact_oracle::problems(&c, &artifacts);
        assert!(problems.is_empty(), "{problems:#?}\n--- spec ---\n{text}");
    }
}

fn run(cases: u32, corpus: &[String]) {
    let strategy = (0..corpus.len(), prop::collection::vec(mutation(), 1..8));
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&strategy, |(i, mutations)| {
            exercise(&apply(&corpus[i], &mutations));
            Ok(())
        })
        .unwrap();
}

#[test]
fn mutated_specs_never_panic() {
    let corpus = corpus();
    let seconds: u64 = std::env::var("STACKC_FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    if seconds == 0 {
        run(512, &corpus);
        return;
    }
    let start = Instant::now();
    let mut inputs: u64 = 0;
    while start.elapsed() < Duration::from_secs(seconds) {
        run(2_000, &corpus);
        inputs += 2_000;
    }
    eprintln!(
        "fuzz: {inputs} inputs in {:.0?} without a panic",
        start.elapsed()
    );
}

#[test]
fn every_corpus_file_survives_truncation_at_every_byte() {
    // Cheap and exhaustive for one real spec: every prefix is a plausible half-typed file.
    let text = std::fs::read_to_string(common::root().join("examples/shop/stack.toml")).unwrap();
    for cut in (0..=text.len()).filter(|&i| text.is_char_boundary(i)) {
        exercise(&text[..cut]);
    }
}
