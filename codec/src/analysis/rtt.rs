//! Round-trip time statistics (RFC 9260 6.3.1): minimum, mean and maximum of
//! the samples one direction's DATA gave, over all paths and per path.

/// Running RTT statistics of measurements in nanoseconds (RFC 9260 6.3.1).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct RttStats {
    /// Number of samples.
    pub samples: u64,
    /// Smallest sample, nanoseconds.
    pub min_ns: i64,
    /// Largest sample, nanoseconds.
    pub max_ns: i64,
    /// Sum of samples, nanoseconds.
    pub sum_ns: i128,
}

impl RttStats {
    /// Adds one sample.
    pub fn add(&mut self, ns: i64) {
        if self.samples == 0 {
            self.min_ns = ns;
            self.max_ns = ns;
        } else {
            self.min_ns = self.min_ns.min(ns);
            self.max_ns = self.max_ns.max(ns);
        }
        self.samples += 1;
        self.sum_ns += i128::from(ns);
    }

    /// Mean sample in nanoseconds, `None` without samples.
    pub fn avg_ns(&self) -> Option<f64> {
        (self.samples > 0).then(|| self.sum_ns as f64 / self.samples as f64)
    }

    /// Minimum, mean and maximum in seconds, `None` without samples.
    pub fn seconds(&self) -> Option<(f64, f64, f64)> {
        let avg = self.avg_ns()?;
        Some((
            self.min_ns as f64 / 1e9,
            avg / 1e9,
            self.max_ns as f64 / 1e9,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn min_mean_max() {
        let mut s = RttStats::default();
        assert_eq!(s.seconds(), None);
        for x in [3_000_000, 1_000_000, 2_000_000] {
            s.add(x);
        }
        assert_eq!(s.seconds(), Some((0.001, 0.002, 0.003)));
    }
}
