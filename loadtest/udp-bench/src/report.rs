//! Turns a measurement into the figures the issue asks for — CPU per packet,
//! share of one core, streams per core, loss, tick lateness — printed for a
//! person and written as JSON for the load-test runner.

use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

use serde::Serialize;

use crate::bench::{BenchError, Measurement, Mode, PortRange, Settings, SideCounts, TICK};
use crate::lateness::{LatenessHistogram, LatenessSummary};
use crate::sys::FdLimit;

/// What the run found. Field names are the JSON's.
#[derive(Debug, Serialize)]
pub(crate) struct Report {
    pub(crate) mode: &'static str,
    pub(crate) streams: usize,
    /// How long packets were sent for.
    pub(crate) seconds: f64,
    /// Threads per side (tokio-task: runtime worker threads per side).
    pub(crate) workers: usize,
    /// Datagrams per sendmmsg/recvmmsg call; only the mmsg mode batches.
    pub(crate) batch: Option<usize>,
    /// tokio-task only: whether every timer of a side fired together (true)
    /// or the timers were spread over the 20 ms period (false).
    pub(crate) aligned_timers: Option<bool>,
    /// What a side that kept up sends: 2 × streams × 50 × seconds.
    pub(crate) packets_expected: u64,
    /// Both directions: talker → peer plus peer → talker.
    pub(crate) packets_sent: u64,
    pub(crate) packets_received: u64,
    pub(crate) loss_ratio: f64,
    pub(crate) send_errors: u64,
    pub(crate) receive_errors: u64,
    pub(crate) stray_packets: u64,
    /// Stream ends that received nothing at all.
    pub(crate) silent_streams: u64,
    /// The process's user + system CPU from the first tick to the end of the
    /// drain: both ends of every stream, since both run in this process.
    pub(crate) cpu_seconds: f64,
    pub(crate) cpu_user_seconds: f64,
    pub(crate) cpu_system_seconds: f64,
    /// `cpu_seconds` per packet sent; each packet is sent by one side and
    /// received by the other, so this is the cost of one send plus one receive.
    pub(crate) cpu_us_per_packet: f64,
    /// `cpu_seconds / seconds`.
    pub(crate) cpu_fraction_of_one_core: f64,
    /// `streams / cpu_fraction_of_one_core`: full-duplex streams one core
    /// could carry with both ends on it.
    pub(crate) streams_per_core_estimate: Option<f64>,
    /// Both sides' ticks together (tokio-task: every task's ticks).
    pub(crate) lateness_us: LatenessSummary,
    pub(crate) sides: Sides,
    /// Always true: the CPU figures above cover both ends.
    pub(crate) both_ends_in_one_process: bool,
    /// Whether a side fell more than a second behind and stopped sending.
    pub(crate) gave_up: bool,
    pub(crate) sockets: usize,
    pub(crate) ports: PortRange,
    pub(crate) fd_limit: FdLimit,
    /// The smallest receive buffer the kernel granted (mmsg mode sizes them).
    pub(crate) receive_buffer_bytes: Option<usize>,
    /// Wall time between the two CPU samples.
    pub(crate) measured_wall_seconds: f64,
    pub(crate) machine: Machine,
}

#[derive(Debug, Serialize)]
pub(crate) struct Sides {
    pub(crate) talker: SideReport,
    pub(crate) peer: SideReport,
}

/// One side's share, from its threads' own CPU clocks. The talker side is
/// the figure to hold a Talker's CPU per call against: it sends and receives
/// one stream end, as a Talker does per call.
#[derive(Debug, Serialize)]
pub(crate) struct SideReport {
    pub(crate) threads: usize,
    pub(crate) cpu_seconds: Option<f64>,
    pub(crate) cpu_fraction_of_one_core: Option<f64>,
    /// Stream ends of this side one core could carry.
    pub(crate) streams_per_core_estimate: Option<f64>,
    pub(crate) packets_sent: u64,
    pub(crate) packets_received: u64,
    /// Loss of the packets sent to this side.
    pub(crate) inbound_loss_ratio: f64,
    pub(crate) send_errors: u64,
    pub(crate) lateness_us: LatenessSummary,
}

/// What else was running matters: say how busy the machine was.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Machine {
    pub(crate) cores: usize,
    /// From /proc/loadavg before the run.
    pub(crate) load_average_1m_at_start: Option<f64>,
    /// Cores' worth of CPU all processes used while the run was measured.
    pub(crate) busy_cores_during_run: Option<f64>,
    /// Cores' worth of CPU the hypervisor took away meanwhile (steal).
    pub(crate) steal_cores_during_run: Option<f64>,
    /// The same less this process: what the rest of the machine was doing.
    /// Near 0 means the figures were taken on an idle machine.
    pub(crate) other_processes_cores_during_run: Option<f64>,
}

