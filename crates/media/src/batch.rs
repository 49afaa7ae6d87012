//! Batched datagram I/O for the shared-socket media mode: `sendmmsg` and
//! `recvmmsg` (through `nix`, so Herald itself holds no unsafe code), with
//! every buffer, iovec and `mmsghdr` allocated once per media loop. Sending or
//! receiving a packet allocates nothing.

use std::io::{self, IoSlice, IoSliceMut};
use std::net::{SocketAddr, SocketAddrV4, SocketAddrV6, UdpSocket};
use std::os::fd::AsRawFd;

use nix::errno::Errno;
use nix::sys::socket::{MsgFlags, MultiHeaders, SockaddrStorage, recvmmsg, sendmmsg, setsockopt, sockopt};

/// Datagrams per system call. 64 × 172-byte RTP packets is one call per 64
/// streams per tick; larger batches gain little and hold more stack.
pub(crate) const BATCH: usize = 64;
/// The largest datagram a media loop sends (a 20 ms G.711 RTP packet is 172).
pub(crate) const MAX_SEND: usize = 256;
/// The largest datagram kept on receive; longer ones are truncated (and then
/// fail to parse as the RTP the far end meant).
pub(crate) const MAX_RECEIVE: usize = 1500;

/// Kernel memory a queued RTP datagram takes against a socket buffer (its
/// skb's truesize on loopback), rounded up.
const QUEUED_DATAGRAM_BYTES: usize = 2048;

/// Sizes a shared socket's buffers for `calls` streams' worth of packets
/// queued across two ticks. Tries `SO_RCVBUFFORCE`/`SO_SNDBUFFORCE` first
/// (above `net.core.rmem_max`, needs CAP_NET_ADMIN), then the capped options.
pub(crate) fn size_buffers(socket: &UdpSocket, calls: usize) {
    let bytes = (2 * calls * QUEUED_DATAGRAM_BYTES).clamp(1 << 20, 64 << 20);
    if setsockopt(socket, sockopt::RcvBufForce, &bytes).is_err() {
        let _ = setsockopt(socket, sockopt::RcvBuf, &bytes);
    }
    if setsockopt(socket, sockopt::SndBufForce, &bytes).is_err() {
        let _ = setsockopt(socket, sockopt::SndBuf, &bytes);
    }
}

/// Up to [`BATCH`] outgoing datagrams, each to its own destination.
pub(crate) struct SendBatch {
    packets: Box<[[u8; MAX_SEND]; BATCH]>,
    lengths: [usize; BATCH],
    destinations: Box<[Option<SockaddrStorage>; BATCH]>,
    headers: MultiHeaders<SockaddrStorage>,
    len: usize,
}

/// What a flush did.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Flushed {
    pub(crate) sent: u64,
    pub(crate) failed: u64,
    pub(crate) syscalls: u64,
}

impl SendBatch {
    pub(crate) fn new() -> SendBatch {
        SendBatch {
            packets: Box::new([[0; MAX_SEND]; BATCH]),
            lengths: [0; BATCH],
            destinations: Box::new([None; BATCH]),
            headers: MultiHeaders::preallocate(BATCH, None),
            len: 0,
        }
    }

    pub(crate) fn is_full(&self) -> bool {
        self.len == BATCH
    }

    /// The buffer of the next datagram, to `destination`, `length` bytes
    /// long; the caller fills it. Flush first when [`Self::is_full`].
    pub(crate) fn push(&mut self, destination: SockaddrStorage, length: usize) -> &mut [u8] {
        debug_assert!(self.len < BATCH && length <= MAX_SEND);
        let slot = self.len;
        self.len += 1;
        self.destinations[slot] = Some(destination);
        self.lengths[slot] = length;
        &mut self.packets[slot][..length]
    }

