//! Webhook deliveries. Each finished attempt queues one delivery per
//! matching webhook in the same statement that records it (the store does
//! that); a [`Deliverer`] — every UI node runs one — takes due deliveries
//! with `SKIP LOCKED`, POSTs them as JSON signed with HMAC-SHA256
//! (`X-Herald-Signature: sha256=<hex>`), and retries failures with
//! exponential back-off: at least once, in no particular order (the body's
//! `attempt.id` and `delivery` let receivers deduplicate).
//!
//! [`url_problem`] is the rule for what a webhook may point at, which the
//! API checks when a webhook is made and the deliverer again when it sends.
//! It never serves HTTP: webhooks are configured through the UI service's
//! API.

use std::time::Duration;

use herald_store::{DueDelivery, Store};
use sha2::{Digest, Sha256};
use tokio_util::sync::CancellationToken;
use tracing::{debug, info, warn};

/// Tries before a delivery is given up (about 17 hours of back-off).
const MAX_TRIES: i32 = 12;
const BATCH: i64 = 50;
/// A delivery in flight is another node's to retry after this long.
const LEASE_SECS: i64 = 60;

/// What is wrong with a webhook's URL, if anything: it must be http(s),
/// at most 2,000 bytes, without spaces, and (unless `private_targets`) not
/// name an internal address.
pub fn url_problem(url: &str, private_targets: bool) -> Option<&'static str> {
    let scheme = url.split_once("://").map(|(scheme, _)| scheme.to_ascii_lowercase());
    let valid_url = matches!(scheme.as_deref(), Some("https" | "http"))
        && url.len() <= 2000
        && !url.contains(char::is_whitespace)
        && url.split("://").nth(1).is_some_and(|rest| !rest.is_empty());
    if !valid_url {
        Some("must be an http:// or https:// URL")
    } else if !private_targets && url_ip(url).is_some_and(is_internal) {
        Some("must not point at a loopback, private or link-local address (ui.webhook_private_targets)")
    } else {
        None
    }
}

/// The IP address a URL names literally, if it does.
fn url_ip(url: &str) -> Option<std::net::IpAddr> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split(['/', '?', '#']).next()?;
    let host = authority.rsplit_once('@').map_or(authority, |(_, host)| host);
    let host = match host.strip_prefix('[') {
        Some(bracketed) => bracketed.split(']').next()?,
        None => host.rsplit_once(':').map_or(host, |(host, _)| host),
    };
    host.parse().ok()
}

/// Addresses a webhook must not reach unless allowed: this host, the
/// private networks, link-local (cloud metadata) and unspecified ones.
pub fn is_internal(ip: std::net::IpAddr) -> bool {
    match ip {
        std::net::IpAddr::V4(v4) => {
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.octets()[0] == 100 && (v4.octets()[1] & 0xc0) == 64 // 100.64/10, carrier-grade NAT
        }
        std::net::IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_internal(std::net::IpAddr::V4(v4)),
            None => {
                v6.is_loopback()
                    || v6.is_unspecified()
                    || (v6.segments()[0] & 0xfe00) == 0xfc00 // unique local
                    || (v6.segments()[0] & 0xffc0) == 0xfe80 // link-local
            }
        },
    }
}

/// Resolves webhook hosts, dropping internal addresses (a name that points
/// inside, or is re-pointed there after the webhook was made, reaches
/// nothing).
struct PublicOnly;