impl Machine {
    pub(crate) fn now() -> Machine {
        let load_average_1m_at_start = std::fs::read_to_string("/proc/loadavg")
            .ok()
            .and_then(|loadavg| loadavg.split_whitespace().next()?.parse().ok());
        Machine {
            cores: std::thread::available_parallelism().map_or(1, usize::from),
            load_average_1m_at_start,
            busy_cores_during_run: None,
            steal_cores_during_run: None,
            other_processes_cores_during_run: None,
        }
    }
}

impl Report {
    pub(crate) fn new(settings: &Settings, measurement: &Measurement, mut machine: Machine) -> Report {
        let seconds = settings.seconds.as_secs_f64();
        let wall = measurement.cpu.wall.as_secs_f64();
        if let Some(during) = measurement.cpu.machine.filter(|_| wall > 0.0) {
            machine.busy_cores_during_run = Some(during.busy.as_secs_f64() / wall);
            machine.steal_cores_during_run = Some(during.steal.as_secs_f64() / wall);
            let others = during.busy.saturating_sub(measurement.cpu.process.total());
            machine.other_processes_cores_during_run = Some(others.as_secs_f64() / wall);
        }
        let (talker, peer) = (&measurement.talker, &measurement.peer);
        let packets_sent = talker.sent + peer.sent;
        let packets_received = talker.received + peer.received;
        let cpu = measurement.cpu.process.total().as_secs_f64();
        let cpu_fraction_of_one_core = cpu / seconds;
        let mut lateness = LatenessHistogram::new();
        lateness.merge(&talker.lateness);
        lateness.merge(&peer.lateness);
        let side = |counts: &SideCounts, other: &SideCounts, cpu: Option<Duration>| {
            let cpu_seconds = cpu.map(|cpu| cpu.as_secs_f64());
            let fraction = cpu_seconds.map(|cpu| cpu / seconds);
            SideReport {
                threads: measurement.threads_per_side,
                cpu_seconds,
                cpu_fraction_of_one_core: fraction,
                streams_per_core_estimate: fraction.and_then(|fraction| per_core(settings.streams, fraction)),
                packets_sent: counts.sent,
                packets_received: counts.received,
                inbound_loss_ratio: loss_ratio(other.sent, counts.received),
                send_errors: counts.send_errors,
                lateness_us: counts.lateness.summary(),
            }
        };
        Report {
            mode: settings.mode.name(),
            streams: settings.streams,
            seconds,
            workers: measurement.threads_per_side,
            batch: (settings.mode == Mode::Mmsg).then_some(settings.batch),
            aligned_timers: (settings.mode == Mode::TokioTask).then_some(settings.aligned_timers),
            packets_expected: 2 * settings.streams as u64 * settings.seconds.as_millis() as u64
                / TICK.as_millis() as u64,
            packets_sent,
            packets_received,
            loss_ratio: loss_ratio(packets_sent, packets_received),
            send_errors: talker.send_errors + peer.send_errors,
            receive_errors: talker.receive_errors + peer.receive_errors,
            stray_packets: talker.stray + peer.stray,
            silent_streams: talker.silent_streams + peer.silent_streams,
            cpu_seconds: cpu,
            cpu_user_seconds: measurement.cpu.process.user.as_secs_f64(),
            cpu_system_seconds: measurement.cpu.process.system.as_secs_f64(),
            cpu_us_per_packet: if packets_sent == 0 { 0.0 } else { cpu * 1e6 / packets_sent as f64 },
            cpu_fraction_of_one_core,
            streams_per_core_estimate: per_core(settings.streams, cpu_fraction_of_one_core),
            lateness_us: lateness.summary(),
            sides: Sides {
                talker: side(talker, peer, measurement.cpu.talker),
                peer: side(peer, talker, measurement.cpu.peer),
            },
            both_ends_in_one_process: true,
            gave_up: talker.gave_up || peer.gave_up,
            sockets: measurement.sockets,
            ports: measurement.ports,
            fd_limit: measurement.fd_limit,
            receive_buffer_bytes: measurement.receive_buffer_bytes,
            measured_wall_seconds: wall,
            machine,
        }
    }

