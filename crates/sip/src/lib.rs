//! Herald's SIP facade.
//!
//! Call logic (the Talker, the Recipient, `herald call`) speaks only this
//! crate's small vocabulary — [`SipAgent`], [`OutboundInvite`],
//! [`InviteResult`], [`AnsweredCall`] — so the SIP stack underneath
//! (rsipstack, pinned to an exact version) can be replaced without touching
//! them. The stack does the RFC 3261 transaction work: retransmissions and
//! Timers A–K (§17), ACK for 2xx (§13.2.2.4), digest challenges (§22.2).
//! In-dialog requests reach the call as events; this crate answers them
//! (re-INVITE, UPDATE, OPTIONS) and keeps RFC 4028 session timers.
//!
//! This crate never touches a database, never plays audio, and never decides
//! what a call means: it reports SIP facts (codes, Reason headers, timings).

mod agent;
mod call;
mod options;
mod reason;
mod routes;
mod session_timer;

pub use agent::{SipAgent, SipConfig};
pub use call::{
    AnsweredCall, CallEnd, CallEvent, DigestCredential, FailedCall, InviteProgress, InviteResult, OutboundInvite,
    SipTransport, TrunkTarget,
};
pub use options::TrunkProbe;
pub use reason::q850_cause;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot bind SIP {transport} on {address}: {message}")]
    Bind { transport: &'static str, address: std::net::SocketAddr, message: String },
    #[error("invalid SIP URI {uri:?}: {message}")]
    InvalidUri { uri: String, message: String },
    #[error("SIP stack: {0}")]
    Stack(String),
}

impl From<rsipstack::Error> for Error {
    fn from(error: rsipstack::Error) -> Self {
        Error::Stack(error.to_string())
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
