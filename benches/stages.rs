//! Each stage of the pipeline alone, on generated specs of 1k and 10k services (`stackc::synth`):
//! parse (TOML with spans), specialise + resolve (the validated model), graph. Their sum is
//! `benches/check.rs`'s `base`. Run: `cargo bench --bench stages`.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use stackc::diagnostics::Diagnostics;
use stackc::graph::StackGraph;
use stackc::model;
use stackc::source::SourceFile;
use stackc::spec::Document;

fn stages(c: &mut Criterion) {
    let mut group = c.benchmark_group("stage");
    group.sample_size(10);
    for services in [1_000, 10_000] {
        let source = SourceFile::new("synthetic.toml", stackc::synth::spec(services));
        group.throughput(Throughput::Elements(services as u64));
        group.bench_with_input(BenchmarkId::new("parse", services), &source, |b, s| {
            b.iter(|| Document::parse(s, &mut Diagnostics::default()).unwrap());
        });
        let document = Document::parse(&source, &mut Diagnostics::default()).unwrap();
        group.bench_with_input(BenchmarkId::new("model", services), &document, |b, d| {
            b.iter(|| {
                let mut diags = Diagnostics::default();
                let parsed = d.specialise(None, &mut diags).unwrap();
                model::resolve(&parsed, source.text(), None, &mut diags).unwrap()
            });
        });
        let mut diags = Diagnostics::default();
        let parsed = document.specialise(None, &mut diags).unwrap();
        let resolved = model::resolve(&parsed, source.text(), None, &mut diags).unwrap();
        group.bench_with_input(BenchmarkId::new("graph", services), &resolved, |b, m| {
            b.iter(|| StackGraph::build(m).unwrap());
        });
    }
    group.finish();
}

criterion_group!(benches, stages);
criterion_main!(benches);
