//! RTP fixed header (RFC 3550 §5.1) and RFC 4733 telephone-events, written
//! into and read from caller-owned buffers: nothing here allocates.

/// Size of the fixed RTP header without CSRCs or extensions.
pub const HEADER_LEN: usize = 12;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RtpHeader {
    pub marker: bool,
    pub payload_type: u8,
    pub sequence: u16,
    pub timestamp: u32,
    pub ssrc: u32,
}

impl RtpHeader {
    /// Writes the 12-byte header (version 2, no padding, extension or CSRC).
    pub fn write(&self, buffer: &mut [u8; HEADER_LEN]) {
        buffer[0] = 0x80;
        buffer[1] = (u8::from(self.marker) << 7) | (self.payload_type & 0x7F);
        buffer[2..4].copy_from_slice(&self.sequence.to_be_bytes());
        buffer[4..8].copy_from_slice(&self.timestamp.to_be_bytes());
        buffer[8..12].copy_from_slice(&self.ssrc.to_be_bytes());
    }
}

/// A received RTP packet, borrowed from the receive buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RtpPacket<'a> {
    pub header: RtpHeader,
    pub payload: &'a [u8],
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RtpParseError {
    #[error("packet shorter than an RTP header")]
    TooShort,
    #[error("RTP version {0} is not 2")]
    BadVersion(u8),
    #[error("header extension or CSRC list runs past the packet")]
    Truncated,
}

/// Parses an RTP packet (RFC 3550 §5.1), skipping CSRCs and any header
/// extension (§5.3.1) and removing padding (§5.1 P bit).
pub fn parse(packet: &[u8]) -> Result<RtpPacket<'_>, RtpParseError> {
    if packet.len() < HEADER_LEN {
        return Err(RtpParseError::TooShort);
    }
    let version = packet[0] >> 6;
    if version != 2 {
        return Err(RtpParseError::BadVersion(version));
    }
    let padding = packet[0] & 0x20 != 0;
    let extension = packet[0] & 0x10 != 0;
    let csrc_count = usize::from(packet[0] & 0x0F);
    let mut offset = HEADER_LEN + 4 * csrc_count;
    if extension {
        if packet.len() < offset + 4 {
            return Err(RtpParseError::Truncated);
        }
        let words = usize::from(u16::from_be_bytes([packet[offset + 2], packet[offset + 3]]));
        offset += 4 + 4 * words;
    }
    let mut end = packet.len();
    if padding {
        let pad = usize::from(packet[end - 1]);
        end = end.checked_sub(pad).ok_or(RtpParseError::Truncated)?;
    }
    if offset > end {
        return Err(RtpParseError::Truncated);
    }
    Ok(RtpPacket {
        header: RtpHeader {
            marker: packet[1] & 0x80 != 0,
            payload_type: packet[1] & 0x7F,
            sequence: u16::from_be_bytes([packet[2], packet[3]]),
            timestamp: u32::from_be_bytes([packet[4], packet[5], packet[6], packet[7]]),
            ssrc: u32::from_be_bytes([packet[8], packet[9], packet[10], packet[11]]),
        },
        payload: &packet[offset..end],
    })
}

/// One RFC 4733 §2.3 telephone-event payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TelephoneEvent {
    /// 0–9, 10 = `*`, 11 = `#`, 12–15 = A–D.
    pub event: u8,
    pub end: bool,
    pub volume: u8,
    pub duration: u16,
}

impl TelephoneEvent {
    pub fn parse(payload: &[u8]) -> Option<TelephoneEvent> {
        if payload.len() < 4 {
            return None;
        }
        Some(TelephoneEvent {
            event: payload[0],
            end: payload[1] & 0x80 != 0,
            volume: payload[1] & 0x3F,
            duration: u16::from_be_bytes([payload[2], payload[3]]),
        })
    }

    pub fn write(&self, buffer: &mut [u8; 4]) {
        buffer[0] = self.event;
        buffer[1] = (u8::from(self.end) << 7) | (self.volume & 0x3F);
        buffer[2..4].copy_from_slice(&self.duration.to_be_bytes());
    }

    /// The DTMF character of the event (RFC 4733 §3.2), if it is one.
    pub fn digit(&self) -> Option<char> {
        const DIGITS: &[u8; 16] = b"0123456789*#ABCD";
        DIGITS.get(usize::from(self.event)).map(|&byte| char::from(byte))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_round_trips() {
        let header =
            RtpHeader { marker: true, payload_type: 8, sequence: 65535, timestamp: 0xDEAD_BEEF, ssrc: 0x0102_0304 };
        let mut packet = [0u8; HEADER_LEN + 3];
        let mut head = [0u8; HEADER_LEN];
        header.write(&mut head);
        packet[..HEADER_LEN].copy_from_slice(&head);
        packet[HEADER_LEN..].copy_from_slice(b"abc");
        let parsed = parse(&packet).unwrap();
        assert_eq!(parsed.header, header);
        assert_eq!(parsed.payload, b"abc");
    }

    #[test]
    fn skips_csrcs_extension_and_padding() {
        // V=2 P=1 X=1 CC=1, PT=0; one CSRC; extension of one word; payload
        // "hi"; two bytes of padding.
        let packet = [
            0xB1, 0x00, 0, 1, 0, 0, 0, 160, 0, 0, 0, 9, // header
            0, 0, 0, 7, // CSRC
            0xBE, 0xDE, 0, 1, 1, 2, 3, 4, // extension
            b'h', b'i', 0, 2,
        ];
        let parsed = parse(&packet).unwrap();
        assert_eq!(parsed.payload, b"hi");
        assert_eq!(parse(&packet[..14]), Err(RtpParseError::Truncated));
        assert_eq!(parse(&[0x40; 12]), Err(RtpParseError::BadVersion(1)));
    }

    #[test]
    fn telephone_event() {
        let event = TelephoneEvent::parse(&[11, 0x8A, 0x03, 0x20]).unwrap();
        assert_eq!(event.digit(), Some('#'));
        assert!(event.end);
        assert_eq!(event.volume, 10);
        assert_eq!(event.duration, 800);
        let mut buffer = [0u8; 4];
        event.write(&mut buffer);
        assert_eq!(buffer, [11, 0x8A, 0x03, 0x20]);
    }
}
