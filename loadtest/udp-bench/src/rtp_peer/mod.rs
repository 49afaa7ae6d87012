//! `rtp-peer`: a lightweight, batched RTP far end for load-testing Herald's
//! Talker. SIPp answers the Talker's calls with an SDP that points call `i`
//! at stream `i`'s own loopback address (from the injection file
//! `write-inf` writes); the Talker sends its 20 ms PCMU there, and `run`
//! takes it in on a few shared sockets, measures loss and arrival lateness
//! per stream from kernel timestamps, and answers every active stream with
//! 20 ms of PCMU silence per tick, sent from the stream's own address — so a
//! Talker that tells its calls apart by the remote address sees one distinct
//! far end per call.
//!
//! It only ever binds the loopback device and answers loopback sources,
//! keeps at most 65 000 streams, preallocates every stream's state, and
//! stops by itself (`--seconds`, `--idle-exit`, SIGINT/SIGTERM).

mod inbound;
mod layout;
mod report;
mod worker;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use clap::Parser;

use crate::bench::{BenchError, TICK};
use crate::mmsg;
use crate::rtp_peer::layout::{MAX_STREAMS, StreamLayout};
use crate::rtp_peer::report::{PeerReport, RunFacts, StopReason};
use crate::rtp_peer::worker::{WorkerGauge, WorkerOutcome};
use crate::sys;

/// Exit code for a command line that parses but cannot be run (EX_USAGE).
const EXIT_USAGE: u8 = 64;
/// How much of the Talker's traffic a worker socket must hold between two
/// drains, in 20 ms packets per stream: one tick, plus room for the Talker's
/// bursts and the worker's own late wake-ups.
const TICKS_BUFFERED: usize = 5;

/// A batched RTP far end for load-testing Herald's Talker: one loopback
/// address per call, shared sockets, sendmmsg/recvmmsg.
#[derive(Debug, Parser)]
#[command(name = "rtp-peer", version)]
struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Write the SIPp injection file (`-inf`): `SEQUENTIAL`, then `ip;port;`
    /// for stream 0, 1, …: SIPp's call i gets stream i's address and port.
    WriteInf {
        #[command(flatten)]
        layout: LayoutArgs,
        /// Where to write it.
        #[arg(long)]
        out: PathBuf,
    },
    /// Receive, measure and answer the Talker's RTP until --seconds,
    /// --idle-exit or SIGINT/SIGTERM, then report.
    Run {
        #[command(flatten)]
        layout: LayoutArgs,
        /// The longest the run may last.
        #[arg(long, default_value_t = 3_600, value_parser = clap::value_parser!(u32).range(1..=86_400))]
        seconds: u32,
        /// Stop once no stream has been active for this many seconds, after
        /// at least one was (a stream is active while heard from within
        /// 300 ms). 0: never.
        #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(0..=86_400))]
        idle_exit: u32,
        /// Where to write the JSON report [default: loadtest/results/rtp-peer-<streams>.json]
        #[arg(long)]
        json: Option<PathBuf>,
    },
}

/// Where the streams live. `write-inf` and `run` must be given the same.
#[derive(Debug, clap::Args)]
struct LayoutArgs {
    /// Stream addresses, one per call: stream i is 127.1.(i / 254).(i % 254 + 1).
    #[arg(long, default_value_t = 1_000, value_parser = clap::value_parser!(u32).range(1..=MAX_STREAMS as i64))]
    streams: u32,
    /// First UDP port: worker w listens on 0.0.0.0:(port + 2w), bound to the loopback device.
    #[arg(long, default_value_t = 46_000, value_parser = clap::value_parser!(u16).range(1024..))]
    port: u16,
    /// Worker threads, one socket each; stream i belongs to worker i % workers.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=64))]
    workers: u32,
}

impl LayoutArgs {
    fn layout(&self) -> Result<StreamLayout, BenchError> {
        StreamLayout::new(self.streams as usize, self.workers as usize, self.port)
    }
}

/// The whole of `rtp-peer`: parse the command line, then write the
/// injection file or run.
pub fn main() -> ExitCode {
    let outcome = match &Args::parse().command {
        Command::WriteInf { layout, out } => write_inf(layout, out),
        Command::Run { layout, seconds, idle_exit, json } => {
            let settings = RunSettings {
                max_run: Duration::from_secs(u64::from(*seconds)),
                idle_exit: (*idle_exit > 0).then(|| Duration::from_secs(u64::from(*idle_exit))),
            };
            let json = json
                .clone()
                .unwrap_or_else(|| PathBuf::from(format!("loadtest/results/rtp-peer-{}.json", layout.streams)));
            run_and_report(layout, &settings, &json)
        }
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("rtp-peer: {error}");
            let usage = matches!(error, BenchError::PortsPastEnd { .. });
            if usage { ExitCode::from(EXIT_USAGE) } else { ExitCode::FAILURE }
        }
    }
}

