//! What `rtp-peer run` found, printed for a person and written as JSON.

use std::fmt::Write as _;
use std::path::Path;

use serde::Serialize;

use crate::bench::BenchError;
use crate::lateness::{LatenessHistogram, LatenessSummary};
use crate::rtp_peer::inbound::StreamTally;
use crate::rtp_peer::worker::{StrayCounts, WorkerOutcome};

/// Why the run stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum StopReason {
    /// `--seconds` ran out.
    Seconds,
    /// No stream was active for `--idle-exit` seconds after one had been.
    Idle,
    /// SIGINT or SIGTERM.
    Signal,
}

/// Percentiles of a lateness histogram, in µs.
#[derive(Debug, Clone, Copy, Serialize)]
pub(crate) struct LatenessFigures {
    pub(crate) p50: u64,
    pub(crate) p99: u64,
    pub(crate) max: u64,
    pub(crate) samples: u64,
}

impl From<LatenessSummary> for LatenessFigures {
    fn from(summary: LatenessSummary) -> LatenessFigures {
        LatenessFigures { p50: summary.p50, p99: summary.p99, max: summary.max, samples: summary.ticks }
    }
}

/// The run's settings and surroundings, as the report shows them.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RunFacts {
    pub(crate) streams: usize,
    pub(crate) first_port: u16,
    pub(crate) last_port: u16,
    pub(crate) receive_buffer_bytes: usize,
    pub(crate) loopback_device_only: bool,
    pub(crate) started_at_unix_s: f64,
    pub(crate) ended_at_unix_s: f64,
    pub(crate) stop_reason: StopReason,
    /// Sum of the workers' active streams, sampled every 20 ms.
    pub(crate) peak_active_streams: usize,
    pub(crate) cpu_user_seconds: f64,
    pub(crate) cpu_system_seconds: f64,
}

/// Field names are the JSON's.
#[derive(Debug, Serialize)]
pub(crate) struct PeerReport {
    /// Stream addresses on offer (`--streams`).
    pub(crate) streams: usize,
    pub(crate) workers: usize,
    pub(crate) first_port: u16,
    pub(crate) last_port: u16,
    pub(crate) started_at_unix_s: f64,
    pub(crate) ended_at_unix_s: f64,
    pub(crate) wall_seconds: f64,
    pub(crate) stop_reason: StopReason,
    /// Streams that received at least one packet.
    pub(crate) streams_seen: usize,
    /// Sessions (calls) over all streams: more than `streams_seen` when a
    /// stream address was used by several calls in turn.
    pub(crate) sessions: u64,
    pub(crate) peak_active_streams: usize,
    /// Distinct RTP packets received from the Talker.
    pub(crate) packets_received: u64,
    pub(crate) packets_expected: u64,
    pub(crate) lost: u64,
    pub(crate) loss_ratio: f64,
    pub(crate) duplicates: u64,
    /// Packets from a second source on a stream active with another (two
    /// calls on one stream address at once): ignored.
    pub(crate) conflicting_packets: u64,
    /// Arrival lateness of the Talker's audio against its RTP timestamps.
    pub(crate) lateness_us: LatenessFigures,
    /// RTP packets the peer sent back.
    pub(crate) packets_sent: u64,
    pub(crate) send_errors: u64,
    pub(crate) receive_errors: u64,
    /// Datagrams taken in but not counted; `stray` says why.
    pub(crate) stray_datagrams: u64,
    pub(crate) stray: StrayCounts,
    pub(crate) missing_kernel_timestamps: u64,
    /// The peer's own user + system CPU over the run (getrusage).
    pub(crate) cpu_seconds: f64,
    pub(crate) cpu_user_seconds: f64,
    pub(crate) cpu_system_seconds: f64,
    /// How late the peer's own 20 ms ticks ran: if this is large, the peer,
    /// not the Talker, was short of CPU.
    pub(crate) tick_lateness_us: LatenessFigures,
    pub(crate) ticks_skipped: u64,
    /// The smallest SO_RCVBUF granted.
    pub(crate) receive_buffer_bytes: usize,
    /// SO_BINDTODEVICE "lo" took on every socket.
    pub(crate) loopback_device_only: bool,
    pub(crate) per_worker: Vec<WorkerReport>,
}

#[derive(Debug, Serialize)]
pub(crate) struct WorkerReport {
    pub(crate) worker: usize,
    pub(crate) port: u16,
    pub(crate) streams: usize,
    pub(crate) streams_seen: usize,
    pub(crate) sessions: u64,
    pub(crate) peak_active_streams: usize,
    pub(crate) packets_received: u64,
    pub(crate) lost: u64,
    pub(crate) duplicates: u64,
    pub(crate) packets_sent: u64,
    pub(crate) send_errors: u64,
    pub(crate) receive_errors: u64,
    pub(crate) stray_datagrams: u64,
    pub(crate) ticks: u64,
}

