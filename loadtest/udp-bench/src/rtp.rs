//! The RTP packets the benchmark sends: a 12-byte fixed header (RFC 3550 §5.1,
//! no CSRCs, no extension) and 160 bytes of PCMU silence, i.e. 20 ms of 8 kHz
//! G.711. Headers are written into and read from caller-owned buffers; nothing
//! here allocates.

use crate::bench::Side;

/// Size of the fixed RTP header.
pub(crate) const HEADER_LEN: usize = 12;
/// 20 ms of 8 kHz G.711: one byte per sample.
pub(crate) const PAYLOAD_LEN: usize = 160;
/// One G.711 RTP packet as it goes on the wire (UDP payload).
pub(crate) const PACKET_LEN: usize = HEADER_LEN + PAYLOAD_LEN;
/// RFC 3551 static payload type for PCMU.
pub(crate) const PCMU: u8 = 0;
/// RFC 3551 static payload type for PCMA.
pub(crate) const PCMA: u8 = 8;
/// PCMU's code for a zero sample.
const PCMU_SILENCE: u8 = 0xFF;

/// Stream numbers live in the low 24 bits of the SSRC; the top byte says
/// which side sent it, so a receiver can tell a stray packet from its own.
const STREAM_BITS: u32 = 24;
/// The most streams the SSRC layout can tell apart.
pub(crate) const MAX_STREAMS: usize = 1 << STREAM_BITS;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RtpHeader {
    pub(crate) sequence: u16,
    pub(crate) timestamp: u32,
    pub(crate) ssrc: u32,
}

impl RtpHeader {
    /// Writes the header (version 2, PCMU, no marker) over the first 12 bytes.
    pub(crate) fn write(&self, packet: &mut [u8; PACKET_LEN]) {
        packet[0] = 0x80;
        packet[1] = PCMU;
        packet[2..4].copy_from_slice(&self.sequence.to_be_bytes());
        packet[4..8].copy_from_slice(&self.timestamp.to_be_bytes());
        packet[8..12].copy_from_slice(&self.ssrc.to_be_bytes());
    }

    /// Reads the fixed header; `None` when the datagram is too short for one
    /// or is not RTP version 2.
    pub(crate) fn parse(datagram: &[u8]) -> Option<RtpHeader> {
        let header: &[u8; HEADER_LEN] = datagram.get(..HEADER_LEN)?.try_into().ok()?;
        if header[0] >> 6 != 2 {
            return None;
        }
        Some(RtpHeader {
            sequence: u16::from_be_bytes([header[2], header[3]]),
            timestamp: u32::from_be_bytes([header[4], header[5], header[6], header[7]]),
            ssrc: u32::from_be_bytes([header[8], header[9], header[10], header[11]]),
        })
    }
}

/// The payload type of an RTP packet (the marker bit masked off).
pub(crate) fn payload_type(datagram: &[u8]) -> Option<u8> {
    datagram.get(1).map(|byte| byte & 0x7F)
}

/// Whether a version-2 datagram is RTCP rather than RTP: RFC 5761 §4 — on a
/// port shared by both, the second byte of RTCP (its packet type) is 192–223.
pub(crate) fn is_rtcp(datagram: &[u8]) -> bool {
    matches!(datagram, [first, 192..=223, ..] if first >> 6 == 2)
}

/// A packet of PCMU silence with a blank header, ready for [`RtpHeader::write`].
pub(crate) fn silent_packet() -> [u8; PACKET_LEN] {
    let mut packet = [PCMU_SILENCE; PACKET_LEN];
    packet[..HEADER_LEN].fill(0);
    packet
}

/// The SSRC `side` uses for stream number `stream` (`stream < MAX_STREAMS`).
pub(crate) fn ssrc_for(side: Side, stream: usize) -> u32 {
    debug_assert!(stream < MAX_STREAMS);
    (side.ssrc_tag() << STREAM_BITS) | (stream as u32 & (MAX_STREAMS as u32 - 1))
}

/// The stream number in an SSRC that `sender` wrote, or `None` if another
/// side wrote it.
pub(crate) fn stream_of(ssrc: u32, sender: Side) -> Option<usize> {
    if ssrc >> STREAM_BITS != sender.ssrc_tag() {
        return None;
    }
    Some((ssrc & (MAX_STREAMS as u32 - 1)) as usize)
}

/// The sending half of one stream: its SSRC and where its sequence number and
/// timestamp have got to.
#[derive(Debug, Clone, Copy)]
pub(crate) struct OutgoingStream {
    next: RtpHeader,
}

impl OutgoingStream {
    pub(crate) fn new(ssrc: u32) -> OutgoingStream {
        OutgoingStream { next: RtpHeader { sequence: 0, timestamp: 0, ssrc } }
    }

    /// The header for the next 20 ms packet, advancing the stream past it.
    pub(crate) fn advance(&mut self) -> RtpHeader {
        let header = self.next;
        self.next.sequence = self.next.sequence.wrapping_add(1);
        self.next.timestamp = self.next.timestamp.wrapping_add(PAYLOAD_LEN as u32);
        header
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_round_trips_through_a_packet() {
        let header = RtpHeader { sequence: 0xBEEF, timestamp: 0x0102_0304, ssrc: 0xA0B0_C0D0 };
        let mut packet = silent_packet();
        header.write(&mut packet);
        assert_eq!(&packet[..4], &[0x80, 0x00, 0xBE, 0xEF]);
        assert_eq!(RtpHeader::parse(&packet), Some(header));
        assert!(packet[HEADER_LEN..].iter().all(|&byte| byte == PCMU_SILENCE));
    }

    #[test]
    fn parse_rejects_short_and_non_version_2_datagrams() {
        assert_eq!(RtpHeader::parse(&[0x80; HEADER_LEN - 1]), None);
        let mut packet = silent_packet();
        RtpHeader { sequence: 1, timestamp: 2, ssrc: 3 }.write(&mut packet);
        packet[0] = 0x40; // version 1
        assert_eq!(RtpHeader::parse(&packet), None);
    }

    #[test]
    fn rtcp_is_told_from_rtp_by_its_packet_type() {
        let mut packet = silent_packet();
        RtpHeader { sequence: 1, timestamp: 2, ssrc: 3 }.write(&mut packet);
        assert_eq!(payload_type(&packet), Some(PCMU));
        assert!(!is_rtcp(&packet));
        packet[1] = 0x80 | PCMA; // marker bit set
        assert_eq!(payload_type(&packet), Some(PCMA));
        assert!(!is_rtcp(&packet));
        assert!(is_rtcp(&[0x81, 200, 0, 6])); // a sender report
        assert!(!is_rtcp(&[0x41, 200, 0, 6])); // not version 2
    }

    #[test]
    fn ssrc_names_the_side_and_the_stream() {
        let ssrc = ssrc_for(Side::Peer, 4_321);
        assert_eq!(stream_of(ssrc, Side::Peer), Some(4_321));
        assert_eq!(stream_of(ssrc, Side::Talker), None);
        assert_eq!(stream_of(ssrc_for(Side::Talker, MAX_STREAMS - 1), Side::Talker), Some(MAX_STREAMS - 1));
    }

    #[test]
    fn outgoing_stream_counts_packets_and_samples_and_wraps() {
        let mut stream = OutgoingStream::new(7);
        stream.next.sequence = u16::MAX;
        let first = stream.advance();
        let second = stream.advance();
        assert_eq!((first.sequence, first.timestamp), (u16::MAX, 0));
        assert_eq!((second.sequence, second.timestamp, second.ssrc), (0, 160, 7));
    }
}
