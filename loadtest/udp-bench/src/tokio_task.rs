//! `tokio-task` mode — the naive design: one tokio task, socket and interval
//! timer per stream on each side. Each side gets its own multi-threaded
//! runtime with `workers` threads, so each side's CPU can be read from its
//! threads' clocks. Stream start times are spread over the 20 ms period, as
//! calls that started at different moments would be, unless
//! `--aligned-timers` asks for every timer of a side to fire together.

use std::cell::RefCell;
use std::net::{SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use tokio::runtime::Runtime;
use tokio::time::MissedTickBehavior;

use crate::bench::{self, BenchError, CpuMeter, Measurement, Schedule, Settings, Side, SideCounts, TICK, WorkerClock};
use crate::lateness::LatenessHistogram;
use crate::rtp::{self, OutgoingStream, RtpHeader};
use crate::sys::{RECEIVE_BUFFER_LEN, ThreadCpuClock};

/// How long after the drain the main thread waits for every task to report.
const TASKS_GRACE: Duration = Duration::from_secs(2);

thread_local! {
    /// Lateness of the ticks this runtime thread served; merged into its side's
    /// histogram when the thread stops, so tasks never contend on a lock.
    static TICK_LATENESS: RefCell<LatenessHistogram> = RefCell::new(LatenessHistogram::new());
}

pub(crate) fn run(settings: &Settings) -> Result<Measurement, BenchError> {
    let streams = settings.streams;
    let fd_limit = bench::ensure_fd_limit(2 * streams)?;
    let (mut sockets, ports) = bench::bind_sockets(2 * streams, settings.base_port)?;
    let addresses = sockets.iter().map(bench::local_v4).collect::<Result<Vec<_>, _>>()?;
    let peer_sockets = sockets.split_off(streams);

    let talker = SideRuntime::build(Side::Talker, settings.workers)?;
    let peer = SideRuntime::build(Side::Peer, settings.workers)?;
    let talker_sockets = sockets.into_iter().map(|socket| talker.adopt(socket)).collect::<Result<Vec<_>, _>>()?;
    let peer_sockets = peer_sockets.into_iter().map(|socket| peer.adopt(socket)).collect::<Result<Vec<_>, _>>()?;

    let schedule = Schedule::starting_soon(settings.seconds);
    let phase = |side: Side, stream: usize| {
        if settings.aligned_timers { side.phase() } else { spread_phase(side, stream, streams) }
    };
    for (stream, (talker_socket, peer_socket)) in talker_sockets.into_iter().zip(peer_sockets).enumerate() {
        talker.spawn(StreamTask {
            side: Side::Talker,
            stream,
            socket: talker_socket,
            remote: addresses[streams + stream].into(),
            first_tick: schedule.first_tick + phase(Side::Talker, stream),
            schedule,
        });
        peer.spawn(StreamTask {
            side: Side::Peer,
            stream,
            socket: peer_socket,
            remote: addresses[stream].into(),
            first_tick: schedule.first_tick + phase(Side::Peer, stream),
            schedule,
        });
    }

    // Runtime threads register their CPU clocks as they start.
    while (talker.clock_count() < settings.workers || peer.clock_count() < settings.workers)
        && Instant::now() < schedule.first_tick
    {
        std::thread::sleep(Duration::from_millis(1));
    }
    let clocks: Vec<_> = talker.take_clocks().into_iter().chain(peer.take_clocks()).collect();

    bench::sleep_until(schedule.first_tick);
    let meter = CpuMeter::start(&clocks)?;
    bench::sleep_until(schedule.drain_end);
    let give_up_at = schedule.drain_end + TASKS_GRACE;
    while (talker.running.load(Ordering::Acquire) > 0 || peer.running.load(Ordering::Acquire) > 0)
        && Instant::now() < give_up_at
    {
        std::thread::sleep(Duration::from_millis(1));
    }
    let cpu = meter.stop()?;

    Ok(Measurement {
        cpu,
        talker: talker.finish(),
        peer: peer.finish(),
        threads_per_side: settings.workers,
        sockets: 2 * streams,
        ports,
        fd_limit,
        receive_buffer_bytes: None,
    })
}

/// Where in the 20 ms period stream `stream` of `streams` ticks: evenly
/// spread, with the peer half a period after its talker.
fn spread_phase(side: Side, stream: usize, streams: usize) -> Duration {
    let period_us = TICK.as_micros() as u64;
    let talker_us = (stream as u64 * period_us) / streams.max(1) as u64;
    let offset_us = side.phase().as_micros() as u64;
    Duration::from_micros((talker_us + offset_us) % period_us)
}

/// One side's runtime and what its tasks and threads report.
struct SideRuntime {
    runtime: Runtime,
    clocks: Arc<Mutex<Vec<WorkerClock>>>,
    lateness: Arc<Mutex<LatenessHistogram>>,
    totals: Arc<Mutex<SideCounts>>,
    /// Tasks that have not reported yet.
    running: Arc<AtomicUsize>,
}

impl SideRuntime {
    fn build(side: Side, workers: usize) -> Result<SideRuntime, BenchError> {
        let clocks = Arc::new(Mutex::new(Vec::new()));
        let lateness = Arc::new(Mutex::new(LatenessHistogram::new()));
        let runtime = {
            let clocks = Arc::clone(&clocks);
            let lateness = Arc::clone(&lateness);
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(workers)
                .thread_name(format!("{}-rt", side.name()))
                .enable_io()
                .enable_time()
                .on_thread_start(move || {
                    let clock = ThreadCpuClock::of_current_thread();
                    clocks.lock().unwrap_or_else(PoisonError::into_inner).push((side, clock));
                })
                .on_thread_stop(move || {
                    let histogram = TICK_LATENESS.with(RefCell::take);
                    lateness.lock().unwrap_or_else(PoisonError::into_inner).merge(&histogram);
                })
                .build()
                .map_err(BenchError::io("building a tokio runtime"))?
        };
        Ok(SideRuntime {
            runtime,
            clocks,
            lateness,
            totals: Arc::new(Mutex::new(SideCounts::default())),
            running: Arc::new(AtomicUsize::new(0)),
        })
    }

    /// Registers a socket with this runtime's reactor.
    fn adopt(&self, socket: UdpSocket) -> Result<tokio::net::UdpSocket, BenchError> {
        let _runtime = self.runtime.enter();
        tokio::net::UdpSocket::from_std(socket).map_err(BenchError::io("registering a socket with tokio"))
    }

    fn spawn(&self, task: StreamTask) {
        self.running.fetch_add(1, Ordering::AcqRel);
        let totals = Arc::clone(&self.totals);
        let running = Arc::clone(&self.running);
        self.runtime.spawn(async move {
            let counts = task.run().await;
            counts.add_to(&mut totals.lock().unwrap_or_else(PoisonError::into_inner));
            running.fetch_sub(1, Ordering::AcqRel);
        });
    }

    fn clock_count(&self) -> usize {
        self.clocks.lock().unwrap_or_else(PoisonError::into_inner).len()
    }

    fn take_clocks(&self) -> Vec<WorkerClock> {
        std::mem::take(&mut *self.clocks.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// Stops the runtime (its threads fold their lateness in as they stop) and
    /// returns the side's counts.
    fn finish(self) -> SideCounts {
        self.runtime.shutdown_timeout(Duration::from_secs(1));
        let mut counts = std::mem::take(&mut *self.totals.lock().unwrap_or_else(PoisonError::into_inner));
        counts.lateness.merge(&self.lateness.lock().unwrap_or_else(PoisonError::into_inner));
        counts
    }
}

/// What one task counted; added to its side's totals once, at the end.
#[derive(Debug, Default)]
struct TaskCounts {
    sent: u64,
    received: u64,
    send_errors: u64,
    receive_errors: u64,
    stray: u64,
}

impl TaskCounts {
    fn add_to(&self, totals: &mut SideCounts) {
        totals.sent += self.sent;
        totals.received += self.received;
        totals.send_errors += self.send_errors;
        totals.receive_errors += self.receive_errors;
        totals.stray += self.stray;
        totals.silent_streams += u64::from(self.received == 0);
    }
}

/// One side of one stream, as a task of its own.
struct StreamTask {
    side: Side,
    stream: usize,
    socket: tokio::net::UdpSocket,
    remote: SocketAddr,
    /// This stream's first tick (the run's, plus its phase).
    first_tick: Instant,
    schedule: Schedule,
}

impl StreamTask {
    async fn run(self) -> TaskCounts {
        let mut counts = TaskCounts::default();
        let socket = self.socket;
        let stop_sending = tokio::time::Instant::from_std(self.schedule.stop_sending);
        let mut interval = tokio::time::interval_at(tokio::time::Instant::from_std(self.first_tick), TICK);
        // Like the tick loops: a late stream sends late, not less.
        interval.set_missed_tick_behavior(MissedTickBehavior::Burst);
        let drain_end = tokio::time::sleep_until(tokio::time::Instant::from_std(self.schedule.drain_end));
        tokio::pin!(drain_end);
        let mut outgoing = OutgoingStream::new(rtp::ssrc_for(self.side, self.stream));
        let expected_ssrc = rtp::ssrc_for(self.side.other(), self.stream);
        let mut packet = rtp::silent_packet();
        let mut buffer = [0u8; RECEIVE_BUFFER_LEN];
        let mut sending = true;
        loop {
            tokio::select! {
                deadline = interval.tick(), if sending => {
                    if deadline >= stop_sending {
                        sending = false;
                        continue;
                    }
                    let lateness = tokio::time::Instant::now().saturating_duration_since(deadline);
                    TICK_LATENESS.with(|histogram| histogram.borrow_mut().record(lateness));
                    outgoing.advance().write(&mut packet);
                    match socket.send_to(&packet, self.remote).await {
                        Ok(_) => counts.sent += 1,
                        Err(_) => counts.send_errors += 1,
                    }
                }
                received = socket.recv_from(&mut buffer) => match received {
                    Ok((length, _from)) => match RtpHeader::parse(&buffer[..length]) {
                        Some(header) if header.ssrc == expected_ssrc => counts.received += 1,
                        _ => counts.stray += 1,
                    },
                    Err(_) => counts.receive_errors += 1,
                },
                () = &mut drain_end => break,
            }
        }
        counts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phases_spread_over_the_period_with_the_peer_half_a_period_behind() {
        assert_eq!(spread_phase(Side::Talker, 0, 4), Duration::ZERO);
        assert_eq!(spread_phase(Side::Talker, 1, 4), Duration::from_millis(5));
        assert_eq!(spread_phase(Side::Peer, 1, 4), Duration::from_millis(15));
        assert_eq!(spread_phase(Side::Peer, 3, 4), Duration::from_millis(5));
    }
}
