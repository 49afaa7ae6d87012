//! One worker thread of the peer: one socket on 0.0.0.0:(port + 2w), tied
//! to the loopback device, serving every `workers`th stream, and a 20 ms
//! tick loop on absolute deadlines. Each tick drains the socket with
//! `recvmmsg` — each datagram's stream found by the address it was sent to
//! (IP_PKTINFO), its arrival time taken from the kernel (SO_TIMESTAMPNS) —
//! then sends one PCMU packet to every active stream with `sendmmsg`, each
//! from its stream's own address. Nothing is allocated per packet.

use std::net::{Ipv4Addr, SocketAddrV4, UdpSocket};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde::Serialize;

use crate::bench::{self, BenchError, Side, TICK};
use crate::lateness::LatenessHistogram;
use crate::rtp::{self, OutgoingStream, RtpHeader};
use crate::rtp_peer::inbound::{InboundPacket, InboundStream, StreamTally, Verdict};
use crate::rtp_peer::layout::StreamLayout;
use crate::sys::{self, AnnotatedDatagram, ReceiveBatch, SendBatch};

/// Datagrams per `recvmmsg` and per `sendmmsg`.
const BATCH: usize = 64;
/// A worker this far behind its deadlines (a stopped process, a starved
/// machine) skips the ticks it missed rather than send them in one burst.
const MAX_BEHIND: Duration = Duration::from_secs(1);

/// A bound worker socket and what the kernel granted it.
pub(crate) struct WorkerSocket {
    pub(crate) socket: UdpSocket,
    pub(crate) receive_buffer_bytes: usize,
    /// Whether SO_BINDTODEVICE "lo" took: the socket then sees and sends
    /// loopback traffic only. Without it, datagrams from outside 127/8 are
    /// still dropped (and never answered) by the worker.
    pub(crate) loopback_device_only: bool,
}

/// Binds 0.0.0.0:`port` — the only way to receive on every 127.1.x.y
/// address with one socket — ties it to the loopback device, and sets it up
/// for annotated, batched receiving.
pub(crate) fn open_socket(port: u16, receive_buffer: usize) -> Result<WorkerSocket, BenchError> {
    let address = SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, port);
    let socket = UdpSocket::bind(address).map_err(|source| BenchError::Bind { address, source })?;
    let loopback_device_only = sys::bind_to_loopback_device(&socket).is_ok();
    socket.set_nonblocking(true).map_err(BenchError::io("making a socket non-blocking"))?;
    sys::enable_receive_annotations(&socket).map_err(BenchError::io("enabling IP_PKTINFO and SO_TIMESTAMPNS"))?;
    let receive_buffer_bytes =
        sys::set_receive_buffer(&socket, receive_buffer).map_err(BenchError::io("setting SO_RCVBUF"))?;
    Ok(WorkerSocket { socket, receive_buffer_bytes, loopback_device_only })
}

/// Datagrams the peer took in but could not use, by reason.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub(crate) struct StrayCounts {
    /// Sent to an address that is none of this run's stream addresses.
    pub(crate) unknown_destination: u64,
    /// Sent to a stream's address but another worker's port.
    pub(crate) wrong_port: u64,
    /// From outside 127.0.0.0/8: never counted, never answered.
    pub(crate) non_loopback_source: u64,
    /// RTCP on the RTP port (RFC 5761 packet types 192–223).
    pub(crate) rtcp: u64,
    /// Not RTP version 2, or cut short.
    pub(crate) not_rtp: u64,
}

impl StrayCounts {
    pub(crate) fn total(&self) -> u64 {
        self.unknown_destination + self.wrong_port + self.non_loopback_source + self.rtcp + self.not_rtp
    }

    pub(crate) fn add(&mut self, other: &StrayCounts) {
        self.unknown_destination += other.unknown_destination;
        self.wrong_port += other.wrong_port;
        self.non_loopback_source += other.non_loopback_source;
        self.rtcp += other.rtcp;
        self.not_rtp += other.not_rtp;
    }

