//! The media engine over real loopback sockets, in both modes: each call's
//! packets reach its own far end, what a far end sends reaches its own call
//! (DTMF, recording), strangers are dropped, and RTCP sender reports go to
//! the port above the far end's RTP port.

use std::net::{IpAddr, Ipv4Addr, SocketAddr, UdpSocket};
use std::sync::Arc;
use std::time::{Duration, Instant};

use herald_media::rtcp::SenderReport;
use herald_media::rtp::{self, RtpHeader, TelephoneEvent};
use herald_media::{G711, MediaConfig, MediaEngine, MediaMode, MediaPlan, MediaPriority, Prompt};

const LOCALHOST: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

fn engine(mode: MediaMode, port_min: u16) -> MediaEngine {
    MediaEngine::start(MediaConfig {
        bind_ip: LOCALHOST,
        port_min,
        port_max: port_min + 400,
        shards: 2,
        mode,
        max_calls: 16,
        priority: MediaPriority::Normal,
    })
    .expect("starting the media engine")
}

/// A far end: an RTP socket on an even port and an RTCP socket above it.
struct FarEnd {
    rtp: UdpSocket,
    rtcp: UdpSocket,
}

impl FarEnd {
    fn bind() -> FarEnd {
        loop {
            let rtp = UdpSocket::bind("127.0.0.1:0").unwrap();
            let port = rtp.local_addr().unwrap().port();
            if port % 2 == 1 {
                continue;
            }
            let Ok(rtcp) = UdpSocket::bind(("127.0.0.1", port + 1)) else { continue };
            rtp.set_read_timeout(Some(Duration::from_millis(200))).unwrap();
            rtcp.set_read_timeout(Some(Duration::from_secs(6))).unwrap();
            return FarEnd { rtp, rtcp };
        }
    }

    fn address(&self) -> SocketAddr {
        self.rtp.local_addr().unwrap()
    }

    /// Receives `count` packets; returns their SSRCs and where they came from.
    fn receive(&self, count: usize) -> Vec<(u32, SocketAddr)> {
        let mut buffer = [0u8; 2048];
        (0..count)
            .map(|_| {
                let (length, source) = self.rtp.recv_from(&mut buffer).expect("an RTP packet from Herald");
                let packet = rtp::parse(&buffer[..length]).expect("valid RTP");
                assert_eq!(packet.payload.len(), 160);
                (packet.header.ssrc, source)
            })
            .collect()
    }

    /// Sends one telephone-event digit, three packets with one timestamp
    /// (the last with the end bit), as RFC 4733 §2.5.1.4 has it.
    fn send_digit(&self, to: SocketAddr, event: u8, timestamp: u32, sequence: &mut u16) {
        for (index, end) in [false, false, true].into_iter().enumerate() {
            let mut packet = [0u8; 16];
            RtpHeader { marker: index == 0, payload_type: 101, sequence: *sequence, timestamp, ssrc: 77 }
                .write((&mut packet[..12]).try_into().unwrap());
            TelephoneEvent { event, end, volume: 10, duration: 400 * (index as u16 + 1) }
                .write((&mut packet[12..]).try_into().unwrap());
            self.rtp.send_to(&packet, to).unwrap();
            *sequence = sequence.wrapping_add(1);
        }
    }

    fn send_audio(&self, to: SocketAddr, frames: usize, sequence: &mut u16) {
        for frame in 0..frames {
            let mut packet = [0x55u8; 172];
            RtpHeader { marker: false, payload_type: 0, sequence: *sequence, timestamp: frame as u32 * 160, ssrc: 78 }
                .write((&mut packet[..12]).try_into().unwrap());
            self.rtp.send_to(&packet, to).unwrap();
            *sequence = sequence.wrapping_add(1);
        }
    }
}

fn plan(remote: SocketAddr, record: bool) -> MediaPlan {
    MediaPlan {
        remote,
        codec: G711::Pcmu,
        telephone_event_payload_type: Some(101),
        prompt: Arc::new(Prompt::from_samples(vec![1000; 8000])),
        amd: None,
        beep: None,
        record,
    }
}

