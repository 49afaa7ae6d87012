//! What every mode shares: the two sides, the run's schedule, sockets on
//! 127.0.0.1, the per-side counters, the tick loop the thread-based modes run,
//! and the CPU meter that samples the process and every worker thread at the
//! first tick and at the end of the drain.

use std::io;
use std::net::{Ipv4Addr, SocketAddrV4, UdpSocket};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use crate::lateness::LatenessHistogram;
use crate::sys::{self, FdLimit, ProcessCpu, ThreadCpuClock};

/// The packetisation interval of every stream.
pub(crate) const TICK: Duration = Duration::from_millis(20);
/// How long after the last send the receivers keep draining, so packets still
/// in flight count as received rather than lost.
pub(crate) const DRAIN: Duration = Duration::from_millis(200);
/// Time between scheduling the run and its first tick, for every thread and
/// task to be ready.
const LEAD_IN: Duration = Duration::from_millis(500);
/// A side whose tick runs this late cannot keep up: it stops sending rather
/// than run past the time asked for.
const GIVE_UP_LATENESS: Duration = Duration::from_secs(1);
/// File descriptors the process needs besides its sockets.
const SPARE_FDS: u64 = 64;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Mode {
    /// A few shared sockets, `sendmmsg`/`recvmmsg` in batches, demultiplexed by SSRC.
    Mmsg,
    /// One socket per stream per side, one `send_to` and non-blocking `recv_from` per packet, served by tick loops.
    PerSocket,
    /// One tokio task, socket and interval timer per stream per side.
    TokioTask,
}

impl Mode {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Mode::Mmsg => "mmsg",
            Mode::PerSocket => "per-socket",
            Mode::TokioTask => "tokio-task",
        }
    }
}

/// The two ends of every stream. Both run in this process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Side {
    /// Stands for Herald's Talker.
    Talker,
    /// Stands for the carrier's media gateway.
    Peer,
}

impl Side {
    pub(crate) const BOTH: [Side; 2] = [Side::Talker, Side::Peer];

    pub(crate) fn name(self) -> &'static str {
        match self {
            Side::Talker => "talker",
            Side::Peer => "peer",
        }
    }

    pub(crate) fn other(self) -> Side {
        match self {
            Side::Talker => Side::Peer,
            Side::Peer => Side::Talker,
        }
    }

    /// The top byte of this side's SSRCs.
    pub(crate) fn ssrc_tag(self) -> u32 {
        match self {
            Side::Talker => 0x7A,
            Side::Peer => 0x9E,
        }
    }

    /// Where this side's ticks fall in the 20 ms period: the peer ticks half a
    /// period after the talker, as a real far end's clock would not line up
    /// with ours, and so neither side's burst lands while the other is sending.
    pub(crate) fn phase(self) -> Duration {
        match self {
            Side::Talker => Duration::ZERO,
            Side::Peer => TICK / 2,
        }
    }
}

/// What to run, from the command line.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub(crate) mode: Mode,
    pub(crate) streams: usize,
    pub(crate) seconds: Duration,
    /// Threads per side (tokio-task: runtime worker threads per side).
    pub(crate) workers: usize,
    /// Datagrams per `sendmmsg`/`recvmmsg` call (mmsg mode).
    pub(crate) batch: usize,
    pub(crate) base_port: u16,
    /// tokio-task: fire all of a side's timers together instead of spreading
    /// them over the period.
    pub(crate) aligned_timers: bool,
}

/// The crate's one error type, for both binaries.
#[derive(Debug, thiserror::Error)]
pub(crate) enum BenchError {
    #[error("not enough free UDP ports on 127.0.0.1 from {base_port} up: needed {needed}, bound {bound}")]
    OutOfPorts { base_port: u16, needed: usize, bound: usize },
    #[error("binding {address}: {source}")]
    Bind { address: SocketAddrV4, source: io::Error },
    #[error("--port {port} with --workers {workers} reaches past port 65535 (worker w listens on --port + 2w)")]
    PortsPastEnd { port: u16, workers: usize },
    #[error(
        "{needed} file descriptors are needed but the limit is {soft} (hard limit {hard}); \
         lower --streams or raise the hard limit (ulimit -Hn)"
    )]
    FdLimit { needed: u64, soft: u64, hard: u64 },
    #[error("{what}: {source}")]
    Io { what: &'static str, source: io::Error },
    #[error("a {side} worker thread panicked")]
    WorkerPanicked { side: &'static str },
    #[error("installing the SIGINT/SIGTERM handler: {0}")]
    Signals(io::Error),
    #[error("writing {path}: {source}")]
    WriteReport { path: PathBuf, source: io::Error },
}

impl BenchError {
    pub(crate) fn io(what: &'static str) -> impl FnOnce(io::Error) -> BenchError {
        move |source| BenchError::Io { what, source }
    }
}

/// When the run sends and when it is measured. CPU is measured from
/// `first_tick` to `drain_end`; packets are sent from `first_tick` until
/// `stop_sending`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Schedule {
    pub(crate) first_tick: Instant,
    pub(crate) stop_sending: Instant,
    pub(crate) drain_end: Instant,
}

