use std::fmt;

/// A TCP port, 1–65535.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct Port(u16);

impl Port {
    #[must_use]
    pub const fn get(self) -> u16 {
        self.0
    }
}

impl TryFrom<i64> for Port {
    type Error = String;

    fn try_from(value: i64) -> Result<Self, String> {
        u16::try_from(value)
            .ok()
            .filter(|&p| p != 0)
            .map(Self)
            .ok_or_else(|| format!("port {value} is out of range; ports are 1 to 65535"))
    }
}

impl fmt::Display for Port {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_range() {
        assert!(Port::try_from(1).is_ok());
        assert!(Port::try_from(65535).is_ok());
        assert!(Port::try_from(0).is_err());
        assert!(Port::try_from(65536).is_err());
        assert!(Port::try_from(-1).is_err());
    }
}
