//! `mmsg` mode — shared sockets and batched system calls. Each side has
//! `workers` threads; each thread owns one socket and every `workers`th
//! stream. Talker thread `w` and peer thread `w` send to each other's socket.
//! Every tick a thread drains its socket with `recvmmsg` (finding each
//! packet's stream by SSRC) and sends one packet per stream with `sendmmsg`,
//! `batch` packets per call. Nothing is allocated per packet.

use std::net::{SocketAddrV4, UdpSocket};

use crate::bench::{self, BenchError, Measurement, Schedule, Settings, Side, SideCounts, TickWorker, WorkerPlan};
use crate::rtp::{self, OutgoingStream, RtpHeader};
use crate::sys::{self, ReceiveBatch, SendBatch};

/// Kernel memory one queued 172-byte datagram takes against the receive
/// buffer (its skb's truesize), rounded up generously.
const QUEUED_DATAGRAM_BYTES: usize = 2048;
/// The smallest receive buffer asked for.
const MIN_RECEIVE_BUFFER: usize = 1 << 20;

pub(crate) fn run(settings: &Settings) -> Result<Measurement, BenchError> {
    let workers = settings.workers.min(settings.streams);
    let fd_limit = bench::ensure_fd_limit(2 * workers)?;
    let (sockets, ports) = bench::bind_sockets(2 * workers, settings.base_port)?;
    let addresses = sockets.iter().map(bench::local_v4).collect::<Result<Vec<_>, _>>()?;

    // A socket holds the far side's packets for its streams from one of its
    // ticks to the next: size it for two ticks' worth.
    let streams_per_worker = settings.streams.div_ceil(workers);
    let wanted = receive_buffer_for(2 * streams_per_worker);
    let mut granted = usize::MAX;
    for socket in &sockets {
        let bytes = sys::set_receive_buffer(socket, wanted).map_err(BenchError::io("setting SO_RCVBUF"))?;
        granted = granted.min(bytes);
    }

    let mut plans = Vec::with_capacity(2 * workers);
    for (index, socket) in sockets.into_iter().enumerate() {
        let (side, worker) = if index < workers { (Side::Talker, index) } else { (Side::Peer, index - workers) };
        let destination = match side {
            Side::Talker => addresses[workers + worker],
            Side::Peer => addresses[worker],
        };
        plans.push(MmsgPlan {
            side,
            socket,
            destination,
            worker,
            workers,
            streams: settings.streams,
            batch: settings.batch,
        });
    }
    let schedule = Schedule::starting_soon(settings.seconds);
    let (cpu, talker, peer) = bench::run_threads(plans, schedule)?;
    Ok(Measurement {
        cpu,
        talker,
        peer,
        threads_per_side: workers,
        sockets: 2 * workers,
        ports,
        fd_limit,
        receive_buffer_bytes: Some(granted),
    })
}

/// The receive buffer to ask for, for a socket that must hold `datagrams`
/// 172-byte datagrams between two drains.
pub(crate) fn receive_buffer_for(datagrams: usize) -> usize {
    (datagrams * QUEUED_DATAGRAM_BYTES).max(MIN_RECEIVE_BUFFER)
}

/// A worker thread's share, before the thread builds its buffers.
struct MmsgPlan {
    side: Side,
    socket: UdpSocket,
    /// The far side's socket for the same streams.
    destination: SocketAddrV4,
    /// This thread owns streams `worker`, `worker + workers`, …
    worker: usize,
    workers: usize,
    streams: usize,
    batch: usize,
}

impl WorkerPlan for MmsgPlan {
    type Worker = MmsgWorker;

    fn side(&self) -> Side {
        self.side
    }

    fn build(self) -> MmsgWorker {
        let outgoing = (self.worker..self.streams)
            .step_by(self.workers)
            .map(|stream| OutgoingStream::new(rtp::ssrc_for(self.side, stream)))
            .collect::<Vec<_>>();
        MmsgWorker {
            side: self.side,
            socket: self.socket,
            worker: self.worker,
            workers: self.workers,
            received: vec![0; outgoing.len()],
            outgoing,
            send: SendBatch::new(self.batch, self.destination),
            receive: ReceiveBatch::new(self.batch),
        }
    }
}

struct MmsgWorker {
    side: Side,
    socket: UdpSocket,
    worker: usize,
    workers: usize,
    /// The sending half of each owned stream; local index `i` is stream
    /// `worker + i * workers`.
    outgoing: Vec<OutgoingStream>,
    /// Packets received per owned stream, same indexing.
    received: Vec<u32>,
    send: SendBatch,
    receive: ReceiveBatch,
}

impl MmsgWorker {
    fn drain(&mut self, counts: &mut SideCounts) {
        loop {
            let arrived = match self.receive.receive(&self.socket) {
                Ok(arrived) => arrived,
                Err(_) => {
                    counts.receive_errors += 1;
                    return;
                }
            };
            for index in 0..arrived {
                match self.local_stream(self.receive.datagram(index)) {
                    Some(local) => {
                        self.received[local] += 1;
                        counts.received += 1;
                    }
                    None => counts.stray += 1,
                }
            }
            // A short batch means the socket was empty when the kernel looked.
            if arrived < self.receive.capacity() {
                return;
            }
        }
    }

    /// Which owned stream a datagram belongs to: demultiplexing by SSRC, as a
    /// shared socket must.
    fn local_stream(&self, datagram: &[u8]) -> Option<usize> {
        let header = RtpHeader::parse(datagram)?;
        let stream = rtp::stream_of(header.ssrc, self.side.other())?;
        if stream % self.workers != self.worker {
            return None;
        }
        let local = stream / self.workers;
        (local < self.received.len()).then_some(local)
    }
}

impl TickWorker for MmsgWorker {
    fn side(&self) -> Side {
        self.side
    }

    fn tick(&mut self, send: bool, counts: &mut SideCounts) {
        self.drain(counts);
        if !send {
            return;
        }
        for chunk in self.outgoing.chunks_mut(self.send.capacity()) {
            for (slot, stream) in chunk.iter_mut().enumerate() {
                stream.advance().write(self.send.packet_mut(slot));
            }
            let sent = self.send.send(&self.socket, chunk.len()).unwrap_or(0);
            counts.sent += sent as u64;
            counts.send_errors += (chunk.len() - sent) as u64;
        }
    }

    fn finish(&self, counts: &mut SideCounts) {
        counts.silent_streams += self.received.iter().filter(|&&received| received == 0).count() as u64;
    }
}
