//! Fargate task sizes: the CPU/memory pairs Fargate accepts, and the nearest one at least as large as
//! what the spec asks for.

/// Each CPU size (in CPU units, 1024 per vCPU) with its memory range in MiB and step.
const SIZES: [(u32, u32, u32, u32); 7] = [
    (256, 512, 2048, 512), // 512, 1024, 2048 (512 steps, 1536 excluded below)
    (512, 1024, 4096, 1024),
    (1024, 2048, 8192, 1024),
    (2048, 4096, 16384, 1024),
    (4096, 8192, 30720, 1024),
    (8192, 16384, 61440, 4096),
    (16384, 32768, 122_880, 8192),
];

/// Memory sizes valid with a CPU size.
fn memories(cpu: u32) -> impl Iterator<Item = u32> {
    SIZES
        .iter()
        .filter(move |s| s.0 == cpu)
        .flat_map(|&(_, min, max, step)| (min..=max).step_by(step as usize))
        .filter(move |&m| !(cpu == 256 && m == 1536))
}

/// Whether Fargate accepts this pair.
#[must_use]
pub fn is_valid(cpu: u32, memory: u32) -> bool {
    memories(cpu).any(|m| m == memory)
}

/// The smallest valid size with at least `cpu` units and `memory` MiB; `None` beyond Fargate's largest.
#[must_use]
pub fn fit(cpu: u32, memory: u32) -> Option<(u32, u32)> {
    SIZES
        .iter()
        .filter(|s| s.0 >= cpu)
        .find_map(|s| memories(s.0).find(|&m| m >= memory).map(|m| (s.0, m)))
}

/// The largest Fargate task.
pub const LARGEST: (u32, u32) = (16384, 122_880);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_pair_is_valid_and_nothing_else() {
        let valid: Vec<(u32, u32)> = SIZES
            .iter()
            .flat_map(|s| memories(s.0).map(move |m| (s.0, m)))
            .collect();
        assert_eq!(&valid[..3], &[(256, 512), (256, 1024), (256, 2048)]);
        assert!(
            valid.contains(&(512, 1024))
                && valid.contains(&(512, 4096))
                && !valid.contains(&(512, 512))
        );
        assert!(valid.contains(&(4096, 30720)) && !valid.contains(&(4096, 31744)));
        assert!(
            valid.contains(&(8192, 16384))
                && valid.contains(&(8192, 20480))
                && !valid.contains(&(8192, 17408))
        );
        assert!(valid.contains(&(16384, 122_880)) && !valid.contains(&(16384, 131_072)));
        for (cpu, memory) in valid {
            assert!(is_valid(cpu, memory));
        }
        assert!(!is_valid(300, 512));
    }

    #[test]
    fn fits_at_every_boundary() {
        // Exactly on a size, and one above each edge.
        assert_eq!(fit(256, 512), Some((256, 512)));
        assert_eq!(fit(256, 513), Some((256, 1024)));
        assert_eq!(fit(256, 1025), Some((256, 2048)));
        assert_eq!(fit(256, 2049), Some((512, 3072)));
        assert_eq!(fit(257, 512), Some((512, 1024)));
        assert_eq!(fit(512, 4096), Some((512, 4096)));
        assert_eq!(fit(512, 4097), Some((1024, 5120)));
        assert_eq!(fit(513, 1024), Some((1024, 2048)));
        assert_eq!(fit(1024, 8192), Some((1024, 8192)));
        assert_eq!(fit(1024, 8193), Some((2048, 9216)));
        assert_eq!(fit(1025, 2048), Some((2048, 4096)));
        assert_eq!(fit(2048, 16384), Some((2048, 16384)));
        assert_eq!(fit(2048, 16385), Some((4096, 17408)));
        assert_eq!(fit(2049, 4096), Some((4096, 8192)));
        assert_eq!(fit(4096, 30720), Some((4096, 30720)));
        assert_eq!(fit(4096, 30721), Some((8192, 32768)));
        assert_eq!(fit(4097, 8192), Some((8192, 16384)));
        assert_eq!(fit(8192, 61440), Some((8192, 61440)));
        assert_eq!(fit(8192, 61441), Some((16384, 65536)));
        assert_eq!(fit(8193, 16384), Some((16384, 32768)));
        assert_eq!(fit(16384, 122_880), Some(LARGEST));
        assert_eq!(fit(16384, 122_881), None);
        assert_eq!(fit(16385, 512), None);
        assert_eq!(fit(1, 1), Some((256, 512)));
    }
}
