//! `udp-bench`: the raw UDP baseline Herald's media path is measured against
//! (issue #3). This is its command line; `src/main.rs` only calls [`main`].
//!
//! It simulates N full-duplex G.711 streams — 172-byte RTP packets, 50 a
//! second each way — between a "talker" side and a "peer" side over
//! 127.0.0.1, for a bounded number of seconds, in one of three designs:
//! shared sockets with `sendmmsg`/`recvmmsg` (`mmsg`), one socket per stream
//! with one system call per packet served by tick loops (`per-socket`, what
//! the media engine does today), or one tokio task and timer per stream
//! (`tokio-task`). It reports the process's CPU per packet and per stream,
//! each side's CPU from its threads' clocks, loss, and how late the 20 ms
//! ticks ran, and writes them as JSON.
//!
//! Both sides run in this one process, so the headline CPU covers both ends of
//! every stream. It never leaves loopback, stops by itself, and touches
//! nothing of Herald's.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;

use crate::bench::{Mode, Settings};
use crate::report::{Machine, Report};
use crate::{mmsg, per_socket, tokio_task};

/// Raw loopback UDP benchmark: N full-duplex G.711 RTP streams at 50 packets/s
/// each way, in one of three socket designs, with CPU per stream.
#[derive(Debug, Parser)]
#[command(name = "udp-bench", version)]
struct Args {
    /// Socket design to measure.
    #[arg(long, value_enum, default_value_t = Mode::Mmsg)]
    mode: Mode,
    /// Full-duplex streams: each has a talker end and a peer end.
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    streams: u32,
    /// Seconds of sending; the run takes about 0.7 s more (lead-in and drain).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=600))]
    seconds: u32,
    /// Threads per side (tokio-task: runtime worker threads per side).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=64))]
    workers: u32,
    /// Datagrams per sendmmsg/recvmmsg call (mmsg mode; the kernel takes at most 1024).
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u32).range(1..=1024))]
    batch: u32,
    /// First UDP port to bind on 127.0.0.1; ports in use are skipped. The
    /// default stays above Herald's own RTP port ranges.
    #[arg(long, default_value_t = 45_000, value_parser = clap::value_parser!(u16).range(30_000..))]
    base_port: u16,
    /// tokio-task mode: start every stream's timer on the same instant (per
    /// side), as the tick-loop modes do, instead of spreading them over the
    /// 20 ms period as calls placed at different moments would be.
    #[arg(long)]
    aligned_timers: bool,
    /// Where to write the JSON report [default: loadtest/results/udp-bench-<mode>-<streams>.json]
    #[arg(long)]
    json: Option<PathBuf>,
}

/// The whole of `udp-bench`: parse the command line, run, report.
pub fn main() -> ExitCode {
    let args = Args::parse();
    let settings = Settings {
        mode: args.mode,
        streams: args.streams as usize,
        seconds: Duration::from_secs(u64::from(args.seconds)),
        workers: args.workers as usize,
        batch: args.batch as usize,
        base_port: args.base_port,
        aligned_timers: args.aligned_timers,
    };
    let json_path = args.json.unwrap_or_else(|| {
        PathBuf::from(format!("loadtest/results/udp-bench-{}-{}.json", settings.mode.name(), settings.streams))
    });
    let machine = Machine::now();
    let measured = match settings.mode {
        Mode::Mmsg => mmsg::run(&settings),
        Mode::PerSocket => per_socket::run(&settings),
        Mode::TokioTask => tokio_task::run(&settings),
    };
    let report = match measured {
        Ok(measurement) => Report::new(&settings, &measurement, machine),
        Err(error) => {
            eprintln!("udp-bench: {error}");
            return ExitCode::FAILURE;
        }
    };
    print!("{}", report.human(&json_path));
    if let Err(error) = report.write_json(&json_path) {
        eprintln!("udp-bench: {error}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
