//! Parse + validate + graph on generated specs of 1k and 10k services (`stackc::synth`).
//! Run: `cargo bench --bench check`.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use stackc::compile;
use stackc::source::SourceFile;

fn check(c: &mut Criterion) {
    let mut group = c.benchmark_group("check");
    group.sample_size(10);
    for services in [1_000, 10_000] {
        let source = SourceFile::new("synthetic.toml", stackc::synth::spec(services));
        group.throughput(Throughput::Elements(services as u64));
        group.bench_with_input(BenchmarkId::new("base", services), &source, |b, source| {
            b.iter(|| {
                let outcome = compile::compile(source, None).unwrap();
                assert!(outcome.compiled.is_some());
            });
        });
        group.bench_with_input(
            BenchmarkId::new("base+environments", services),
            &source,
            |b, source| {
                b.iter(|| compile::check(source, None).unwrap());
            },
        );
    }
    group.finish();
}

criterion_group!(benches, check);
criterion_main!(benches);
