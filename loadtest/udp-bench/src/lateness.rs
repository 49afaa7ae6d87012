//! Tick lateness: how long after its deadline each 20 ms tick actually ran.
//! Kept in a fixed histogram (10 µs buckets up to 100 ms, plus the exact
//! maximum), so recording a tick never allocates and histograms from many
//! threads merge by adding counts.

use std::time::Duration;

use serde::Serialize;

/// Width of one bucket.
const BUCKET_US: u64 = 10;
/// Buckets cover 0 µs up to (not including) 100 ms; later ticks are counted
/// as overflow and reported through the maximum.
const BUCKETS: usize = 10_000;

#[derive(Debug, Clone)]
pub(crate) struct LatenessHistogram {
    counts: Vec<u64>,
    /// Ticks 100 ms or more late.
    overflow: u64,
    total: u64,
    max_us: u64,
}

/// What the report shows of a histogram, in microseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub(crate) struct LatenessSummary {
    pub(crate) p50: u64,
    pub(crate) p99: u64,
    pub(crate) max: u64,
    /// How many ticks were measured.
    pub(crate) ticks: u64,
}

impl Default for LatenessHistogram {
    fn default() -> Self {
        LatenessHistogram::new()
    }
}

impl LatenessHistogram {
    pub(crate) fn new() -> LatenessHistogram {
        LatenessHistogram { counts: vec![0; BUCKETS], overflow: 0, total: 0, max_us: 0 }
    }

    pub(crate) fn record(&mut self, lateness: Duration) {
        self.record_us(u64::try_from(lateness.as_micros()).unwrap_or(u64::MAX));
    }

    pub(crate) fn record_us(&mut self, lateness_us: u64) {
        let bucket = usize::try_from(lateness_us / BUCKET_US).unwrap_or(usize::MAX);
        match self.counts.get_mut(bucket) {
            Some(count) => *count += 1,
            None => self.overflow += 1,
        }
        self.total += 1;
        self.max_us = self.max_us.max(lateness_us);
    }

    pub(crate) fn merge(&mut self, other: &LatenessHistogram) {
        for (count, other_count) in self.counts.iter_mut().zip(&other.counts) {
            *count += other_count;
        }
        self.overflow += other.overflow;
        self.total += other.total;
        self.max_us = self.max_us.max(other.max_us);
    }

    /// The nearest-rank `percent` percentile, in µs: the top of the bucket
    /// holding that rank (so at most 10 µs above the true value) and never more
    /// than the maximum. 0 when nothing was recorded.
    pub(crate) fn percentile_us(&self, percent: f64) -> u64 {
        if self.total == 0 {
            return 0;
        }
        let rank = ((percent / 100.0) * self.total as f64).ceil().clamp(1.0, self.total as f64) as u64;
        let mut seen = 0;
        for (bucket, count) in self.counts.iter().enumerate() {
            seen += count;
            if seen >= rank {
                let bucket_top = (bucket as u64 + 1) * BUCKET_US - 1;
                return bucket_top.min(self.max_us);
            }
        }
        // The rank falls among the overflowed ticks: all we know is the worst.
        self.max_us
    }

    pub(crate) fn summary(&self) -> LatenessSummary {
        LatenessSummary {
            p50: self.percentile_us(50.0),
            p99: self.percentile_us(99.0),
            max: self.max_us,
            ticks: self.total,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_histogram_reports_zeros() {
        let summary = LatenessHistogram::new().summary();
        assert_eq!(summary, LatenessSummary { p50: 0, p99: 0, max: 0, ticks: 0 });
    }

    #[test]
    fn one_value_is_every_percentile() {
        let mut histogram = LatenessHistogram::new();
        histogram.record(Duration::from_micros(1_234));
        assert_eq!(histogram.summary(), LatenessSummary { p50: 1_234, p99: 1_234, max: 1_234, ticks: 1 });
    }

    #[test]
    fn percentiles_use_nearest_rank_within_one_bucket() {
        let mut histogram = LatenessHistogram::new();
        // 1..=1000 µs: the 50th percentile is 500 µs, the 99th 990 µs.
        for lateness_us in 1..=1_000 {
            histogram.record_us(lateness_us);
        }
        let summary = histogram.summary();
        assert!((500..500 + BUCKET_US).contains(&summary.p50), "{summary:?}");
        assert!((990..990 + BUCKET_US).contains(&summary.p99), "{summary:?}");
        assert_eq!((summary.max, summary.ticks), (1_000, 1_000));
    }

    #[test]
    fn overflowed_ticks_report_the_maximum() {
        let mut histogram = LatenessHistogram::new();
        for _ in 0..98 {
            histogram.record_us(20);
        }
        histogram.record(Duration::from_millis(150));
        histogram.record(Duration::from_secs(2));
        let summary = histogram.summary();
        assert_eq!(summary.p50, 29);
        assert_eq!(summary.p99, 2_000_000);
        assert_eq!(summary.max, 2_000_000);
    }

    #[test]
    fn merging_adds_counts_and_keeps_the_worst() {
        let mut talker = LatenessHistogram::new();
        let mut peer = LatenessHistogram::new();
        for _ in 0..10 {
            talker.record_us(100);
            peer.record_us(300);
        }
        peer.record_us(5_000);
        talker.merge(&peer);
        let summary = talker.summary();
        assert_eq!((summary.ticks, summary.max), (21, 5_000));
        assert_eq!(summary.p50, 309);
        assert_eq!(talker.percentile_us(40.0), 109);
    }
}