    fn count(&mut self, stray: Stray) {
        match stray {
            Stray::UnknownDestination => self.unknown_destination += 1,
            Stray::WrongPort => self.wrong_port += 1,
            Stray::NonLoopbackSource => self.non_loopback_source += 1,
            Stray::Rtcp => self.rtcp += 1,
            Stray::NotRtp => self.not_rtp += 1,
        }
    }
}

/// Why a datagram was not counted.
#[derive(Debug, Clone, Copy)]
enum Stray {
    UnknownDestination,
    WrongPort,
    NonLoopbackSource,
    Rtcp,
    NotRtp,
}

/// What a worker counted, besides its streams' tallies.
#[derive(Debug, Clone, Default)]
pub(crate) struct WorkerCounts {
    pub(crate) packets_sent: u64,
    /// Packets the kernel would not take (full send buffer) or refused.
    pub(crate) send_errors: u64,
    pub(crate) receive_errors: u64,
    pub(crate) stray: StrayCounts,
    /// Packets timed by the worker's clock for want of a kernel timestamp.
    pub(crate) missing_kernel_timestamps: u64,
    pub(crate) ticks: u64,
    pub(crate) ticks_skipped: u64,
    pub(crate) peak_active_streams: usize,
}

/// What the main thread reads of a running worker.
#[derive(Debug, Default)]
pub(crate) struct WorkerGauge {
    /// Streams active at the worker's last tick.
    pub(crate) active: AtomicUsize,
    /// Streams heard from at least once so far.
    pub(crate) seen: AtomicUsize,
}

/// A worker's results, handed back when its thread ends.
#[derive(Debug, Clone)]
pub(crate) struct WorkerOutcome {
    pub(crate) worker: usize,
    pub(crate) port: u16,
    pub(crate) streams: usize,
    pub(crate) streams_seen: usize,
    pub(crate) tally: StreamTally,
    pub(crate) counts: WorkerCounts,
    /// Arrival lateness of every audio packet received.
    pub(crate) arrival_lateness: LatenessHistogram,
    /// How late the worker's own ticks ran (its sending, not the Talker's).
    pub(crate) tick_lateness: LatenessHistogram,
}

pub(crate) struct Worker {
    index: usize,
    layout: StreamLayout,
    socket: UdpSocket,
    /// Slot `i` is stream `layout.streams_of(index).nth(i)`.
    inbound: Vec<InboundStream>,
    /// The peer's own RTP per stream, same slots.
    outgoing: Vec<OutgoingStream>,
    /// Slots with a session that may still be active, so a tick visits the
    /// calls that are up, not every stream of the run (60,000 in a `cps`
    /// run: scanning them all 50 times a second was a sixth of a core).
    listed: Vec<usize>,
    /// `is_listed[slot]`: the slot is in `listed`.
    is_listed: Vec<bool>,
    /// Streams heard from at least once.
    seen: usize,
    receive: ReceiveBatch,
    send: SendBatch,
    counts: WorkerCounts,
    arrival_lateness: LatenessHistogram,
    tick_lateness: LatenessHistogram,
}

impl Worker {
    /// Builds the worker's buffers; call it on the worker's own thread (the
    /// batches hold raw pointers, so they are not `Send`).
    pub(crate) fn new(index: usize, layout: StreamLayout, socket: UdpSocket) -> Worker {
        let outgoing: Vec<_> =
            layout.streams_of(index).map(|stream| OutgoingStream::new(rtp::ssrc_for(Side::Peer, stream))).collect();
        Worker {
            index,
            layout,
            socket,
            inbound: (0..outgoing.len()).map(|_| InboundStream::default()).collect(),
            listed: Vec::new(),
            is_listed: vec![false; outgoing.len()],
            seen: 0,
            outgoing,
            receive: ReceiveBatch::annotated(BATCH),
            send: SendBatch::with_sources(BATCH),
            counts: WorkerCounts::default(),
            arrival_lateness: LatenessHistogram::new(),
            tick_lateness: LatenessHistogram::new(),
        }
    }

