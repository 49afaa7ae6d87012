//! Out-of-dialog OPTIONS (RFC 3261 §11): the keepalive that tells whether a
//! trunk answers at all.

use std::time::{Duration, Instant};

use rsipstack::sip::{Method, SipMessage, StatusCodeKind, typed};
use rsipstack::transaction::key::{TransactionKey, TransactionRole};
use rsipstack::transaction::make_tag;
use rsipstack::transaction::transaction::Transaction;
use rsipstack::transport::SipAddr;

use crate::Result;
use crate::agent::SipAgent;
use crate::call::{SipTransport, TrunkTarget, host_of, parse_uri};

/// A trunk's answer to OPTIONS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrunkProbe {
    /// Any final response means the trunk's SIP stack is alive (RFC 3261
    /// §11.2: a UAS may answer OPTIONS with any code, e.g. 403 or 405).
    Answered { code: u16, round_trip: Duration },
    /// Nothing came back within the timeout.
    Silent,
}

impl SipAgent {
    /// Sends OPTIONS to the trunk and waits up to `timeout` for a final
    /// response. The stack retransmits over UDP (Timer E, §17.1.2.2).
    pub async fn probe_trunk(&self, trunk: &TrunkTarget, timeout: Duration) -> Result<TrunkProbe> {
        let transport_parameter = match trunk.transport {
            SipTransport::Udp => "",
            SipTransport::Tcp => ";transport=tcp",
        };
        let target = parse_uri(&format!("sip:{}:{}{transport_parameter}", trunk.host, trunk.port))?;
        let me = parse_uri(&format!(
            "sip:herald@{}",
            trunk.from_domain.clone().unwrap_or_else(|| host_of(self.local_addr()))
        ))?;
        let endpoint = self.endpoint();
        let destination = SipAddr::try_from(&target)?;
        let (connection, resolved) = endpoint.transport_layer.lookup(&destination, None).await?;
        let via = endpoint.get_via(Some(connection.get_addr().clone()), None)?;
        let from = typed::From { display_name: None, uri: me, params: vec![] }.with_tag(make_tag());
        let to = typed::To { display_name: None, uri: target.clone(), params: vec![] };
        let request = endpoint.make_request(Method::Options, target, via, from, to, 1, None);
        let key = TransactionKey::from_request(&request, TransactionRole::Client)?;
        let mut transaction = Transaction::new_client(key, request, endpoint.clone(), Some(connection));
        transaction.destination = Some(resolved);
        let started = Instant::now();
        transaction.send().await?;
        let answer = tokio::time::timeout(timeout, async {
            // Polling receive() also drives the retransmission timers.
            while let Some(message) = transaction.receive().await {
                if let SipMessage::Response(response) = message
                    && response.status_code.kind() != StatusCodeKind::Provisional
                {
                    return Some(response.status_code.code());
                }
            }
            None
        })
        .await;
        Ok(match answer {
            // A 408 here is the stack's own Timer F expiring, not the trunk.
            Ok(Some(code)) if code != 408 => TrunkProbe::Answered { code, round_trip: started.elapsed() },
            _ => TrunkProbe::Silent,
        })
    }
}
