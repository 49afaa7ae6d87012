use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use rsipstack::dialog::authenticate::Credential;
use rsipstack::dialog::dialog::{DialogState, DialogStateReceiver, TerminatedReason};
use rsipstack::dialog::dialog_layer::DialogLayer;
use rsipstack::dialog::invitation::InviteOption;
use rsipstack::dialog::invite_dialog::InviteDialog;
use rsipstack::sip::prelude::HeadersExt;
use rsipstack::sip::{Header, Response, StatusCode, Uri};
use tokio_util::sync::CancellationToken;
use tracing::{debug, warn};

use crate::agent::SipAgent;
use crate::{Error, Result, q850_cause};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SipTransport {
    Udp,
    Tcp,
}

#[derive(Debug, Clone)]
pub struct DigestCredential {
    pub username: String,
    pub password: String,
}

/// Where and how to reach a carrier.
#[derive(Debug, Clone)]
pub struct TrunkTarget {
    pub host: String,
    pub port: u16,
    pub transport: SipTransport,
    /// Answers 401/407 challenges (RFC 3261 §22.2) when set.
    pub credential: Option<DigestCredential>,
    /// Host part of the From URI; the agent's own address when unset.
    pub from_domain: Option<String>,
}

/// One outbound call to place.
#[derive(Debug, Clone)]
pub struct OutboundInvite {
    pub trunk: TrunkTarget,
    /// The callee as the Request-URI user part (`+4930123456` or digits).
    pub callee: String,
    /// The caller ID put in From.
    pub caller: String,
    pub sdp_offer: String,
    /// How long to let it ring before CANCEL (RFC 3261 §9.1).
    pub ring_timeout: Duration,
}

/// What happened before the final response.
#[derive(Debug, Clone)]
pub struct InviteProgress {
    pub call_id: String,
    pub invite_at: SystemTime,
    pub ringing_at: Option<SystemTime>,
    /// A 183 (or 18x) carried SDP: the carrier played early media.
    pub early_media: bool,
}

impl InviteProgress {
    /// Records a provisional response: the first 18x is when it rang, and
    /// RFC 3960: an 18x with SDP means early media.
    fn note(&mut self, state: &DialogState) {
        if let DialogState::Early(_, response) = state {
            self.ringing_at.get_or_insert_with(SystemTime::now);
            self.early_media |= !response.body.is_empty();
        }
    }
}

#[derive(Debug)]
pub enum InviteResult {
    Answered(AnsweredCall),
    Failed(FailedCall),
}

/// A call that ended without being answered.
#[derive(Debug, Clone)]
pub struct FailedCall {
    pub progress: InviteProgress,
    /// Final SIP status (a 408 the stack generated when nothing answered).
    pub code: u16,
    pub reason_phrase: String,
    pub q850_cause: Option<u16>,
    /// We sent CANCEL because the ring timeout passed.
    pub cancelled_on_timeout: bool,
    /// We sent CANCEL because the caller aborted (drain, lost lease).
    pub cancelled_on_abort: bool,
}

/// How an answered call ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallEnd {
    /// The far end sent BYE.
    RemoteBye,
    /// The dialog ended for another reason (e.g. no ACK, transport failure).
    Other(String),
}

/// An answered (confirmed) call. Drop it only after [`AnsweredCall::hangup`]
/// or a [`CallEnd`]; dropping it early leaves the dialog to time out.
pub struct AnsweredCall {
    pub progress: InviteProgress,
    pub answered_at: SystemTime,
    pub remote_sdp: String,
    local_sdp: String,
    dialog: InviteDialog,
    states: DialogStateReceiver,
    dialogs: Arc<DialogLayer>,
    ended: Option<CallEnd>,
}

impl std::fmt::Debug for AnsweredCall {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("AnsweredCall")
            .field("call_id", &self.progress.call_id)
            .field("answered_at", &self.answered_at)
            .finish()
    }
}

