//! What `stackc plan` computes without AWS: the ECS documents of generated specs of 1k and 10k
//! services, and their plan against an empty account. Run: `cargo bench --bench plan`.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use stackc::compile;
use stackc::deploy::{self, Desired, Live};
use stackc::source::SourceFile;

fn plan(c: &mut Criterion) {
    let mut group = c.benchmark_group("plan");
    group.sample_size(10);
    for services in [1_000, 10_000] {
        let text = stackc::synth::spec(services)
            + "\n[targets.ecs]\nregion = \"eu-west-1\"\ncluster = \"synthetic\"\n";
        let source = SourceFile::new("synthetic.toml", text);
        let compiled = compile::compile(&source, None)
            .unwrap()
            .compiled
            .expect("the synthetic spec compiles");
        let mut live = Live::default();
        live.names.set("region", "eu-west-1");
        live.names.set("account", "123456789012");
        live.names.set("vpc", "vpc-1");
        live.names
            .set_many("default-subnets", vec!["subnet-a".into()]);
        group.throughput(Throughput::Elements(services as u64));
        group.bench_with_input(
            BenchmarkId::new("documents", services),
            &compiled,
            |b, c| {
                b.iter(|| Desired::from_compiled(c).unwrap());
            },
        );
        let desired = Desired::from_compiled(&compiled).unwrap();
        group.bench_with_input(
            BenchmarkId::new("against-empty", services),
            &desired,
            |b, d| {
                b.iter(|| deploy::plan::compute(d, &live));
            },
        );
    }
    group.finish();
}

criterion_group!(benches, plan);
criterion_main!(benches);
