//! The receiving half of one stream as the far end sees it: loss,
//! duplicates and arrival lateness of what the Talker sends, and whom to
//! answer. Sans-IO: packets come in with their kernel arrival time, and
//! `now` (a monotonic instant) is an input, so the bookkeeping is tested
//! without sockets or clocks.
//!
//! A stream is the Talker's packets to one 127.x address. It is *active*
//! while it was heard from within [`ACTIVE_WINDOW`]. A *session* is one run
//! of packets from one source address and SSRC (RFC 3550 §8): the first
//! packet of a stream starts one and fixes the remote address the peer
//! answers (symmetric RTP); a packet after the stream has gone idle, or a new
//! SSRC from the same source, starts the next. The figures of ended sessions
//! are kept.

use std::net::SocketAddrV4;
use std::time::{Duration, Instant};

use crate::rtp::RtpHeader;

/// Heard from within this long, a stream is active: the peer sends to it.
/// Idle longer, it has ended, and its next packet starts a new session.
pub(crate) const ACTIVE_WINDOW: Duration = Duration::from_millis(300);
/// Nanoseconds per tick of G.711's 8 kHz media clock.
const NANOS_PER_SAMPLE: i64 = 125_000;
/// How far behind the highest sequence number a packet can be and still be
/// told apart from a duplicate.
const DUPLICATE_WINDOW: u64 = u128::BITS as u64;

/// One RTP packet, as received.
#[derive(Debug, Clone, Copy)]
pub(crate) struct InboundPacket {
    pub(crate) source: SocketAddrV4,
    pub(crate) header: RtpHeader,
    /// 8 kHz audio (PCMU or PCMA), whose timestamp follows the media clock.
    /// Other payloads (telephone-event) count for loss but are not timed.
    pub(crate) audio: bool,
    /// When the kernel took it in, in ns since the Unix epoch.
    pub(crate) arrival_ns: i64,
}

/// What became of a packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Counted as received. `lateness_us` is set for audio packets.
    Received { lateness_us: Option<u64>, new_session: bool },
    /// A sequence number already received in this session.
    Duplicate,
    /// From a second source while the stream is active with another: two
    /// calls on one stream address. Ignored.
    Conflicting,
}

/// What a stream (or many, added up) received over all its sessions.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct StreamTally {
    pub(crate) sessions: u64,
    /// Per session: highest extended sequence number − first + 1. Packets
    /// after the last one received are not expected: a call's end is not loss.
    pub(crate) expected: u64,
    /// Distinct packets received.
    pub(crate) received: u64,
    /// Per session: expected − received, never below 0.
    pub(crate) lost: u64,
    pub(crate) duplicates: u64,
    pub(crate) conflicting: u64,
}

impl StreamTally {
    pub(crate) fn add(&mut self, other: &StreamTally) {
        self.sessions += other.sessions;
        self.expected += other.expected;
        self.received += other.received;
        self.lost += other.lost;
        self.duplicates += other.duplicates;
        self.conflicting += other.conflicting;
    }

    pub(crate) fn loss_ratio(&self) -> f64 {
        if self.expected == 0 { 0.0 } else { self.lost as f64 / self.expected as f64 }
    }
}

#[derive(Debug, Default)]
pub(crate) struct InboundStream {
    session: Option<Session>,
    /// Ended sessions, plus every session's start and conflicting packets.
    closed: StreamTally,
}

impl InboundStream {
    /// Where to send this tick's packet: the session's remote, if active.
    pub(crate) fn active_remote(&self, now: Instant) -> Option<SocketAddrV4> {
        self.session.as_ref().filter(|session| session.is_active(now)).map(|session| session.remote)
    }

    pub(crate) fn was_heard(&self) -> bool {
        self.session.is_some()
    }

    pub(crate) fn receive(&mut self, packet: &InboundPacket, now: Instant) -> Verdict {
        if let Some(session) = self.session.as_mut().filter(|session| session.is_active(now)) {
            if packet.source != session.remote {
                self.closed.conflicting += 1;
                return Verdict::Conflicting;
            }
            if packet.header.ssrc == session.ssrc {
                return session.receive(packet, now);
            }
        }
        if let Some(ended) = self.session.take() {
            self.closed.add(&ended.tally());
        }
        self.closed.sessions += 1;
        let session = Session::start(packet, now);
        let lateness_us = packet.audio.then_some(0);
        self.session = Some(session);
        Verdict::Received { lateness_us, new_session: true }
    }

    /// Every session so far, the current one included.
    pub(crate) fn tally(&self) -> StreamTally {
        let mut tally = self.closed;
        if let Some(session) = &self.session {
            tally.add(&session.tally());
        }
        tally
    }
}

#[derive(Debug)]
struct Session {
    remote: SocketAddrV4,
    ssrc: u32,
    /// Extended sequence numbers (RFC 3550 §A.1: the 16-bit number plus
    /// 65536 × wraps), kept signed so a packet reordered before the first
    /// one needs no special case.
    first_sequence: i64,
    highest_sequence: i64,
    /// Bit k set: `highest_sequence − k` has been received.
    recent: u128,
    received: u64,
    duplicates: u64,
    /// Set by the session's first audio packet.
    clock: Option<MediaClock>,
    last_heard: Instant,
}