    /// One 20 ms tick at `now` (`wall_now`, time since the Unix epoch, only
    /// stands in for a missing kernel timestamp): takes in what arrived, then
    /// sends one packet to every active stream. Returns the streams active
    /// and the streams seen (heard from at least once) so far.
    pub(crate) fn tick(&mut self, now: Instant, wall_now: Duration) -> (usize, usize) {
        self.counts.ticks += 1;
        self.drain(now, wall_now);
        let (active, seen) = self.answer(now);
        self.counts.peak_active_streams = self.counts.peak_active_streams.max(active);
        (active, seen)
    }

    fn drain(&mut self, now: Instant, wall_now: Duration) {
        loop {
            let arrived = match self.receive.receive(&self.socket) {
                Ok(arrived) => arrived,
                Err(_) => {
                    self.counts.receive_errors += 1;
                    return;
                }
            };
            for index in 0..arrived {
                let datagram = self.receive.annotated_datagram(index);
                let (slot, packet) = match classify(&self.layout, self.index, &datagram, wall_now) {
                    Ok(classified) => classified,
                    Err(stray) => {
                        self.counts.stray.count(stray);
                        continue;
                    }
                };
                self.counts.missing_kernel_timestamps += u64::from(datagram.kernel_time.is_none());
                self.seen += usize::from(!self.inbound[slot].was_heard());
                if !self.is_listed[slot] {
                    self.is_listed[slot] = true;
                    self.listed.push(slot);
                }
                if let Verdict::Received { lateness_us: Some(lateness_us), .. } =
                    self.inbound[slot].receive(&packet, now)
                {
                    self.arrival_lateness.record_us(lateness_us);
                }
            }
            // A short batch means the socket was empty when the kernel looked.
            if arrived < self.receive.capacity() {
                return;
            }
        }
    }

    /// Sends this tick's packet to every active stream, from the stream's own
    /// address to the remote its session learned.
    fn answer(&mut self, now: Instant) -> (usize, usize) {
        let (mut active, mut filled, mut index) = (0, 0, 0);
        while index < self.listed.len() {
            let slot = self.listed[index];
            let Some(remote) = self.inbound[slot].active_remote(now) else {
                // Gone quiet: off the list until it is heard again.
                self.listed.swap_remove(index);
                self.is_listed[slot] = false;
                continue;
            };
            index += 1;
            active += 1;
            let stream = self.layout.stream_of(self.index, slot);
            let packet = self.send.address(filled, self.layout.ip_of(stream), remote);
            self.outgoing[slot].advance().write(packet);
            filled += 1;
            if filled == self.send.capacity() {
                self.flush(filled);
                filled = 0;
            }
        }
        if filled > 0 {
            self.flush(filled);
        }
        (active, self.seen)
    }

    fn flush(&mut self, count: usize) {
        let sent = self.send.send(&self.socket, count).unwrap_or(0);
        self.counts.packets_sent += sent as u64;
        self.counts.send_errors += (count - sent) as u64;
    }

    pub(crate) fn finish(self) -> WorkerOutcome {
        let mut tally = StreamTally::default();
        for stream in &self.inbound {
            tally.add(&stream.tally());
        }
        WorkerOutcome {
            worker: self.index,
            port: self.layout.port_of_worker(self.index),
            streams: self.inbound.len(),
            streams_seen: self.inbound.iter().filter(|stream| stream.was_heard()).count(),
            tally,
            counts: self.counts,
            arrival_lateness: self.arrival_lateness,
            tick_lateness: self.tick_lateness,
        }
    }
}

/// Which of this worker's streams a datagram is for, and the packet in it.
fn classify(
    layout: &StreamLayout,
    worker: usize,
    datagram: &AnnotatedDatagram<'_>,
    wall_now: Duration,
) -> Result<(usize, InboundPacket), Stray> {
    if datagram.truncated {
        return Err(Stray::NotRtp);
    }
    let stream = datagram.destination.and_then(|ip| layout.stream_at(ip)).ok_or(Stray::UnknownDestination)?;
    if layout.worker_of(stream) != worker {
        return Err(Stray::WrongPort);
    }
    let source = datagram.source.filter(|source| source.ip().is_loopback()).ok_or(Stray::NonLoopbackSource)?;
    if rtp::is_rtcp(datagram.payload) {
        return Err(Stray::Rtcp);
    }
    let header = RtpHeader::parse(datagram.payload).ok_or(Stray::NotRtp)?;
    let audio = matches!(rtp::payload_type(datagram.payload), Some(rtp::PCMU | rtp::PCMA));
    let arrival = datagram.kernel_time.unwrap_or(wall_now);
    let arrival_ns = i64::try_from(arrival.as_nanos()).unwrap_or(i64::MAX);
    Ok((layout.slot_of(stream), InboundPacket { source, header, audio, arrival_ns }))
}

