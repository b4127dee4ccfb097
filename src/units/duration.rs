use std::fmt;
use std::str::FromStr;

/// A duration written as a sequence of `<number><unit>` with units `ms`, `s`, `m`, `h`
/// (`"500ms"`, `"10s"`, `"1m30s"`). Kept in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Duration {
    millis: u64,
}

impl Duration {
    #[must_use]
    pub const fn from_millis(millis: u64) -> Self {
        Self { millis }
    }

    #[must_use]
    pub const fn from_secs(secs: u64) -> Self {
        Self {
            millis: secs * 1000,
        }
    }

    #[must_use]
    pub const fn as_millis(self) -> u64 {
        self.millis
    }

    /// Whole seconds, rounded up: targets that count in seconds must never shorten a timeout.
    #[must_use]
    pub const fn as_secs_ceil(self) -> u64 {
        self.millis.div_ceil(1000)
    }
}

/// Go's `time.Duration` (Docker, Compose, Kubernetes tooling) ends at about 2,562,047 hours; the same
/// bound whatever the unit it is written in.
pub const MAX_MILLIS: u64 = 2_562_047 * 3_600_000;

const FORMAT_HELP: &str = "write durations like \"500ms\", \"10s\", \"1m30s\" or \"2h\"";

impl FromStr for Duration {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("`{s}` is not a duration; {FORMAT_HELP}");
        let too_long =
            || format!("`{s}` is too long a duration: Docker and Compose take up to 2562047h");
        if s.is_empty() {
            return Err(bad());
        }
        let mut millis: u64 = 0;
        let mut rest = s;
        while !rest.is_empty() {
            let digits = rest
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(rest.len());
            if digits == 0 {
                return Err(bad());
            }
            let value: u64 = rest[..digits].parse().map_err(|_| bad())?;
            rest = &rest[digits..];
            let unit_len = rest
                .find(|c: char| c.is_ascii_digit())
                .unwrap_or(rest.len());
            let factor = match &rest[..unit_len] {
                "ms" => 1,
                "s" => 1_000,
                "m" => 60_000,
                "h" => 3_600_000,
                // Days, for long spans such as HSTS; written back in hours, as Docker reads them.
                "d" => 86_400_000,
                _ => return Err(bad()),
            };
            rest = &rest[unit_len..];
            millis = value
                .checked_mul(factor)
                .and_then(|v| v.checked_add(millis))
                .filter(|v| *v <= MAX_MILLIS)
                .ok_or_else(too_long)?;
        }
        Ok(Self { millis })
    }
}

impl fmt::Display for Duration {
    /// Canonical spelling, understood by Compose and Docker: `1m30s`, `500ms`, `0s`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut ms = self.millis;
        if ms == 0 {
            return f.write_str("0s");
        }
        for (unit, size) in [("h", 3_600_000), ("m", 60_000), ("s", 1_000), ("ms", 1)] {
            if ms >= size {
                write!(f, "{}{unit}", ms / size)?;
                ms %= size;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_longest_duration_is_the_same_in_every_unit() {
        assert!("2562047h".parse::<Duration>().is_ok());
        for bad in [
            "2562048h",
            "18446744073709551615ms",
            "5124095576030431h",
            "153722821m",
        ] {
            assert!(
                bad.parse::<Duration>().unwrap_err().contains("too long"),
                "{bad}"
            );
        }
    }

    #[test]
    fn parses_compound_durations() {
        assert_eq!("500ms".parse::<Duration>().unwrap().as_millis(), 500);
        assert_eq!("10s".parse::<Duration>().unwrap().as_millis(), 10_000);
        assert_eq!("1m30s".parse::<Duration>().unwrap().as_millis(), 90_000);
        assert_eq!("1h".parse::<Duration>().unwrap().as_millis(), 3_600_000);
        assert_eq!("0s".parse::<Duration>().unwrap().as_millis(), 0);
    }

    #[test]
    fn rejects_malformed_durations() {
        for bad in [
            "",
            "10",
            "s",
            "10x",
            "1.5s",
            "-1s",
            "10 s",
            "99999999999999999999h",
        ] {
            assert!(bad.parse::<Duration>().is_err(), "{bad}");
        }
    }

    #[test]
    fn displays_canonically() {
        assert_eq!(Duration::from_millis(90_500).to_string(), "1m30s500ms");
        assert_eq!(Duration::from_millis(0).to_string(), "0s");
        assert_eq!(Duration::from_millis(1500).as_secs_ceil(), 2);
    }
}