impl Session {
    fn start(packet: &InboundPacket, now: Instant) -> Session {
        let sequence = i64::from(packet.header.sequence);
        Session {
            remote: packet.source,
            ssrc: packet.header.ssrc,
            first_sequence: sequence,
            highest_sequence: sequence,
            recent: 1,
            received: 1,
            duplicates: 0,
            clock: packet.audio.then(|| MediaClock::start(packet)),
            last_heard: now,
        }
    }

    fn is_active(&self, now: Instant) -> bool {
        now.saturating_duration_since(self.last_heard) <= ACTIVE_WINDOW
    }

    fn receive(&mut self, packet: &InboundPacket, now: Instant) -> Verdict {
        self.last_heard = now;
        // The nearest extended number with these low 16 bits.
        let delta = i64::from(packet.header.sequence.wrapping_sub(self.highest_sequence as u16) as i16);
        let sequence = self.highest_sequence + delta;
        if delta > 0 {
            let shift = delta as u64;
            self.recent = if shift >= DUPLICATE_WINDOW { 1 } else { (self.recent << shift) | 1 };
            self.highest_sequence = sequence;
        } else {
            let behind = delta.unsigned_abs();
            if behind < DUPLICATE_WINDOW {
                let bit = 1u128 << behind;
                if self.recent & bit != 0 {
                    self.duplicates += 1;
                    return Verdict::Duplicate;
                }
                self.recent |= bit;
            }
            self.first_sequence = self.first_sequence.min(sequence);
        }
        self.received += 1;
        let lateness_us = match (packet.audio, &mut self.clock) {
            (false, _) => None,
            (true, Some(clock)) => Some(clock.lateness_us(packet)),
            (true, clock @ None) => {
                *clock = Some(MediaClock::start(packet));
                Some(0)
            }
        };
        Verdict::Received { lateness_us, new_session: false }
    }

    fn tally(&self) -> StreamTally {
        let expected = (self.highest_sequence - self.first_sequence + 1).max(0) as u64;
        StreamTally {
            sessions: 0,
            expected,
            received: self.received,
            lost: expected.saturating_sub(self.received),
            duplicates: self.duplicates,
            conflicting: 0,
        }
    }
}

/// Arrival lateness against the sender's media clock. A packet's *offset*
/// is its arrival time less the media time its RTP timestamp stands for
/// (timestamp − first timestamp, at 8 kHz); its lateness is how much later
/// that offset is than the earliest offset of the session so far. The first
/// packet, and any packet that beats the earliest offset (which then moves
/// down to it), is 0 late. So lateness is the delay a jitter buffer primed on
/// the session's quickest packet would have to absorb.
#[derive(Debug, Clone, Copy)]
struct MediaClock {
    first_timestamp: u32,
    earliest_offset_ns: i64,
}

impl MediaClock {
    fn start(packet: &InboundPacket) -> MediaClock {
        MediaClock { first_timestamp: packet.header.timestamp, earliest_offset_ns: packet.arrival_ns }
    }

    fn lateness_us(&mut self, packet: &InboundPacket) -> u64 {
        // Signed 32-bit difference: right across a timestamp wrap, and for
        // calls shorter than 2^31 samples (74 hours).
        let samples = i64::from(packet.header.timestamp.wrapping_sub(self.first_timestamp) as i32);
        let offset_ns = packet.arrival_ns - samples * NANOS_PER_SAMPLE;
        if offset_ns < self.earliest_offset_ns {
            self.earliest_offset_ns = offset_ns;
            return 0;
        }
        ((offset_ns - self.earliest_offset_ns) / 1_000) as u64
    }
}

#[cfg(test)]
mod tests {
    use std::net::Ipv4Addr;

    use super::*;

    const TALKER: SocketAddrV4 = SocketAddrV4::new(Ipv4Addr::LOCALHOST, 30_000);
    const START_NS: i64 = 1_700_000_000_000_000_000;
    const TICK_NS: i64 = 20_000_000;

    /// The Talker's `index`th 20 ms packet of SSRC `ssrc`, arriving `late_us`
    /// after its nominal time.
    fn packet(ssrc: u32, first_sequence: u16, first_timestamp: u32, index: u32, late_us: i64) -> InboundPacket {
        InboundPacket {
            source: TALKER,
            header: RtpHeader {
                sequence: first_sequence.wrapping_add(index as u16),
                timestamp: first_timestamp.wrapping_add(160 * index),
                ssrc,
            },
            audio: true,
            arrival_ns: START_NS + i64::from(index) * TICK_NS + late_us * 1_000,
        }
    }

