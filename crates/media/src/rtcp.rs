//! RTCP sender reports (RFC 3550 §6.4.1), sent as the compound packet §6.1
//! requires — SR followed by an SDES carrying a CNAME (§6.5.1) — written
//! into a caller-owned buffer.

use std::time::{SystemTime, UNIX_EPOCH};

/// How often each call sends a report: RFC 3550 §6.2's minimum interval.
pub const REPORT_INTERVAL_TICKS: u64 = 250; // 5 s of 20 ms ticks

const CNAME: &[u8] = b"herald";
/// SR (28 bytes) + SDES header (4) + chunk: SSRC (4), CNAME item (2 + 6),
/// end-of-list (1), padded to a 32-bit boundary (3).
pub const SENDER_REPORT_LEN: usize = 28 + 4 + 16;

/// Seconds from the NTP epoch (1900) to the Unix epoch (1970).
const NTP_UNIX_OFFSET: u64 = 2_208_988_800;

/// What a sender report says about one outgoing stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SenderReport {
    pub ssrc: u32,
    /// Wallclock at `rtp_timestamp`, as a 64-bit NTP timestamp.
    pub ntp_timestamp: u64,
    pub rtp_timestamp: u32,
    pub packet_count: u32,
    pub octet_count: u32,
}

impl SenderReport {
    pub fn write(&self, buffer: &mut [u8; SENDER_REPORT_LEN]) {
        // SR: V=2, P=0, RC=0, PT=200, length = 7 words - 1.
        buffer[0] = 0x80;
        buffer[1] = 200;
        buffer[2..4].copy_from_slice(&6u16.to_be_bytes());
        buffer[4..8].copy_from_slice(&self.ssrc.to_be_bytes());
        buffer[8..16].copy_from_slice(&self.ntp_timestamp.to_be_bytes());
        buffer[16..20].copy_from_slice(&self.rtp_timestamp.to_be_bytes());
        buffer[20..24].copy_from_slice(&self.packet_count.to_be_bytes());
        buffer[24..28].copy_from_slice(&self.octet_count.to_be_bytes());
        // SDES: V=2, SC=1, PT=202, length = 5 words - 1.
        buffer[28] = 0x81;
        buffer[29] = 202;
        buffer[30..32].copy_from_slice(&4u16.to_be_bytes());
        buffer[32..36].copy_from_slice(&self.ssrc.to_be_bytes());
        buffer[36] = 1; // CNAME
        buffer[37] = CNAME.len() as u8;
        buffer[38..38 + CNAME.len()].copy_from_slice(CNAME);
        buffer[38 + CNAME.len()..].fill(0); // end of list + padding
    }

    /// Reads back the SR part (for tests and diagnostics).
    pub fn parse(packet: &[u8]) -> Option<SenderReport> {
        if packet.len() < 28 || packet[0] >> 6 != 2 || packet[1] != 200 {
            return None;
        }
        let word = |at: usize| u32::from_be_bytes([packet[at], packet[at + 1], packet[at + 2], packet[at + 3]]);
        Some(SenderReport {
            ssrc: word(4),
            ntp_timestamp: (u64::from(word(8)) << 32) | u64::from(word(12)),
            rtp_timestamp: word(16),
            packet_count: word(20),
            octet_count: word(24),
        })
    }
}

/// Now as a 64-bit NTP timestamp: seconds since 1900 in the high word, the
/// fraction of a second in the low word.
pub fn ntp_now() -> u64 {
    let since_unix = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    let seconds = since_unix.as_secs() + NTP_UNIX_OFFSET;
    let fraction = (u64::from(since_unix.subsec_nanos()) << 32) / 1_000_000_000;
    (seconds << 32) | fraction
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_round_trips_and_is_a_valid_compound_packet() {
        let report = SenderReport {
            ssrc: 0xDEAD_BEEF,
            ntp_timestamp: ntp_now(),
            rtp_timestamp: 123_456,
            packet_count: 250,
            octet_count: 40_000,
        };
        let mut buffer = [0xAA; SENDER_REPORT_LEN];
        report.write(&mut buffer);
        assert_eq!(SenderReport::parse(&buffer), Some(report));
        // Each packet's length field matches its size (RFC 3550 §6.4.1, §6.5).
        let sr_words = usize::from(u16::from_be_bytes([buffer[2], buffer[3]])) + 1;
        assert_eq!(sr_words * 4, 28);
        let sdes_words = usize::from(u16::from_be_bytes([buffer[30], buffer[31]])) + 1;
        assert_eq!(28 + sdes_words * 4, SENDER_REPORT_LEN);
        assert_eq!(&buffer[38..44], b"herald");
        assert!(buffer[44..].iter().all(|&byte| byte == 0));
    }

    #[test]
    fn ntp_time_is_after_2020() {
        // 2020-01-01 is 3,786,825,600 s after 1900.
        assert!(ntp_now() >> 32 > 3_786_825_600);
    }
}
