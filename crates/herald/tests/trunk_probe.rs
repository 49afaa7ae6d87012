//! OPTIONS keepalive toward trunks (RFC 3261 §11) as a health signal.

mod support;

use std::time::Duration;

use herald_sip::{SipAgent, SipConfig, SipTransport, TrunkProbe, TrunkTarget};
use support::{SippCarrier, free_udp_port};
use tokio_util::sync::CancellationToken;

fn target(host: &str, port: u16) -> TrunkTarget {
    TrunkTarget { host: host.to_owned(), port, transport: SipTransport::Udp, credential: None, from_domain: None }
}

async fn agent() -> SipAgent {
    SipAgent::start(
        SipConfig { listen: "127.0.0.1:0".parse().unwrap(), user_agent: "herald-test".into() },
        CancellationToken::new(),
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn a_live_trunk_answers_options() {
    let carrier = SippCarrier::start("uas_answer.xml", &[]);
    let agent = agent().await;
    let address = carrier.sip_addr();
    let probe = agent.probe_trunk(&target("127.0.0.1", address.port()), Duration::from_secs(5)).await.unwrap();
    match probe {
        TrunkProbe::Answered { code, .. } => assert_eq!(code, 200),
        TrunkProbe::Silent => panic!("the carrier did not answer OPTIONS"),
    }
    assert!(
        carrier.messages().iter().any(|message| message.method() == Some("OPTIONS")),
        "the carrier saw the OPTIONS"
    );
    agent.shutdown().await;
}

#[tokio::test]
async fn a_dead_trunk_is_silent() {
    // A UDP port nobody answers on (bound, so no ICMP error either).
    let port = free_udp_port();
    let _silent = std::net::UdpSocket::bind(("127.0.0.1", port)).unwrap();
    let agent = agent().await;
    let probe = agent.probe_trunk(&target("127.0.0.1", port), Duration::from_millis(1500)).await.unwrap();
    assert_eq!(probe, TrunkProbe::Silent);
    agent.shutdown().await;
}