    fn lateness(verdict: Verdict) -> u64 {
        match verdict {
            Verdict::Received { lateness_us: Some(lateness_us), .. } => lateness_us,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn lateness_is_measured_from_the_earliest_offset_so_far() {
        let now = Instant::now();
        let mut stream = InboundStream::default();
        let late_us = [0, 5_000, 300, -2_000, 0, 1_000];
        let seen: Vec<u64> = late_us
            .iter()
            .enumerate()
            .map(|(i, &late)| lateness(stream.receive(&packet(7, 100, 8_000, i as u32, late), now)))
            .collect();
        // The packet 2 ms early lowers the baseline: later ones are measured from it.
        assert_eq!(seen, [0, 5_000, 300, 0, 2_000, 3_000]);
        let tally = stream.tally();
        assert_eq!((tally.expected, tally.received, tally.lost, tally.sessions), (6, 6, 0, 1));
    }

    #[test]
    fn gaps_are_lost_and_duplicates_and_reordering_are_not() {
        let now = Instant::now();
        let mut stream = InboundStream::default();
        for index in [0, 1, 2, 4, 3, 3, 7, 2, 9] {
            stream.receive(&packet(7, 500, 0, index, 0), now);
        }
        // Expected 0..=9; 5, 6 and 8 never came.
        let tally = stream.tally();
        assert_eq!((tally.expected, tally.received, tally.lost, tally.duplicates), (10, 7, 3, 2));
        // A packet from before the first one widens what was expected.
        assert_eq!(
            stream.receive(&packet(7, 499, 0, 0, 0), now),
            Verdict::Received { lateness_us: Some(0), new_session: false }
        );
        assert_eq!((stream.tally().expected, stream.tally().lost), (11, 3));
    }

    #[test]
    fn sequence_numbers_and_timestamps_wrap() {
        let now = Instant::now();
        let mut stream = InboundStream::default();
        for index in 0..20 {
            assert_eq!(lateness(stream.receive(&packet(7, 65_530, u32::MAX - 800, index, 10), now)), 0);
        }
        let tally = stream.tally();
        assert_eq!((tally.expected, tally.received, tally.lost), (20, 20, 0));
    }

    #[test]
    fn an_idle_stream_ends_and_its_next_packet_starts_a_new_session() {
        let start = Instant::now();
        let mut stream = InboundStream::default();
        for index in 0..10 {
            stream.receive(&packet(7, 0, 0, index, 0), start);
        }
        assert_eq!(stream.active_remote(start + ACTIVE_WINDOW), Some(TALKER));
        let later = start + ACTIVE_WINDOW + Duration::from_millis(1);
        assert_eq!(stream.active_remote(later), None, "idle past the window: ended");

        // The next call on this stream: other source, SSRC and numbering, 40 ms late on its own clock.
        let mut next = packet(9, 40_000, 123, 0, 40_000);
        next.source = SocketAddrV4::new(Ipv4Addr::LOCALHOST, 30_002);
        assert_eq!(stream.receive(&next, later), Verdict::Received { lateness_us: Some(0), new_session: true });
        assert_eq!(stream.active_remote(later), Some(next.source));
        let tally = stream.tally();
        assert_eq!((tally.sessions, tally.expected, tally.received, tally.lost), (2, 11, 11, 0));
    }

    #[test]
    fn a_new_ssrc_from_the_same_source_restarts_the_count() {
        let now = Instant::now();
        let mut stream = InboundStream::default();
        stream.receive(&packet(7, 0, 0, 0, 0), now);
        stream.receive(&packet(7, 0, 0, 1, 0), now);
        assert!(matches!(stream.receive(&packet(8, 9_000, 0, 0, 0), now), Verdict::Received { new_session: true, .. }));
        stream.receive(&packet(8, 9_000, 0, 1, 0), now);
        let tally = stream.tally();
        assert_eq!((tally.sessions, tally.expected, tally.lost), (2, 4, 0));
    }

    #[test]
    fn a_second_source_on_an_active_stream_is_ignored() {
        let now = Instant::now();
        let mut stream = InboundStream::default();
        stream.receive(&packet(7, 0, 0, 0, 0), now);
        let mut intruder = packet(8, 0, 0, 1, 0);
        intruder.source = SocketAddrV4::new(Ipv4Addr::LOCALHOST, 31_000);
        assert_eq!(stream.receive(&intruder, now), Verdict::Conflicting);
        assert_eq!(stream.active_remote(now), Some(TALKER));
        let tally = stream.tally();
        assert_eq!((tally.received, tally.conflicting, tally.sessions), (1, 1, 1));
    }

    #[test]
    fn non_audio_packets_count_but_are_not_timed() {
        let now = Instant::now();
        let mut stream = InboundStream::default();
        let mut event = packet(7, 0, 0, 0, 0);
        event.audio = false;
        assert_eq!(stream.receive(&event, now), Verdict::Received { lateness_us: None, new_session: true });
        // The first audio packet sets the clock.
        assert_eq!(lateness(stream.receive(&packet(7, 0, 0, 1, 7_000), now)), 0);
        assert_eq!(lateness(stream.receive(&packet(7, 0, 0, 2, 7_500), now)), 500);
        assert_eq!(stream.tally().received, 3);
    }
}