fn run_two_calls(mode: MediaMode, port_min: u16) {
    let engine = engine(mode, port_min);
    let far_ends = [FarEnd::bind(), FarEnd::bind()];
    let legs: Vec<_> = far_ends.iter().map(|_| engine.open().unwrap()).collect();
    let herald_ports: Vec<u16> = legs.iter().map(|leg| leg.port()).collect();
    // Shared: round-robin over the two shards' sockets; else a port each.
    assert_ne!(herald_ports[0], herald_ports[1]);
    let calls: Vec<_> = legs
        .into_iter()
        .zip(&far_ends)
        .enumerate()
        .map(|(index, (leg, far_end))| engine.start_call(leg, plan(far_end.address(), index == 1)).unwrap())
        .collect();

    // Each far end hears one stream, from the port its SDP offer named.
    for (far_end, port) in far_ends.iter().zip(&herald_ports) {
        let packets = far_end.receive(10);
        assert!(packets.iter().all(|(ssrc, _)| *ssrc == packets[0].0), "one stream per far end");
        assert!(packets.iter().all(|(_, source)| source.port() == *port), "sent from the offered port");
    }

    // What each far end sends reaches its own call only.
    let mut sequences = [1u16, 1u16];
    let herald = |index: usize| SocketAddr::new(LOCALHOST, herald_ports[index]);
    far_ends[0].send_digit(herald(0), 1, 8000, &mut sequences[0]);
    far_ends[0].send_digit(herald(0), 11, 16000, &mut sequences[0]);
    far_ends[1].send_digit(herald(1), 9, 8000, &mut sequences[1]);
    far_ends[1].send_audio(herald(1), 25, &mut sequences[1]);
    // On a shared socket, a stranger (no call's far end) is ignored.
    if mode == MediaMode::Shared {
        let stranger = FarEnd::bind();
        let mut sequence = 1;
        for port in &herald_ports {
            stranger.send_digit(SocketAddr::new(LOCALHOST, *port), 5, 4000, &mut sequence);
        }
    }

    let deadline = Instant::now() + Duration::from_secs(5);
    let runtime = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
    // Let the loops drain what was sent.
    while engine.stats().packets_received.load(std::sync::atomic::Ordering::Relaxed) < 34 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let reports: Vec<_> = runtime.block_on(async {
        let mut reports = Vec::new();
        for call in calls {
            reports.push(call.stop().await);
        }
        reports
    });
    assert_eq!(reports[0].dtmf, "1#");
    assert_eq!(reports[1].dtmf, "9");
    assert_eq!(reports[0].packets_received, 6);
    assert_eq!(reports[1].packets_received, 3 + 25);
    assert!(reports[0].recording.is_none());
    let recording = reports[1].recording.as_ref().expect("call 1 was recorded");
    assert_eq!(recording.samples.len(), 25 * 160);
    assert!(recording.samples.iter().all(|&sample| sample == 0x55));
    let wav = recording.to_wav();
    assert_eq!(&wav[..4], b"RIFF");
    assert_eq!(&wav[8..16], b"WAVEfmt ");
    assert_eq!(wav.len(), 58 + 25 * 160);
    if mode == MediaMode::Shared {
        assert_eq!(engine.stats().stray_packets.load(std::sync::atomic::Ordering::Relaxed), 6);
    }
}

#[test]
fn shared_sockets_demultiplex_calls_by_far_end_address() {
    run_two_calls(MediaMode::Shared, 46_000);
}

#[test]
fn port_per_call_gives_every_call_its_own_socket() {
    run_two_calls(MediaMode::PortPerCall, 46_500);
}

#[test]
fn shared_mode_sends_rtcp_sender_reports_to_the_port_above() {
    let engine = engine(MediaMode::Shared, 47_000);
    let far_end = FarEnd::bind();
    let leg = engine.open().unwrap();
    let herald_rtcp_port = leg.port() + 1;
    let call = engine.start_call(leg, plan(far_end.address(), false)).unwrap();
    let mut buffer = [0u8; 512];
    // The first report is due within one interval (5 s).
    let (length, source) = far_end.rtcp.recv_from(&mut buffer).expect("an RTCP sender report within 6 s");
    assert_eq!(source.port(), herald_rtcp_port);
    let report = SenderReport::parse(&buffer[..length]).expect("an SR");
    let packets = far_end.receive(1);
    assert_eq!(report.ssrc, packets[0].0);
    assert!(report.packet_count > 0);
    assert_eq!(report.octet_count, report.packet_count * 160);
    let runtime = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
    let media = runtime.block_on(call.stop());
    assert!(media.sender_reports >= 1);
}