    /// Sends what is queued, retrying once after a short write (a full send
    /// buffer); what still does not fit is dropped and counted as failed —
    /// a late RTP packet is worth less than the next one.
    pub(crate) fn flush(&mut self, socket: &UdpSocket) -> Flushed {
        let mut flushed = Flushed::default();
        let mut offset = 0;
        let mut retried = false;
        while offset < self.len {
            let slices: [[IoSlice<'_>; 1]; BATCH] =
                std::array::from_fn(|slot| [IoSlice::new(&self.packets[slot][..self.lengths[slot]])]);
            flushed.syscalls += 1;
            let result = sendmmsg(
                socket.as_raw_fd(),
                &mut self.headers,
                &slices[offset..self.len],
                &self.destinations[offset..self.len],
                [],
                MsgFlags::MSG_DONTWAIT,
            );
            let sent = match result {
                Ok(results) => results.count(),
                Err(Errno::EAGAIN | Errno::EINTR) => 0,
                // One bad destination (say, unreachable) fails the call at
                // that message: skip it and send the rest.
                Err(_) => {
                    offset += 1;
                    flushed.failed += 1;
                    continue;
                }
            };
            offset += sent;
            flushed.sent += sent as u64;
            if sent == 0 {
                if retried {
                    break;
                }
                retried = true;
            }
        }
        flushed.failed += (self.len - offset) as u64;
        self.len = 0;
        flushed
    }
}

/// Room for [`BATCH`] received datagrams.
pub(crate) struct ReceiveBatch {
    buffers: Box<[[u8; MAX_RECEIVE]; BATCH]>,
    headers: MultiHeaders<SockaddrStorage>,
}

impl ReceiveBatch {
    pub(crate) fn new() -> ReceiveBatch {
        ReceiveBatch { buffers: Box::new([[0; MAX_RECEIVE]; BATCH]), headers: MultiHeaders::preallocate(BATCH, None) }
    }

    /// Drains the socket, handing each datagram and its source to `handle`,
    /// but never more than `limit` datagrams: under a flood the rest waits
    /// in the kernel's buffer (and overflows it) rather than taking the
    /// media loop's whole tick, and with it the CPU other work needs.
    pub(crate) fn drain(
        &mut self,
        socket: &UdpSocket,
        limit: usize,
        mut handle: impl FnMut(SocketAddr, &[u8]),
    ) -> io::Result<Drained> {
        let mut drained = Drained::default();
        loop {
            let room = limit - drained.datagrams;
            if room == 0 {
                drained.capped = true;
                return Ok(drained);
            }
            let wanted = room.min(BATCH);
            let mut slices: [[IoSliceMut<'_>; 1]; BATCH] = {
                let mut buffers = self.buffers.iter_mut();
                std::array::from_fn(|_| [IoSliceMut::new(buffers.next().expect("BATCH buffers"))])
            };
            drained.syscalls += 1;
            let results = match recvmmsg(
                socket.as_raw_fd(),
                &mut self.headers,
                slices.iter_mut().take(wanted),
                MsgFlags::MSG_DONTWAIT,
                None,
            ) {
                Ok(results) => results,
                Err(Errno::EAGAIN) => return Ok(drained),
                Err(Errno::EINTR) => continue,
                // ICMP port unreachable for an earlier send surfaces
                // here on Linux: it is not about this socket's input.
                Err(Errno::ECONNREFUSED) => continue,
                Err(error) => return Err(error.into()),
            };
            let mut received = 0;
            for message in results {
                received += 1;
                let Some(source) = message.address.as_ref().and_then(to_socket_addr) else { continue };
                let Some(data) = message.iovs().next() else { continue };
                handle(source, data);
            }
            drained.datagrams += received;
            if received < wanted {
                return Ok(drained);
            }
        }
    }
}

/// What one [`ReceiveBatch::drain`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Drained {
    pub(crate) syscalls: u64,
    pub(crate) datagrams: usize,
    /// It stopped at its limit with datagrams possibly still waiting.
    pub(crate) capped: bool,
}

pub(crate) fn to_socket_addr(storage: &SockaddrStorage) -> Option<SocketAddr> {
    if let Some(v4) = storage.as_sockaddr_in() {
        return Some(SocketAddr::V4(SocketAddrV4::from(*v4)));
    }
    storage.as_sockaddr_in6().map(|v6| SocketAddr::V6(SocketAddrV6::from(*v6)))
}

pub(crate) fn to_storage(address: SocketAddr) -> SockaddrStorage {
    SockaddrStorage::from(address)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_reaches_every_destination_and_is_drained_with_sources() {
        let sender = UdpSocket::bind("127.0.0.1:0").unwrap();
        let receivers: Vec<UdpSocket> = (0..3).map(|_| UdpSocket::bind("127.0.0.1:0").unwrap()).collect();
        let mut batch = SendBatch::new();
        for round in 0..BATCH + 5 {
            if batch.is_full() {
                assert_eq!(batch.flush(&sender).sent, BATCH as u64);
            }
            let receiver = &receivers[round % 3];
            let buffer = batch.push(to_storage(receiver.local_addr().unwrap()), 4);
            buffer.copy_from_slice(&(round as u32).to_be_bytes());
        }
        assert_eq!(batch.flush(&sender).sent, 5);

        let sender_address = sender.local_addr().unwrap();
        for (index, receiver) in receivers.iter().enumerate() {
            receiver.set_nonblocking(true).unwrap();
            let mut seen = Vec::new();
            let mut receive = ReceiveBatch::new();
            // Loopback delivery is synchronous, but allow a moment anyway.
            for _ in 0..50 {
                receive
                    .drain(receiver, usize::MAX, |source, data| {
                        assert_eq!(source, sender_address);
                        seen.push(u32::from_be_bytes(data.try_into().unwrap()) as usize);
                    })
                    .unwrap();
                if seen.len() == (BATCH + 5 - index).div_ceil(3) {
                    break;
                }
                std::thread::sleep(std::time::Duration::from_millis(2));
            }
            let expected: Vec<usize> = (index..BATCH + 5).step_by(3).collect();
            assert_eq!(seen, expected);
        }
    }

    #[test]
    fn storage_round_trips_both_families() {
        for address in ["127.0.0.1:4000", "[::1]:4002"] {
            let address: SocketAddr = address.parse().unwrap();
            assert_eq!(to_socket_addr(&to_storage(address)), Some(address));
        }
    }

    /// A flood is read a bounded amount per call: exactly `limit`
    /// datagrams, the rest left in the socket for the next tick.
    #[test]
    fn a_drain_stops_at_its_limit() {
        let sender = UdpSocket::bind("127.0.0.1:0").unwrap();
        let receiver = UdpSocket::bind("127.0.0.1:0").unwrap();
        receiver.set_nonblocking(true).unwrap();
        // (Fewer than a default receive buffer holds.)
        for round in 0..200_u32 {
            sender.send_to(&round.to_be_bytes(), receiver.local_addr().unwrap()).unwrap();
        }
        let mut receive = ReceiveBatch::new();
        let mut seen = Vec::new();
        let drained =
            receive.drain(&receiver, 100, |_, data| seen.push(u32::from_be_bytes(data.try_into().unwrap()))).unwrap();
        assert_eq!((drained.datagrams, drained.capped), (100, true));
        assert_eq!(seen, (0..100).collect::<Vec<u32>>());
        assert_eq!(drained.syscalls, 2, "64 + 36: never a datagram more than asked");
        let rest = receive.drain(&receiver, usize::MAX, |_, _| {}).unwrap();
        assert_eq!((rest.datagrams, rest.capped), (100, false));
    }
}
