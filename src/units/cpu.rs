use std::fmt;
use std::str::FromStr;

/// CPU in thousandths of a core: `"250m"`, `"0.5"`, or a TOML number of cores (`0.5`, `2`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MilliCpu(u32);

impl MilliCpu {
    /// Far beyond any machine: guards against typos such as `cpu = 2000` meant as millicores.
    pub const MAX_CORES: u32 = 512;

    #[must_use]
    pub const fn millis(self) -> u32 {
        self.0
    }

    /// ECS CPU units: 1024 per core.
    #[must_use]
    pub fn ecs_units(self) -> u32 {
        (u64::from(self.0) * 1024)
            .div_ceil(1000)
            .try_into()
            .unwrap_or(u32::MAX)
    }

    /// Parses a number of cores with at most three decimals.
    pub fn from_cores(cores: f64) -> Result<Self, String> {
        let millis = cores * 1000.0;
        if !millis.is_finite() || millis < 1.0 || (millis - millis.round()).abs() > 1e-6 {
            return Err(format!(
                "`{cores}` is not a CPU amount; use a positive number of cores with at most three decimals, or millicores like \"250m\""
            ));
        }
        Self::checked(millis.round(), &cores.to_string())
    }

    fn checked(millis: f64, spelling: &str) -> Result<Self, String> {
        if millis > f64::from(Self::MAX_CORES * 1000) {
            return Err(format!(
                "`{spelling}` is more than {} cores",
                Self::MAX_CORES
            ));
        }
        // In range [1, 512000] after the checks above, so the cast is exact.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        Ok(Self(millis as u32))
    }
}

impl FromStr for MilliCpu {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        if let Some(millis) = s.strip_suffix('m') {
            let value: u32 = millis
                .parse()
                .ok()
                .filter(|&v| v > 0 && millis.bytes().all(|b| b.is_ascii_digit()))
                .ok_or_else(|| format!("`{s}` is not a CPU amount; millicores are a positive whole number like \"250m\""))?;
            return Self::checked(f64::from(value), s);
        }
        let cores: f64 = s
            .parse()
            .ok()
            .filter(|_| s.bytes().all(|b| b.is_ascii_digit() || b == b'.'))
            .ok_or_else(|| {
                format!("`{s}` is not a CPU amount; write \"250m\", \"0.5\" or a number of cores")
            })?;
        Self::from_cores(cores)
    }
}

impl fmt::Display for MilliCpu {
    /// Kubernetes quantity spelling: whole cores as `2`, otherwise millicores as `250m`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_multiple_of(1000) {
            write!(f, "{}", self.0 / 1000)
        } else {
            write!(f, "{}m", self.0)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_millis_and_cores() {
        assert_eq!("250m".parse::<MilliCpu>().unwrap().millis(), 250);
        assert_eq!("0.5".parse::<MilliCpu>().unwrap().millis(), 500);
        assert_eq!("2".parse::<MilliCpu>().unwrap().millis(), 2000);
        assert_eq!(MilliCpu::from_cores(0.25).unwrap().millis(), 250);
        assert_eq!(MilliCpu::from_cores(1.0).unwrap().to_string(), "1");
        assert_eq!("1500m".parse::<MilliCpu>().unwrap().to_string(), "1500m");
        assert_eq!("1".parse::<MilliCpu>().unwrap().ecs_units(), 1024);
        assert_eq!("250m".parse::<MilliCpu>().unwrap().ecs_units(), 256);
    }

    #[test]
    fn rejects_bad_cpu() {
        for bad in ["", "m", "0m", "-1", "0", "1.2345", "abc", "1e3", "600"] {
            assert!(bad.parse::<MilliCpu>().is_err(), "{bad}");
        }
        assert!(MilliCpu::from_cores(0.0001).is_err());
        assert!(MilliCpu::from_cores(f64::NAN).is_err());
    }
}
