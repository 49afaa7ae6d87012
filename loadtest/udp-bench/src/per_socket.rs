//! `per-socket` mode — what Herald's media engine does today: one UDP socket
//! per stream on each side, served by a few tick loops (no task or timer per
//! stream). Every tick, for each stream, a loop calls `recv_from` until the
//! socket is empty and then `send_to` once: about three system calls per
//! stream per side per tick. Nothing is allocated per packet.

use std::io;
use std::net::{SocketAddr, UdpSocket};

use crate::bench::{self, BenchError, Measurement, Schedule, Settings, Side, SideCounts, TickWorker, WorkerPlan};
use crate::rtp::{self, OutgoingStream, PACKET_LEN, RtpHeader};
use crate::sys::RECEIVE_BUFFER_LEN;

pub(crate) fn run(settings: &Settings) -> Result<Measurement, BenchError> {
    let streams = settings.streams;
    let workers = settings.workers.min(streams);
    let fd_limit = bench::ensure_fd_limit(2 * streams)?;
    // Talker ends first, then peer ends: stream `s` is sockets `s` and `streams + s`.
    let (mut sockets, ports) = bench::bind_sockets(2 * streams, settings.base_port)?;
    let addresses = sockets.iter().map(bench::local_v4).collect::<Result<Vec<_>, _>>()?;
    let peer_sockets = sockets.split_off(streams);

    let mut plans: Vec<PerSocketWorker> = Side::BOTH
        .iter()
        .flat_map(|&side| (0..workers).map(move |_| PerSocketWorker::new(side, streams.div_ceil(workers))))
        .collect();
    for (stream, (talker_socket, peer_socket)) in sockets.into_iter().zip(peer_sockets).enumerate() {
        let worker = stream % workers;
        plans[worker].streams.push(StreamSocket::new(Side::Talker, stream, talker_socket, addresses[streams + stream]));
        plans[workers + worker].streams.push(StreamSocket::new(Side::Peer, stream, peer_socket, addresses[stream]));
    }

    let schedule = Schedule::starting_soon(settings.seconds);
    let (cpu, talker, peer) = bench::run_threads(plans, schedule)?;
    Ok(Measurement {
        cpu,
        talker,
        peer,
        threads_per_side: workers,
        sockets: 2 * streams,
        ports,
        fd_limit,
        receive_buffer_bytes: None,
    })
}

/// One side of one stream, on a socket of its own.
struct StreamSocket {
    socket: UdpSocket,
    remote: SocketAddr,
    outgoing: OutgoingStream,
    /// The SSRC the far end of this stream sends with.
    expected_ssrc: u32,
    received: u32,
}

impl StreamSocket {
    fn new(side: Side, stream: usize, socket: UdpSocket, remote: std::net::SocketAddrV4) -> StreamSocket {
        StreamSocket {
            socket,
            remote: remote.into(),
            outgoing: OutgoingStream::new(rtp::ssrc_for(side, stream)),
            expected_ssrc: rtp::ssrc_for(side.other(), stream),
            received: 0,
        }
    }
}

/// A tick loop serving its streams' sockets one after another.
struct PerSocketWorker {
    side: Side,
    streams: Vec<StreamSocket>,
    packet: [u8; PACKET_LEN],
    buffer: [u8; RECEIVE_BUFFER_LEN],
}

impl PerSocketWorker {
    fn new(side: Side, capacity: usize) -> PerSocketWorker {
        PerSocketWorker {
            side,
            streams: Vec::with_capacity(capacity),
            packet: rtp::silent_packet(),
            buffer: [0; RECEIVE_BUFFER_LEN],
        }
    }
}

impl WorkerPlan for PerSocketWorker {
    type Worker = PerSocketWorker;

    fn side(&self) -> Side {
        self.side
    }

    fn build(self) -> PerSocketWorker {
        self
    }
}

impl TickWorker for PerSocketWorker {
    fn side(&self) -> Side {
        self.side
    }

    fn tick(&mut self, send: bool, counts: &mut SideCounts) {
        for stream in &mut self.streams {
            loop {
                match stream.socket.recv_from(&mut self.buffer) {
                    Ok((length, _from)) => match RtpHeader::parse(&self.buffer[..length]) {
                        Some(header) if header.ssrc == stream.expected_ssrc => {
                            stream.received += 1;
                            counts.received += 1;
                        }
                        _ => counts.stray += 1,
                    },
                    Err(error) if error.kind() == io::ErrorKind::WouldBlock => break,
                    Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
                    Err(_) => {
                        counts.receive_errors += 1;
                        break;
                    }
                }
            }
            if send {
                stream.outgoing.advance().write(&mut self.packet);
                match stream.socket.send_to(&self.packet, stream.remote) {
                    Ok(_) => counts.sent += 1,
                    Err(_) => counts.send_errors += 1,
                }
            }
        }
    }

    fn finish(&self, counts: &mut SideCounts) {
        counts.silent_streams += self.streams.iter().filter(|stream| stream.received == 0).count() as u64;
    }
}