impl SipAgent {
    /// Sends the INVITE and follows it to its final response: CANCEL after
    /// the ring timeout, digest auth when challenged, ACK on 2xx.
    ///
    /// Cancelling `abort` while the call rings sends CANCEL at once.
    pub async fn invite(&self, invite: OutboundInvite, abort: &CancellationToken) -> Result<InviteResult> {
        let local = self.local_addr();
        let trunk = &invite.trunk;
        let transport_parameter = match trunk.transport {
            SipTransport::Udp => "",
            SipTransport::Tcp => ";transport=tcp",
        };
        let callee = parse_uri(&format!("sip:{}@{}:{}{transport_parameter}", invite.callee, trunk.host, trunk.port))?;
        let from_host = trunk.from_domain.clone().unwrap_or_else(|| host_of(local));
        let caller = parse_uri(&format!("sip:{}@{from_host}", invite.caller))?;
        let contact = parse_uri(&format!("sip:{}@{}", invite.caller, socket_text(local)))?;
        let option = InviteOption {
            caller,
            callee,
            contact,
            content_type: Some("application/sdp".to_owned()),
            offer: Some(invite.sdp_offer.clone().into_bytes()),
            credential: trunk.credential.as_ref().map(|credential| Credential {
                username: credential.username.clone(),
                password: credential.password.clone(),
                realm: None,
                auth_username: None,
            }),
            ..InviteOption::default()
        };

        let (state_sender, mut states) = self.dialogs.new_dialog_state_channel();
        let invite_at = SystemTime::now();
        let (dialog, mut outcome) = self.dialogs.do_invite_async(option, state_sender)?;
        let mut progress =
            InviteProgress { call_id: dialog.id().call_id.clone(), invite_at, ringing_at: None, early_media: false };
        let ring_timer = tokio::time::sleep(invite.ring_timeout);
        tokio::pin!(ring_timer);
        let mut cancelled_on_timeout = false;
        let mut cancelled_on_abort = false;
        let final_response: Option<Response> = loop {
            tokio::select! {
                joined = &mut outcome => {
                    let result = joined.map_err(|error| Error::Stack(error.to_string()))?;
                    break result?.1;
                }
                Some(state) = states.recv() => {
                    progress.note(&state);
                }
                () = &mut ring_timer, if !(cancelled_on_timeout || cancelled_on_abort) => {
                    cancelled_on_timeout = true;
                    debug!(call_id = %progress.call_id, "ring timeout: cancelling");
                    // RFC 3261 §9.1: CANCEL a pending INVITE.
                    if let Err(error) = dialog.cancel().await {
                        warn!(%error, call_id = %progress.call_id, "cancel failed");
                    }
                }
                () = abort.cancelled(), if !(cancelled_on_timeout || cancelled_on_abort) => {
                    cancelled_on_abort = true;
                    debug!(call_id = %progress.call_id, "call aborted: cancelling");
                    if let Err(error) = dialog.cancel().await {
                        warn!(%error, call_id = %progress.call_id, "cancel failed");
                    }
                }
            }
        };
        // Early states may still be queued behind the final response.
        while let Ok(state) = states.try_recv() {
            progress.note(&state);
        }

        let Some(response) = final_response else {
            self.dialogs.remove_dialog(&dialog.id());
            return Ok(InviteResult::Failed(FailedCall {
                progress,
                code: 408,
                reason_phrase: "No response".to_owned(),
                q850_cause: None,
                cancelled_on_timeout,
                cancelled_on_abort,
            }));
        };
        let code = response.status_code.code();
        if (200..300).contains(&code) {
            return Ok(InviteResult::Answered(AnsweredCall {
                progress,
                answered_at: SystemTime::now(),
                remote_sdp: String::from_utf8_lossy(&response.body).into_owned(),
                local_sdp: invite.sdp_offer,
                dialog,
                states,
                dialogs: Arc::clone(&self.dialogs),
                ended: None,
            }));
        }
        self.dialogs.remove_dialog(&dialog.id());
        let reason_phrase = response.wire_reason.clone().unwrap_or_else(|| response.status_code.text().to_owned());
        let q850 = response.header_value("Reason").and_then(|value| q850_cause(&value));
        Ok(InviteResult::Failed(FailedCall {
            progress,
            code,
            reason_phrase,
            q850_cause: q850,
            cancelled_on_timeout,
            cancelled_on_abort,
        }))
    }
}

impl AnsweredCall {
    /// Waits until the far end hangs up, answering what it sends meanwhile:
    /// re-INVITE and UPDATE (RFC 3311) get our SDP again (the session does not
    /// change), OPTIONS gets 200. Cancel-safe: use it in `select!`.
    pub async fn ended(&mut self) -> CallEnd {
        if let Some(end) = &self.ended {
            return end.clone();
        }
        loop {
            let Some(state) = self.states.recv().await else {
                return self.finish(CallEnd::Other("dialog channel closed".to_owned()));
            };
            match state {
                DialogState::Updated(_, request, handle) => {
                    // RFC 3261 §14.2 / RFC 3311 §5.2: answer a session refresh
                    // with the session we have.
                    let body = (!request.body.is_empty()).then(|| self.local_sdp.clone().into_bytes());
                    let headers = body.as_ref().map(|_| vec![Header::ContentType("application/sdp".into())]);
                    let _ = handle.respond(StatusCode::OK, headers, body).await;
                }
                DialogState::Options(_, _, handle) => {
                    let _ = handle.reply(StatusCode::OK).await;
                }
                DialogState::Info(_, _, handle) | DialogState::Notify(_, _, handle) => {
                    let _ = handle.reply(StatusCode::OK).await;
                }
                DialogState::Terminated(_, reason) => {
                    let end = match reason {
                        TerminatedReason::UasBye => CallEnd::RemoteBye,
                        other => CallEnd::Other(format!("{other:?}")),
                    };
                    return self.finish(end);
                }
                _ => {}
            }
        }
    }

    fn finish(&mut self, end: CallEnd) -> CallEnd {
        self.dialogs.remove_dialog(&self.dialog.id());
        self.ended = Some(end.clone());
        end
    }

    /// Sends BYE (RFC 3261 §15.1.1) unless the far end already hung up, and
    /// waits briefly for the dialog to close.
    pub async fn hangup(mut self) {
        if self.ended.is_some() {
            return;
        }
        if let Err(error) = self.dialog.bye().await {
            debug!(%error, call_id = %self.progress.call_id, "bye failed");
        }
        let _ = tokio::time::timeout(Duration::from_secs(2), self.ended()).await;
        self.dialogs.remove_dialog(&self.dialog.id());
    }
}

pub(crate) fn parse_uri(text: &str) -> Result<Uri> {
    Uri::try_from(text).map_err(|error| Error::InvalidUri { uri: text.to_owned(), message: error.to_string() })
}

pub(crate) fn host_of(address: SocketAddr) -> String {
    match address {
        SocketAddr::V4(v4) => v4.ip().to_string(),
        SocketAddr::V6(v6) => format!("[{}]", v6.ip()),
    }
}

fn socket_text(address: SocketAddr) -> String {
    format!("{}:{}", host_of(address), address.port())
}