impl Schedule {
    /// A run that starts shortly and sends for `seconds`.
    pub(crate) fn starting_soon(seconds: Duration) -> Schedule {
        let first_tick = Instant::now() + LEAD_IN;
        let stop_sending = first_tick + seconds;
        Schedule { first_tick, stop_sending, drain_end: stop_sending + DRAIN }
    }
}

pub(crate) fn sleep_until(deadline: Instant) {
    let now = Instant::now();
    if deadline > now {
        thread::sleep(deadline - now);
    }
}

/// What one side's threads or tasks counted. Added up per side at the end.
#[derive(Debug, Clone, Default)]
pub(crate) struct SideCounts {
    pub(crate) sent: u64,
    pub(crate) received: u64,
    /// Packets the kernel would not take (full send buffer) or refused.
    pub(crate) send_errors: u64,
    pub(crate) receive_errors: u64,
    /// Datagrams that were not this side's RTP (wrong SSRC, not RTP).
    pub(crate) stray: u64,
    /// Streams that received nothing at all: a demultiplexing bug, or total loss.
    pub(crate) silent_streams: u64,
    /// Whether a tick ran so late that the side stopped sending.
    pub(crate) gave_up: bool,
    pub(crate) lateness: LatenessHistogram,
}

impl SideCounts {
    pub(crate) fn add(&mut self, other: &SideCounts) {
        self.sent += other.sent;
        self.received += other.received;
        self.send_errors += other.send_errors;
        self.receive_errors += other.receive_errors;
        self.stray += other.stray;
        self.silent_streams += other.silent_streams;
        self.gave_up |= other.gave_up;
        self.lateness.merge(&other.lateness);
    }
}

/// Which sockets a run used.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub(crate) struct PortRange {
    pub(crate) first: u16,
    pub(crate) last: u16,
}

/// Binds `count` UDP sockets on 127.0.0.1, non-blocking, on consecutive free
/// ports from `base_port` (ports already in use are skipped).
pub(crate) fn bind_sockets(count: usize, base_port: u16) -> Result<(Vec<UdpSocket>, PortRange), BenchError> {
    let mut sockets = Vec::with_capacity(count);
    let mut range = PortRange { first: base_port, last: base_port };
    for port in base_port..=u16::MAX {
        if sockets.len() == count {
            break;
        }
        let socket = match UdpSocket::bind(SocketAddrV4::new(Ipv4Addr::LOCALHOST, port)) {
            Ok(socket) => socket,
            Err(error) if error.kind() == io::ErrorKind::AddrInUse => continue,
            Err(source) => {
                return Err(BenchError::Bind { address: SocketAddrV4::new(Ipv4Addr::LOCALHOST, port), source });
            }
        };
        socket.set_nonblocking(true).map_err(BenchError::io("making a socket non-blocking"))?;
        if sockets.is_empty() {
            range.first = port;
        }
        range.last = port;
        sockets.push(socket);
    }
    if sockets.len() < count {
        return Err(BenchError::OutOfPorts { base_port, needed: count, bound: sockets.len() });
    }
    Ok((sockets, range))
}

/// The local address of a socket this crate bound (always IPv4 loopback).
pub(crate) fn local_v4(socket: &UdpSocket) -> Result<SocketAddrV4, BenchError> {
    match socket.local_addr().map_err(BenchError::io("reading a socket's address"))? {
        std::net::SocketAddr::V4(address) => Ok(address),
        std::net::SocketAddr::V6(_) => unreachable!("every socket is bound to 127.0.0.1"),
    }
}

/// Makes room for `sockets` more open files, raising the soft limit up to the
/// hard one if it has to; fails, saying so, when even the hard limit is short.
pub(crate) fn ensure_fd_limit(sockets: usize) -> Result<FdLimit, BenchError> {
    let needed = sockets as u64 + SPARE_FDS;
    let limit = sys::raise_fd_limit(needed).map_err(BenchError::io("raising RLIMIT_NOFILE"))?;
    if limit.soft < needed {
        return Err(BenchError::FdLimit { needed, soft: limit.soft, hard: limit.hard });
    }
    Ok(limit)
}