impl reqwest::dns::Resolve for PublicOnly {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let addresses: Vec<std::net::SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await?
                .filter(|address| !is_internal(address.ip()))
                .collect();
            if addresses.is_empty() {
                return Err(format!("{host} resolves only to internal addresses").into());
            }
            Ok(Box::new(addresses.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// HMAC-SHA256 (RFC 2104) of `message` under `key`, as lowercase hex.
pub fn signature(key: &[u8], message: &[u8]) -> String {
    const BLOCK: usize = 64;
    let mut block = [0_u8; BLOCK];
    if key.len() > BLOCK {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let pad = |byte: u8| block.iter().map(|k| k ^ byte).collect::<Vec<u8>>();
    let inner = Sha256::new().chain_update(pad(0x36)).chain_update(message).finalize();
    let outer = Sha256::new().chain_update(pad(0x5c)).chain_update(inner).finalize();
    outer.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// Delivers the queued webhook calls; one per UI node.
pub struct Deliverer {
    store: Store,
    client: reqwest::Client,
    private_targets: bool,
}

impl Deliverer {
    /// `private_targets`: may deliver to loopback and private addresses
    /// (`ui.webhook_private_targets`; tests and single-host setups).
    pub fn new(store: Store, private_targets: bool) -> Deliverer {
        let mut builder = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .user_agent(concat!("Herald/", env!("CARGO_PKG_VERSION")))
            // A redirect could lead anywhere, inside included.
            .redirect(reqwest::redirect::Policy::none());
        if !private_targets {
            builder = builder.dns_resolver(std::sync::Arc::new(PublicOnly));
        }
        let client = builder.build().expect("an HTTP client with default settings");
        Deliverer { store, client, private_targets }
    }

    /// Delivers until `shutdown`.
    pub async fn run(self, shutdown: CancellationToken) {
        loop {
            let delivered = match self.store.take_due_deliveries(BATCH, LEASE_SECS).await {
                Ok(due) if !due.is_empty() => {
                    let count = due.len();
                    let sends = due.into_iter().map(|delivery| self.deliver(delivery));
                    futures_util::future::join_all(sends).await;
                    count
                }
                Ok(_) => 0,
                Err(error) => {
                    debug!(%error, "webhooks: reading the queue failed");
                    0
                }
            };
            let pause = if delivered as i64 == BATCH { Duration::ZERO } else { Duration::from_millis(500) };
            tokio::select! {
                () = tokio::time::sleep(pause) => {}
                () = shutdown.cancelled() => return,
            }
        }
    }

    async fn deliver(&self, delivery: DueDelivery) {
        if !self.private_targets && url_ip(&delivery.url).is_some_and(is_internal) {
            let error = "the URL points at an internal address (ui.webhook_private_targets is off)";
            warn!(webhook = delivery.webhook_id, error, "webhook delivery refused");
            let _ = self.store.delivery_result(delivery.id, None, Some(error), None).await;
            return;
        }
        let body = serde_json::json!({
            "event": "attempt.finished",
            "delivery": delivery.id,
            "attempt": delivery.attempt,
        })
        .to_string();
        let signed = signature(delivery.secret.as_bytes(), body.as_bytes());
        let sent = self
            .client
            .post(&delivery.url)
            .header("Content-Type", "application/json")
            .header("X-Herald-Signature", format!("sha256={signed}"))
            .header("X-Herald-Delivery", delivery.id.to_string())
            .body(body)
            .send()
            .await;
        let (status, error) = match sent {
            Ok(response) if response.status().is_success() => (Some(response.status().as_u16()), None),
            Ok(response) => (Some(response.status().as_u16()), Some(format!("HTTP {}", response.status()))),
            Err(error) => (None, Some(error.to_string())),
        };
        let retry_in = error.as_ref().and_then(|_| {
            (delivery.tries < MAX_TRIES).then(|| 5_i64.saturating_mul(1 << (delivery.tries - 1).clamp(0, 13)))
        });
        match &error {
            None => debug!(webhook = delivery.webhook_id, delivery = delivery.id, "webhook delivered"),
            Some(error) if retry_in.is_some() => {
                info!(webhook = delivery.webhook_id, %error, retry_in, "webhook delivery failed: retrying")
            }
            Some(error) => warn!(webhook = delivery.webhook_id, %error, "webhook delivery failed: giving up"),
        }
        if let Err(error) = self.store.delivery_result(delivery.id, status, error.as_deref(), retry_in).await {
            warn!(%error, "webhooks: recording a delivery failed (it will be sent again)");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::signature;

    #[test]
    fn internal_addresses_are_recognised_in_urls() {
        use super::{is_internal, url_ip};
        for url in [
            "http://127.0.0.1:8080/x",
            "https://10.1.2.3/",
            "http://[::1]/",
            "http://user@192.168.0.1/h",
            "http://169.254.169.254/latest/meta-data",
            "http://[fd00::1]:80/",
            "http://100.64.0.1/",
        ] {
            assert!(url_ip(url).is_some_and(is_internal), "{url}");
        }
        for url in ["https://93.184.216.34/hook", "https://[2606:4700::1]/", "https://crm.example.org/hook"] {
            assert!(!url_ip(url).is_some_and(is_internal), "{url}");
        }
    }

    #[test]
    fn signatures_are_rfc_4231_hmac_sha256() {
        // RFC 4231 test cases 2 and 6.
        assert_eq!(
            signature(b"Jefe", b"what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert_eq!(
            signature(&[0xaa; 131], b"Test Using Larger Than Block-Size Key - Hash Key First"),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }
}