    /// The summary printed at the end of a run.
    pub(crate) fn human(&self, json_path: &Path) -> String {
        let mut text = String::new();
        let batch = match (self.batch, self.aligned_timers) {
            (Some(batch), _) => format!(", {batch} per sendmmsg/recvmmsg"),
            (None, Some(true)) => ", all timers of a side aligned".to_owned(),
            (None, Some(false)) => ", timers spread over the 20 ms period".to_owned(),
            (None, None) => String::new(),
        };
        let _ = writeln!(
            text,
            "udp-bench {}: {} full-duplex G.711 streams (50 packets/s each way) for {} s, {} worker thread(s) per side{batch}",
            self.mode, self.streams, self.seconds, self.workers
        );
        let _ = writeln!(
            text,
            "  both ends of every stream run in this process: the CPU figures cover the talker side and the peer side"
        );
        let _ = writeln!(
            text,
            "  packets   sent {} of {}  received {}  loss {:.4} %  send errors {}  stray {}  silent stream ends {}",
            self.packets_sent,
            self.packets_expected,
            self.packets_received,
            self.loss_ratio * 100.0,
            self.send_errors,
            self.stray_packets,
            self.silent_streams
        );
        let _ = writeln!(
            text,
            "  cpu       {:.2} s (user {:.2} s, system {:.2} s) = {:.3} of one core, {:.2} µs per packet (send + receive)",
            self.cpu_seconds,
            self.cpu_user_seconds,
            self.cpu_system_seconds,
            self.cpu_fraction_of_one_core,
            self.cpu_us_per_packet
        );
        let _ = writeln!(
            text,
            "  estimate  {} full-duplex streams per core, both ends counted",
            format_estimate(self.streams_per_core_estimate)
        );
        for (name, side) in [("talker", &self.sides.talker), ("peer", &self.sides.peer)] {
            let _ = writeln!(
                text,
                "  {name:<9} {} thread(s), cpu {} = {} of one core, {} stream ends per core; inbound loss {:.4} %; lateness p50 {} µs p99 {} µs max {} µs",
                side.threads,
                side.cpu_seconds.map_or("?".to_owned(), |cpu| format!("{cpu:.2} s")),
                side.cpu_fraction_of_one_core.map_or("?".to_owned(), |fraction| format!("{fraction:.3}")),
                format_estimate(side.streams_per_core_estimate),
                side.inbound_loss_ratio * 100.0,
                side.lateness_us.p50,
                side.lateness_us.p99,
                side.lateness_us.max
            );
        }
        let _ = writeln!(
            text,
            "  lateness  p50 {} µs  p99 {} µs  max {} µs over {} ticks",
            self.lateness_us.p50, self.lateness_us.p99, self.lateness_us.max, self.lateness_us.ticks
        );
        if self.gave_up {
            let _ = writeln!(text, "  WARNING   a side fell over a second behind and stopped sending: overloaded");
        }
        let receive_buffer = self
            .receive_buffer_bytes
            .map(|bytes| format!(", receive buffers {} KiB", bytes / 1024))
            .unwrap_or_default();
        let _ = writeln!(
            text,
            "  setup     {} sockets on 127.0.0.1:{}-{}, fd limit {}/{}{receive_buffer}",
            self.sockets, self.ports.first, self.ports.last, self.fd_limit.soft, self.fd_limit.hard
        );
        let cores = |cores: Option<f64>| cores.map_or("?".to_owned(), |cores| format!("{cores:.2}"));
        let _ = writeln!(
            text,
            "  machine   {} cores; while measuring, other processes used {} cores (all processes {}, steal {}); load average {} at start",
            self.machine.cores,
            cores(self.machine.other_processes_cores_during_run),
            cores(self.machine.busy_cores_during_run),
            cores(self.machine.steal_cores_during_run),
            cores(self.machine.load_average_1m_at_start),
        );
        let _ = writeln!(text, "  json      {}", json_path.display());
        text
    }

    pub(crate) fn write_json(&self, path: &Path) -> Result<(), BenchError> {
        write_json(self, path)
    }
}

/// Writes `report` as pretty JSON to `path`, making its directory if need be.
pub(crate) fn write_json(report: &impl Serialize, path: &Path) -> Result<(), BenchError> {
    let mut json = serde_json::to_string_pretty(report)
        .map_err(|error| BenchError::WriteReport { path: path.to_owned(), source: error.into() })?;
    json.push('\n');
    write_file(path, json.as_bytes())
}

/// Writes `contents` to `path`, making its directory if need be.
pub(crate) fn write_file(path: &Path, contents: &[u8]) -> Result<(), BenchError> {
    let write_error = |source| BenchError::WriteReport { path: path.to_owned(), source };
    if let Some(parent) = path.parent().filter(|parent| !parent.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(write_error)?;
    }
    std::fs::write(path, contents).map_err(write_error)
}

fn loss_ratio(sent: u64, received: u64) -> f64 {
    if sent == 0 { 0.0 } else { sent.saturating_sub(received) as f64 / sent as f64 }
}

fn per_core(streams: usize, fraction_of_one_core: f64) -> Option<f64> {
    (fraction_of_one_core > 0.0).then(|| streams as f64 / fraction_of_one_core)
}

fn format_estimate(estimate: Option<f64>) -> String {
    estimate.map_or("?".to_owned(), |estimate| format!("≈ {estimate:.0}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loss_counts_only_what_never_arrived() {
        assert_eq!(loss_ratio(0, 0), 0.0);
        assert_eq!(loss_ratio(1_000, 999), 0.001);
        // Duplicates cannot make loss negative.
        assert_eq!(loss_ratio(10, 12), 0.0);
    }

    #[test]
    fn streams_per_core_divides_by_the_share_of_a_core() {
        assert_eq!(per_core(3_000, 0.5), Some(6_000.0));
        assert_eq!(per_core(3_000, 0.0), None);
    }
}