fn write_inf(layout_args: &LayoutArgs, out: &Path) -> Result<(), BenchError> {
    let layout = layout_args.layout()?;
    crate::report::write_file(out, layout.injection_file().as_bytes())?;
    let (first, last) = (layout.address_of(0), layout.address_of(layout.streams() - 1));
    println!("rtp-peer: wrote {} streams ({first} … {last}) to {}", layout.streams(), out.display());
    Ok(())
}

fn run_and_report(layout_args: &LayoutArgs, settings: &RunSettings, json: &Path) -> Result<(), BenchError> {
    let layout = layout_args.layout()?;
    let terminate = sys::catch_termination_signals().map_err(BenchError::Signals)?;
    let (facts, outcomes) = run(layout, settings, terminate)?;
    let report = PeerReport::new(&facts, &outcomes);
    print!("{}", report.human(json));
    report.write_json(json)
}

/// When `run` stops, besides SIGINT/SIGTERM.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RunSettings {
    pub(crate) max_run: Duration,
    /// `None`: never stop for idleness.
    pub(crate) idle_exit: Option<Duration>,
}

/// Binds the workers' sockets, runs them until a stop condition, and
/// returns what each found. `terminate` is polled every tick.
pub(crate) fn run(
    layout: StreamLayout,
    settings: &RunSettings,
    terminate: &AtomicBool,
) -> Result<(RunFacts, Vec<WorkerOutcome>), BenchError> {
    let streams_per_worker = layout.streams().div_ceil(layout.workers());
    let receive_buffer = mmsg::receive_buffer_for(TICKS_BUFFERED * streams_per_worker);
    let mut sockets = Vec::with_capacity(layout.workers());
    for worker in 0..layout.workers() {
        sockets.push(worker::open_socket(layout.port_of_worker(worker), receive_buffer)?);
    }
    let receive_buffer_bytes = sockets.iter().map(|opened| opened.receive_buffer_bytes).min().unwrap_or(0);
    let loopback_device_only = sockets.iter().all(|opened| opened.loopback_device_only);

    let started_wall = SystemTime::now();
    let started = Instant::now();
    let cpu_at_start = sys::process_cpu().map_err(BenchError::io("getrusage"))?;
    let stop = Arc::new(AtomicBool::new(false));
    let mut threads = Vec::with_capacity(sockets.len());
    for (index, opened) in sockets.into_iter().enumerate() {
        let gauge = Arc::new(WorkerGauge::default());
        let stop = Arc::clone(&stop);
        let thread_gauge = Arc::clone(&gauge);
        let thread = thread::Builder::new()
            .name(format!("rtp-peer-{index}"))
            .spawn(move || worker::run(index, layout, opened.socket, started, &stop, &thread_gauge))
            .map_err(BenchError::io("spawning a worker thread"))?;
        threads.push((thread, gauge));
    }
    println!(
        "rtp-peer: listening for {} streams on {} … {} (ports {}-{}), {} worker(s)",
        layout.streams(),
        layout.address_of(0),
        layout.address_of(layout.streams() - 1),
        layout.port_of_worker(0),
        layout.port_of_worker(layout.workers() - 1),
        layout.workers()
    );

    let mut peak_active_streams = 0;
    let mut idle_since: Option<Instant> = None;
    let stop_reason = loop {
        thread::sleep(TICK);
        if terminate.load(Ordering::Relaxed) {
            break StopReason::Signal;
        }
        let now = Instant::now();
        if now.duration_since(started) >= settings.max_run {
            break StopReason::Seconds;
        }
        let active: usize = threads.iter().map(|(_, gauge)| gauge.active.load(Ordering::Relaxed)).sum();
        let seen: usize = threads.iter().map(|(_, gauge)| gauge.seen.load(Ordering::Relaxed)).sum();
        peak_active_streams = peak_active_streams.max(active);
        match settings.idle_exit {
            Some(idle_exit) if seen > 0 && active == 0 => {
                if now.duration_since(*idle_since.get_or_insert(now)) >= idle_exit {
                    break StopReason::Idle;
                }
            }
            _ => idle_since = None,
        }
    };
    stop.store(true, Ordering::Release);

    let mut outcomes = Vec::with_capacity(threads.len());
    for (thread, _) in threads {
        outcomes.push(thread.join().map_err(|_| BenchError::WorkerPanicked { side: "rtp-peer" })?);
    }
    let cpu = sys::process_cpu().map_err(BenchError::io("getrusage"))?.since(&cpu_at_start);
    let unix_seconds = |time: SystemTime| time.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs_f64();
    let facts = RunFacts {
        streams: layout.streams(),
        first_port: layout.port_of_worker(0),
        last_port: layout.port_of_worker(layout.workers() - 1),
        receive_buffer_bytes,
        loopback_device_only,
        started_at_unix_s: unix_seconds(started_wall),
        ended_at_unix_s: unix_seconds(SystemTime::now()),
        stop_reason,
        peak_active_streams,
        cpu_user_seconds: cpu.user.as_secs_f64(),
        cpu_system_seconds: cpu.system.as_secs_f64(),
    };
    Ok((facts, outcomes))
}