/// A worker thread's side and CPU clock, as the thread itself looked it up.
pub(crate) type WorkerClock = (Side, io::Result<ThreadCpuClock>);

/// CPU used between [`CpuMeter::start`] and [`CpuMeter::stop`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct CpuUsage {
    pub(crate) process: ProcessCpu,
    pub(crate) wall: Duration,
    /// Summed over the side's worker threads; `None` if a clock could not be read.
    pub(crate) talker: Option<Duration>,
    pub(crate) peer: Option<Duration>,
    /// What the whole machine did meanwhile (from /proc/stat), to tell an
    /// idle machine from a busy one.
    pub(crate) machine: Option<MachineCpu>,
}

/// Samples the process's CPU time and every registered worker thread's CPU
/// clock at two instants.
pub(crate) struct CpuMeter {
    started: Instant,
    process: ProcessCpu,
    machine: Option<MachineCpu>,
    threads: Vec<(Side, Option<(ThreadCpuClock, Duration)>)>,
}

impl CpuMeter {
    pub(crate) fn start(clocks: &[WorkerClock]) -> Result<CpuMeter, BenchError> {
        let threads = clocks
            .iter()
            .map(|(side, clock)| {
                let sample = clock.as_ref().ok().and_then(|clock| Some((*clock, clock.read().ok()?)));
                (*side, sample)
            })
            .collect();
        let process = sys::process_cpu().map_err(BenchError::io("getrusage"))?;
        Ok(CpuMeter { started: Instant::now(), process, machine: MachineCpu::now(), threads })
    }

    pub(crate) fn stop(self) -> Result<CpuUsage, BenchError> {
        let process = sys::process_cpu().map_err(BenchError::io("getrusage"))?.since(&self.process);
        let wall = self.started.elapsed();
        let machine = Option::zip(MachineCpu::now(), self.machine).map(|(end, start)| end.since(&start));
        let side_total = |wanted: Side| -> Option<Duration> {
            let mut total = Duration::ZERO;
            for (side, sample) in &self.threads {
                if *side == wanted {
                    let (clock, start) = (*sample)?;
                    total += clock.read().ok()?.saturating_sub(start);
                }
            }
            Some(total)
        };
        Ok(CpuUsage { process, wall, talker: side_total(Side::Talker), peer: side_total(Side::Peer), machine })
    }
}

/// CPU time of the whole machine, all processes, since boot.
#[derive(Debug, Clone, Copy)]
pub(crate) struct MachineCpu {
    /// Time the CPUs ran anything (user, nice, system, irq, softirq).
    pub(crate) busy: Duration,
    /// Time the hypervisor gave this virtual machine's CPUs to someone else.
    pub(crate) steal: Duration,
}

impl MachineCpu {
    fn now() -> Option<MachineCpu> {
        let ticks = cpu_ticks(&std::fs::read_to_string("/proc/stat").ok()?)?;
        let per_second = sys::clock_ticks_per_second();
        let duration = |ticks: u64| Duration::from_secs_f64(ticks as f64 / per_second as f64);
        Some(MachineCpu { busy: duration(ticks.busy), steal: duration(ticks.steal) })
    }

    fn since(&self, earlier: &MachineCpu) -> MachineCpu {
        MachineCpu { busy: self.busy.saturating_sub(earlier.busy), steal: self.steal.saturating_sub(earlier.steal) }
    }
}

#[derive(Debug, PartialEq, Eq)]
struct CpuTicks {
    busy: u64,
    steal: u64,
}

/// Busy time (user, nice, system, irq, softirq; not idle or iowait) and
/// steal time from the all-CPUs line of /proc/stat, in clock ticks. Guest
/// time is already inside user and nice.
fn cpu_ticks(proc_stat: &str) -> Option<CpuTicks> {
    let line = proc_stat.lines().find(|line| line.starts_with("cpu "))?;
    let fields = line.split_whitespace().skip(1).map(str::parse::<u64>).collect::<Result<Vec<_>, _>>().ok()?;
    let [user, nice, system, _idle, _iowait, irq, softirq, steal, ..] = fields[..] else {
        return None;
    };
    Some(CpuTicks { busy: user + nice + system + irq + softirq, steal })
}