/// The thread body: ticks every 20 ms from `first_tick` until `stop` is set,
/// publishing its active and heard streams to `gauge` after every tick.
pub(crate) fn run(
    index: usize,
    layout: StreamLayout,
    socket: UdpSocket,
    first_tick: Instant,
    stop: &AtomicBool,
    gauge: &WorkerGauge,
) -> WorkerOutcome {
    let mut worker = Worker::new(index, layout, socket);
    let mut deadline = first_tick;
    while !stop.load(Ordering::Acquire) {
        bench::sleep_until(deadline);
        let now = Instant::now();
        worker.tick_lateness.record(now.saturating_duration_since(deadline));
        let wall_now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
        let (active, seen) = worker.tick(now, wall_now);
        gauge.active.store(active, Ordering::Relaxed);
        gauge.seen.store(seen, Ordering::Relaxed);
        deadline += TICK;
        let behind = now.saturating_duration_since(deadline);
        if behind > MAX_BEHIND {
            let missed = behind.as_nanos() / TICK.as_nanos() + 1;
            worker.counts.ticks_skipped += missed as u64;
            deadline += TICK * missed as u32;
        }
    }
    worker.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A Talker's socket sends to two stream addresses on the peer's one
    /// port; the peer answers each from exactly that stream's address and
    /// port, with its own RTP.
    #[test]
    fn the_peer_answers_each_stream_from_its_own_address() {
        let opened = open_socket(0, 1 << 20).unwrap();
        assert!(opened.loopback_device_only);
        let port = opened.socket.local_addr().unwrap().port();
        let layout = StreamLayout::new(300, 1, port).unwrap();
        let mut worker = Worker::new(0, layout, opened.socket);

        let talker = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
        talker.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
        let streams = [3, 299];
        for (index, stream) in streams.into_iter().enumerate() {
            let mut packet = rtp::silent_packet();
            RtpHeader { sequence: 10, timestamp: 1_600, ssrc: 0x7A00_0000 + index as u32 }.write(&mut packet);
            talker.send_to(&packet, layout.address_of(stream)).unwrap();
        }
        // Unknown destination: the peer's port, but no stream's address.
        talker.send_to(&rtp::silent_packet(), (Ipv4Addr::new(127, 1, 9, 9), port)).unwrap();
        std::thread::sleep(Duration::from_millis(20));

        let wall_now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
        assert_eq!(worker.tick(Instant::now(), wall_now), (2, 2));
        let mut buffer = [0; 2048];
        let mut replies = Vec::new();
        for _ in streams {
            let (length, from) = talker.recv_from(&mut buffer).unwrap();
            let header = RtpHeader::parse(&buffer[..length]).unwrap();
            assert_eq!((length, rtp::payload_type(&buffer[..length])), (rtp::PACKET_LEN, Some(rtp::PCMU)));
            replies.push((from, rtp::stream_of(header.ssrc, Side::Peer)));
        }
        replies.sort();
        let expected: Vec<_> =
            streams.iter().map(|&stream| (std::net::SocketAddr::V4(layout.address_of(stream)), Some(stream))).collect();
        assert_eq!(replies, expected);

        let outcome = worker.finish();
        assert_eq!((outcome.tally.received, outcome.tally.sessions, outcome.streams_seen), (2, 2, 2));
        assert_eq!((outcome.counts.packets_sent, outcome.counts.stray.unknown_destination), (2, 1));
        assert_eq!((outcome.counts.missing_kernel_timestamps, outcome.arrival_lateness.summary().ticks), (0, 2));
    }
}