impl PeerReport {
    pub(crate) fn new(facts: &RunFacts, outcomes: &[WorkerOutcome]) -> PeerReport {
        let mut tally = StreamTally::default();
        let mut stray = StrayCounts::default();
        let mut arrival = LatenessHistogram::new();
        let mut ticks = LatenessHistogram::new();
        let (mut sent, mut send_errors, mut receive_errors, mut missing, mut skipped, mut seen) = (0, 0, 0, 0, 0, 0);
        for outcome in outcomes {
            tally.add(&outcome.tally);
            stray.add(&outcome.counts.stray);
            arrival.merge(&outcome.arrival_lateness);
            ticks.merge(&outcome.tick_lateness);
            sent += outcome.counts.packets_sent;
            send_errors += outcome.counts.send_errors;
            receive_errors += outcome.counts.receive_errors;
            missing += outcome.counts.missing_kernel_timestamps;
            skipped += outcome.counts.ticks_skipped;
            seen += outcome.streams_seen;
        }
        let per_worker = outcomes
            .iter()
            .map(|outcome| WorkerReport {
                worker: outcome.worker,
                port: outcome.port,
                streams: outcome.streams,
                streams_seen: outcome.streams_seen,
                sessions: outcome.tally.sessions,
                peak_active_streams: outcome.counts.peak_active_streams,
                packets_received: outcome.tally.received,
                lost: outcome.tally.lost,
                duplicates: outcome.tally.duplicates,
                packets_sent: outcome.counts.packets_sent,
                send_errors: outcome.counts.send_errors,
                receive_errors: outcome.counts.receive_errors,
                stray_datagrams: outcome.counts.stray.total(),
                ticks: outcome.counts.ticks,
            })
            .collect();
        PeerReport {
            streams: facts.streams,
            workers: outcomes.len(),
            first_port: facts.first_port,
            last_port: facts.last_port,
            started_at_unix_s: facts.started_at_unix_s,
            ended_at_unix_s: facts.ended_at_unix_s,
            wall_seconds: facts.ended_at_unix_s - facts.started_at_unix_s,
            stop_reason: facts.stop_reason,
            streams_seen: seen,
            sessions: tally.sessions,
            peak_active_streams: facts.peak_active_streams,
            packets_received: tally.received,
            packets_expected: tally.expected,
            lost: tally.lost,
            loss_ratio: tally.loss_ratio(),
            duplicates: tally.duplicates,
            conflicting_packets: tally.conflicting,
            lateness_us: arrival.summary().into(),
            packets_sent: sent,
            send_errors,
            receive_errors,
            stray_datagrams: stray.total(),
            stray,
            missing_kernel_timestamps: missing,
            cpu_seconds: facts.cpu_user_seconds + facts.cpu_system_seconds,
            cpu_user_seconds: facts.cpu_user_seconds,
            cpu_system_seconds: facts.cpu_system_seconds,
            tick_lateness_us: ticks.summary().into(),
            ticks_skipped: skipped,
            receive_buffer_bytes: facts.receive_buffer_bytes,
            loopback_device_only: facts.loopback_device_only,
            per_worker,
        }
    }

    /// The summary printed at the end of a run.
    pub(crate) fn human(&self, json_path: &Path) -> String {
        let mut text = String::new();
        let _ = writeln!(
            text,
            "rtp-peer: {} stream addresses, {} worker(s) on ports {}-{}; stopped after {:.1} s ({:?})",
            self.streams, self.workers, self.first_port, self.last_port, self.wall_seconds, self.stop_reason
        );
        let _ = writeln!(
            text,
            "  streams   seen {}  sessions {}  peak active {}",
            self.streams_seen, self.sessions, self.peak_active_streams
        );
        let _ = writeln!(
            text,
            "  received  {} of {} expected  lost {} ({:.4} %)  duplicates {}  conflicting {}",
            self.packets_received,
            self.packets_expected,
            self.lost,
            self.loss_ratio * 100.0,
            self.duplicates,
            self.conflicting_packets
        );
        let _ = writeln!(
            text,
            "  lateness  p50 {} µs  p99 {} µs  max {} µs over {} audio packets (kernel arrival time vs RTP timestamp)",
            self.lateness_us.p50, self.lateness_us.p99, self.lateness_us.max, self.lateness_us.samples
        );
        let _ = writeln!(
            text,
            "  sent      {}  send errors {}  receive errors {}  stray {}  missing kernel timestamps {}",
            self.packets_sent,
            self.send_errors,
            self.receive_errors,
            self.stray_datagrams,
            self.missing_kernel_timestamps
        );
        let _ = writeln!(
            text,
            "  peer cpu  {:.2} s (user {:.2}, system {:.2}); own tick lateness p99 {} µs max {} µs, {} ticks skipped",
            self.cpu_seconds,
            self.cpu_user_seconds,
            self.cpu_system_seconds,
            self.tick_lateness_us.p99,
            self.tick_lateness_us.max,
            self.ticks_skipped
        );
        if !self.loopback_device_only {
            let _ = writeln!(
                text,
                "  note      SO_BINDTODEVICE lo was refused: non-loopback datagrams were dropped by hand"
            );
        }
        let _ = writeln!(text, "  json      {}", json_path.display());
        text
    }

    pub(crate) fn write_json(&self, path: &Path) -> Result<(), BenchError> {
        crate::report::write_json(self, path)
    }
}
