//! Names cut to a length limit (AWS names and tokens, Kubernetes label values), keeping a hash of the
//! whole name so that two long names cut alike stay distinct, and the same name always cuts the same.

/// `name` cut to `max` characters (at least 10), with a hash of all of it when it was longer.
#[must_use]
pub fn fit(name: &str, max: usize) -> String {
    if name.len() <= max {
        return name.to_owned();
    }
    let head: String = name.chars().take(max - 9).collect();
    format!("{head}-{:08x}", fnv(name))
}

/// FNV-1a: small, stable across releases and platforms (names must not change between runs).
#[must_use]
pub fn fnv(text: &str) -> u32 {
    text.bytes().fold(0x811c_9dc5_u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_names_are_cut_with_a_hash() {
        assert_eq!(fit("short", 63), "short");
        let a = fit(&format!("{}-env", "a".repeat(62)), 63);
        let b = fit(&format!("{}-cfg", "a".repeat(62)), 63);
        assert_eq!(a.len(), 63);
        assert_ne!(a, b);
        assert!(a.ends_with(|c: char| c.is_ascii_alphanumeric()));
    }
}
