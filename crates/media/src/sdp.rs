//! The little SDP (RFC 4566) a G.711 call needs: our offer, and the parts of
//! the far end's answer that say where to send audio and in which codec
//! (RFC 3264 §6: the answer lists the formats it accepts, preferred first).

use std::net::{IpAddr, SocketAddr};

use crate::g711::G711;

/// The payload type we offer for RFC 4733 telephone-events.
pub const TELEPHONE_EVENT_PAYLOAD_TYPE: u8 = 101;

/// Builds an audio offer of PCMU, PCMA and telephone-event 0-16.
pub fn offer(session_id: u64, address: IpAddr, port: u16) -> String {
    let family = if address.is_ipv4() { "IP4" } else { "IP6" };
    format!(
        "v=0\r\n\
         o=herald {session_id} {session_id} IN {family} {address}\r\n\
         s=herald\r\n\
         c=IN {family} {address}\r\n\
         t=0 0\r\n\
         m=audio {port} RTP/AVP 0 8 {event}\r\n\
         a=rtpmap:0 PCMU/8000\r\n\
         a=rtpmap:8 PCMA/8000\r\n\
         a=rtpmap:{event} telephone-event/8000\r\n\
         a=fmtp:{event} 0-16\r\n\
         a=ptime:20\r\n\
         a=sendrecv\r\n",
        event = TELEPHONE_EVENT_PAYLOAD_TYPE,
    )
}

/// What we take from the far end's SDP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteMedia {
    pub address: SocketAddr,
    pub codec: G711,
    pub telephone_event_payload_type: Option<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SdpError {
    #[error("no audio media line")]
    NoAudio,
    #[error("no connection address")]
    NoConnection,
    #[error("malformed line {0:?}")]
    Malformed(String),
    #[error("no common codec: the far end offers none of PCMU and PCMA")]
    NoCommonCodec,
}

/// Reads the first audio stream of an SDP answer (or offer): its address
/// (media-level `c=` over session-level), its port, the first G.711 format it
/// lists, and the payload type it uses for telephone-events.
pub fn parse_remote(sdp: &str) -> Result<RemoteMedia, SdpError> {
    let mut session_address: Option<IpAddr> = None;
    let mut media_address: Option<IpAddr> = None;
    let mut audio: Option<(u16, Vec<u8>)> = None;
    let mut in_audio = false;
    let mut telephone_event = None;
    for line in sdp.lines().map(str::trim_end) {
        if let Some(rest) = line.strip_prefix("m=") {
            in_audio = false;
            if audio.is_some() {
                continue; // only the first audio stream
            }
            let mut fields = rest.split_whitespace();
            if fields.next() != Some("audio") {
                continue;
            }
            let port = fields
                .next()
                .and_then(|port| port.split('/').next())
                .and_then(|port| port.parse().ok())
                .ok_or_else(|| SdpError::Malformed(line.to_owned()))?;
            let _protocol = fields.next();
            let formats = fields.filter_map(|format| format.parse().ok()).collect();
            audio = Some((port, formats));
            in_audio = true;
        } else if let Some(rest) = line.strip_prefix("c=") {
            let address = rest
                .split_whitespace()
                .nth(2)
                .and_then(|address| address.split('/').next())
                .and_then(|address| address.parse().ok())
                .ok_or_else(|| SdpError::Malformed(line.to_owned()))?;
            if in_audio {
                media_address = Some(address);
            } else if audio.is_none() {
                session_address = Some(address);
            }
        } else if let Some(rest) = line.strip_prefix("a=rtpmap:") {
            if !in_audio {
                continue;
            }
            let mut fields = rest.split_whitespace();
            let payload_type = fields.next().and_then(|pt| pt.parse::<u8>().ok());
            let encoding = fields.next().unwrap_or_default();
            if encoding.to_ascii_lowercase().starts_with("telephone-event/") {
                telephone_event = payload_type;
            }
        }
    }
    let (port, formats) = audio.ok_or(SdpError::NoAudio)?;
    let address = media_address.or(session_address).ok_or(SdpError::NoConnection)?;
    let codec = formats.iter().find_map(|&format| G711::from_payload_type(format)).ok_or(SdpError::NoCommonCodec)?;
    Ok(RemoteMedia { address: SocketAddr::new(address, port), codec, telephone_event_payload_type: telephone_event })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offer_parses_back() {
        let sdp = offer(42, "127.0.0.1".parse().unwrap(), 20000);
        let remote = parse_remote(&sdp).unwrap();
        assert_eq!(remote.address, "127.0.0.1:20000".parse().unwrap());
        assert_eq!(remote.codec, G711::Pcmu);
        assert_eq!(remote.telephone_event_payload_type, Some(101));
    }

    #[test]
    fn carrier_answer_prefers_its_first_codec_and_media_level_address() {
        let answer = "v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\n\
                      m=audio 30000 RTP/AVP 8 96\r\nc=IN IP4 192.0.2.7\r\n\
                      a=rtpmap:8 PCMA/8000\r\na=rtpmap:96 telephone-event/8000\r\n";
        let remote = parse_remote(answer).unwrap();
        assert_eq!(remote.address, "192.0.2.7:30000".parse().unwrap());
        assert_eq!(remote.codec, G711::Pcma);
        assert_eq!(remote.telephone_event_payload_type, Some(96));
    }

    #[test]
    fn rejects_answers_without_g711() {
        let answer = "v=0\r\nc=IN IP4 10.0.0.1\r\nm=audio 4000 RTP/AVP 18\r\n";
        assert_eq!(parse_remote(answer), Err(SdpError::NoCommonCodec));
        assert_eq!(parse_remote("v=0\r\n"), Err(SdpError::NoAudio));
    }
}
