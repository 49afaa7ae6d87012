//! Where each stream lives: stream `i` is the loopback address
//! 127.1.(i / 254).(i % 254 + 1) — never a .0 or .255 — on worker
//! `i % workers`'s port, `port + 2 × worker`. SIPp puts that address and port
//! in the SDP of the `i`th call it answers (the injection file's line `i`),
//! and the peer tells the streams apart by the address each datagram was
//! sent to.

use std::fmt::Write as _;
use std::net::{Ipv4Addr, SocketAddrV4};

use crate::bench::BenchError;

/// The most streams a run can have: 256 × 254 addresses fit under 127.1/16.
pub(crate) const MAX_STREAMS: usize = 65_000;
/// Addresses per 127.1.x/24: .1 to .254.
const HOSTS_PER_SUBNET: usize = 254;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct StreamLayout {
    streams: usize,
    workers: usize,
    base_port: u16,
}

impl StreamLayout {
    /// `streams` in 1..=MAX_STREAMS (checked by the command line); more
    /// workers than streams are not needed and are dropped.
    pub(crate) fn new(streams: usize, workers: usize, base_port: u16) -> Result<StreamLayout, BenchError> {
        let streams = streams.clamp(1, MAX_STREAMS);
        let workers = workers.clamp(1, streams);
        if usize::from(base_port) + 2 * (workers - 1) > usize::from(u16::MAX) {
            return Err(BenchError::PortsPastEnd { port: base_port, workers });
        }
        Ok(StreamLayout { streams, workers, base_port })
    }

    pub(crate) fn streams(&self) -> usize {
        self.streams
    }

    pub(crate) fn workers(&self) -> usize {
        self.workers
    }

    /// The loopback address of stream `stream`.
    pub(crate) fn ip_of(&self, stream: usize) -> Ipv4Addr {
        debug_assert!(stream < self.streams);
        Ipv4Addr::new(127, 1, (stream / HOSTS_PER_SUBNET) as u8, (stream % HOSTS_PER_SUBNET + 1) as u8)
    }

    /// The stream an address belongs to, if it is one of this run's.
    pub(crate) fn stream_at(&self, ip: Ipv4Addr) -> Option<usize> {
        let [127, 1, subnet, host @ 1..=254] = ip.octets() else {
            return None;
        };
        let stream = usize::from(subnet) * HOSTS_PER_SUBNET + usize::from(host) - 1;
        (stream < self.streams).then_some(stream)
    }

    pub(crate) fn worker_of(&self, stream: usize) -> usize {
        stream % self.workers
    }

    /// Worker `worker`'s streams are `worker`, `worker + workers`, …; this is
    /// a stream's place among them.
    pub(crate) fn slot_of(&self, stream: usize) -> usize {
        stream / self.workers
    }

    /// The stream at `slot` of worker `worker` (the inverse of
    /// [`StreamLayout::slot_of`]).
    pub(crate) fn stream_of(&self, worker: usize, slot: usize) -> usize {
        slot * self.workers + worker
    }

    /// The streams worker `worker` serves, in slot order.
    pub(crate) fn streams_of(&self, worker: usize) -> impl Iterator<Item = usize> + use<> {
        (worker..self.streams).step_by(self.workers)
    }

    pub(crate) fn port_of_worker(&self, worker: usize) -> u16 {
        debug_assert!(worker < self.workers);
        self.base_port + 2 * worker as u16
    }

    /// Where the Talker must send stream `stream`'s RTP.
    pub(crate) fn address_of(&self, stream: usize) -> SocketAddrV4 {
        SocketAddrV4::new(self.ip_of(stream), self.port_of_worker(self.worker_of(stream)))
    }

    /// The SIPp injection file (`-inf`): `SEQUENTIAL`, then `ip;port;` for
    /// each stream in order — `[field0]` and `[field1]` of the call that
    /// takes that line.
    pub(crate) fn injection_file(&self) -> String {
        let mut file = String::with_capacity(16 + 24 * self.streams);
        file.push_str("SEQUENTIAL\n");
        for stream in 0..self.streams {
            let address = self.address_of(stream);
            let _ = writeln!(file, "{};{};", address.ip(), address.port());
        }
        file
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_stream_has_its_own_address_and_maps_back() {
        let layout = StreamLayout::new(MAX_STREAMS, 3, 46_000).unwrap();
        let mut seen = std::collections::HashSet::new();
        for stream in 0..MAX_STREAMS {
            let ip = layout.ip_of(stream);
            let [127, 1, _, host] = ip.octets() else { panic!("{ip} is not under 127.1/16") };
            assert!((1..=254).contains(&host), "{ip}");
            assert_eq!(layout.stream_at(ip), Some(stream));
            assert!(seen.insert(ip));
        }
        assert_eq!(layout.ip_of(0), Ipv4Addr::new(127, 1, 0, 1));
        assert_eq!(layout.ip_of(254), Ipv4Addr::new(127, 1, 1, 1));
        assert_eq!(layout.ip_of(MAX_STREAMS - 1), Ipv4Addr::new(127, 1, 255, 230));
    }

    #[test]
    fn addresses_outside_the_run_are_nobodys() {
        let layout = StreamLayout::new(300, 1, 46_000).unwrap();
        assert_eq!(layout.stream_at(Ipv4Addr::new(127, 1, 1, 46)), Some(299));
        assert_eq!(layout.stream_at(Ipv4Addr::new(127, 1, 1, 47)), None);
        assert_eq!(layout.stream_at(Ipv4Addr::new(127, 1, 0, 0)), None);
        assert_eq!(layout.stream_at(Ipv4Addr::new(127, 1, 0, 255)), None);
        assert_eq!(layout.stream_at(Ipv4Addr::LOCALHOST), None);
        assert_eq!(layout.stream_at(Ipv4Addr::new(10, 1, 0, 1)), None);
    }

    #[test]
    fn streams_are_dealt_round_robin_to_workers_two_ports_apart() {
        let layout = StreamLayout::new(5, 2, 46_000).unwrap();
        assert_eq!(layout.streams_of(0).collect::<Vec<_>>(), [0, 2, 4]);
        assert_eq!(layout.streams_of(1).collect::<Vec<_>>(), [1, 3]);
        assert_eq!((layout.worker_of(3), layout.slot_of(3)), (1, 1));
        for stream in 0..5 {
            assert_eq!(layout.stream_of(layout.worker_of(stream), layout.slot_of(stream)), stream);
        }
        assert_eq!(
            layout.injection_file(),
            "SEQUENTIAL\n127.1.0.1;46000;\n127.1.0.2;46002;\n127.1.0.3;46000;\n127.1.0.4;46002;\n127.1.0.5;46000;\n"
        );
        assert_eq!(StreamLayout::new(2, 8, 46_000).unwrap().workers(), 2);
        assert!(StreamLayout::new(10, 3, 65_532).is_err());
        assert!(StreamLayout::new(10, 3, 65_531).is_ok());
    }
}
