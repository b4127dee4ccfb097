use std::fmt;
use std::str::FromStr;

/// A byte size: binary (`Ki`, `Mi`, `Gi`, `Ti`) or decimal (`K`, `M`, `G`, `T`) suffixes, or plain bytes.
/// The original spelling is kept so that targets which accept it (Kubernetes quantities) stay faithful.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ByteSize {
    bytes: u64,
    spelling: String,
}

impl ByteSize {
    #[must_use]
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// Mebibytes, rounded up (ECS counts memory in MiB).
    #[must_use]
    pub fn mebibytes_ceil(&self) -> u64 {
        self.bytes.div_ceil(1 << 20)
    }

    /// The spelling as written in the spec, valid as a Kubernetes quantity.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.spelling
    }
}

/// The largest size stackc accepts.
pub const MAX_BYTES: u64 = 1 << 50;

impl FromStr for ByteSize {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("`{s}` is not a size; write sizes like \"512Mi\", \"1Gi\" or \"2G\"");
        let digits = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
        if digits == 0 {
            return Err(bad());
        }
        let value: u64 = s[..digits].parse().map_err(|_| bad())?;
        let factor: u64 = match &s[digits..] {
            "" => 1,
            "K" | "k" => 1_000,
            "M" => 1_000_000,
            "G" => 1_000_000_000,
            "T" => 1_000_000_000_000,
            "Ki" => 1 << 10,
            "Mi" => 1 << 20,
            "Gi" => 1 << 30,
            "Ti" => 1 << 40,
            _ => return Err(bad()),
        };
        // 1 PiB: larger than any machine's memory or volume, and small enough that every target's
        // own unit (ECS counts MiB in a 32-bit integer) holds it.
        let bytes = value
            .checked_mul(factor)
            .filter(|b| *b <= MAX_BYTES)
            .ok_or_else(|| format!("`{s}` is too large: sizes go up to 1Pi (1024Ti)"))?;
        if bytes == 0 {
            return Err(format!("`{s}` is zero; a size must be positive"));
        }
        Ok(Self {
            bytes,
            spelling: s.to_owned(),
        })
    }
}

impl fmt::Display for ByteSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.spelling)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absurd_sizes_are_refused_whatever_the_unit() {
        assert!("1024Ti".parse::<ByteSize>().is_ok());
        for bad in ["1025Ti", "18446744073709551615", "2000T"] {
            assert!(
                bad.parse::<ByteSize>().unwrap_err().contains("too large"),
                "{bad}"
            );
        }
    }

    #[test]
    fn parses_binary_and_decimal_suffixes() {
        assert_eq!("512Mi".parse::<ByteSize>().unwrap().bytes(), 512 << 20);
        assert_eq!("1Gi".parse::<ByteSize>().unwrap().bytes(), 1 << 30);
        assert_eq!("2G".parse::<ByteSize>().unwrap().bytes(), 2_000_000_000);
        assert_eq!("1024".parse::<ByteSize>().unwrap().bytes(), 1024);
        assert_eq!("1G".parse::<ByteSize>().unwrap().mebibytes_ceil(), 954);
    }

    #[test]
    fn rejects_malformed_sizes() {
        for bad in [
            "",
            "Mi",
            "1.5Gi",
            "10 Mi",
            "0Mi",
            "5Xi",
            "-1Mi",
            "99999999999Ti",
        ] {
            assert!(bad.parse::<ByteSize>().is_err(), "{bad}");
        }
    }
}
