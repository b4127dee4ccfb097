//! Each target's render on generated specs of 1k and 10k services (`stackc::synth`), from the
//! compiled spec (`benches/stages.rs` has what comes before), and all four together as `build`
//! renders them. Linear means the 10k time is about 10x the 1k time. Run: `cargo bench --bench targets`.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use stackc::compile;
use stackc::source::SourceFile;
use stackc::targets::{self, RenderContext};

fn render(c: &mut Criterion) {
    let mut group = c.benchmark_group("target");
    group.sample_size(10);
    let context = RenderContext::new("stack.toml".as_ref(), "dist".as_ref());
    for services in [1_000, 10_000] {
        let text = stackc::synth::spec(services)
            + "\n[targets.ecs]\nregion = \"eu-west-1\"\ncluster = \"synthetic\"\n";
        let source = SourceFile::new("synthetic.toml", text);
        let compiled = compile::compile(&source, None)
            .unwrap()
            .compiled
            .expect("the synthetic spec compiles");
        group.throughput(Throughput::Elements(services as u64));
        for target in targets::available() {
            group.bench_function(BenchmarkId::new(target.name(), services), |b| {
                b.iter(|| target.render(&compiled, &context));
            });
        }
        group.bench_function(BenchmarkId::new("all", services), |b| {
            b.iter(|| targets::render_all(&targets::available(), &compiled, &context));
        });
    }
    group.finish();
}

criterion_group!(benches, render);
criterion_main!(benches);