/// What a mode hands back to be reported.
#[derive(Debug, Clone)]
pub(crate) struct Measurement {
    pub(crate) cpu: CpuUsage,
    pub(crate) talker: SideCounts,
    pub(crate) peer: SideCounts,
    /// Threads per side that did the work.
    pub(crate) threads_per_side: usize,
    pub(crate) sockets: usize,
    pub(crate) ports: PortRange,
    pub(crate) fd_limit: FdLimit,
    /// The smallest receive buffer granted, where the mode sized them.
    pub(crate) receive_buffer_bytes: Option<usize>,
}

/// One side's share of a thread-based mode, served once per tick.
pub(crate) trait TickWorker {
    fn side(&self) -> Side;
    /// Takes in what arrived since the last tick, then, when `send`, sends one
    /// packet for every stream the worker owns.
    fn tick(&mut self, send: bool, counts: &mut SideCounts);
    /// Adds end-of-run tallies (silent streams) to the counts.
    fn finish(&self, counts: &mut SideCounts);
}

/// How a worker is made on its own thread: the raw-pointer buffers of the
/// batched mode are not `Send`, so each worker is built where it runs.
pub(crate) trait WorkerPlan: Send + 'static {
    type Worker: TickWorker;
    fn side(&self) -> Side;
    fn build(self) -> Self::Worker;
}

/// Runs each plan's worker on a thread of its own and measures the run.
pub(crate) fn run_threads<P: WorkerPlan>(
    plans: Vec<P>,
    schedule: Schedule,
) -> Result<(CpuUsage, SideCounts, SideCounts), BenchError> {
    let finished = Arc::new(AtomicBool::new(false));
    let (clocks_sender, clocks) = mpsc::channel();
    let mut threads = Vec::with_capacity(plans.len());
    for (index, plan) in plans.into_iter().enumerate() {
        let side = plan.side();
        let finished = Arc::clone(&finished);
        let clocks_sender = clocks_sender.clone();
        let thread = thread::Builder::new()
            .name(format!("{}-{index}", side.name()))
            .spawn(move || {
                let _ = clocks_sender.send((side, ThreadCpuClock::of_current_thread()));
                let mut worker = plan.build();
                tick_loop(&mut worker, schedule, &finished)
            })
            .map_err(BenchError::io("spawning a worker thread"))?;
        threads.push((side, thread));
    }
    drop(clocks_sender);
    let clocks: Vec<_> = clocks.iter().take(threads.len()).collect();

    sleep_until(schedule.first_tick);
    let meter = CpuMeter::start(&clocks);
    let usage = meter.and_then(|meter| {
        sleep_until(schedule.drain_end);
        meter.stop()
    });
    finished.store(true, Ordering::Release);

    let mut talker = SideCounts::default();
    let mut peer = SideCounts::default();
    for (side, thread) in threads {
        let counts = thread.join().map_err(|_| BenchError::WorkerPanicked { side: side.name() })?;
        match side {
            Side::Talker => talker.add(&counts),
            Side::Peer => peer.add(&counts),
        }
    }
    Ok((usage?, talker, peer))
}

/// The 20 ms loop of one worker thread: sleep to the deadline, note how late
/// it woke, serve every stream. Sends until `stop_sending`, then keeps
/// draining every tick until the main thread says the run is over.
fn tick_loop(worker: &mut impl TickWorker, schedule: Schedule, finished: &AtomicBool) -> SideCounts {
    let mut counts = SideCounts::default();
    let mut deadline = schedule.first_tick + worker.side().phase();
    loop {
        sleep_until(deadline);
        let sending = deadline < schedule.stop_sending && !counts.gave_up;
        if sending {
            let lateness = Instant::now().saturating_duration_since(deadline);
            counts.lateness.record(lateness);
            counts.gave_up = lateness > GIVE_UP_LATENESS;
        }
        worker.tick(sending && !counts.gave_up, &mut counts);
        if !sending && finished.load(Ordering::Acquire) {
            break;
        }
        // Late ticks are not skipped: a side that falls behind sends its
        // packets late (and shows it in lateness) rather than fewer of them.
        deadline += TICK;
    }
    worker.finish(&mut counts);
    counts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_ticks_add_up_the_all_cpus_line_without_idle_time() {
        let proc_stat = "cpu  100 5 40 9000 30 2 3 7 0 0\ncpu0 50 2 20 4500 15 1 1 0 0 0\nintr 1 2 3\n";
        assert_eq!(cpu_ticks(proc_stat), Some(CpuTicks { busy: 100 + 5 + 40 + 2 + 3, steal: 7 }));
        assert_eq!(cpu_ticks("cpu  1 2 3\n"), None);
        assert_eq!(cpu_ticks("intr 1\n"), None);
    }
}
