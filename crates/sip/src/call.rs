use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use rsipstack::dialog::authenticate::Credential;
use rsipstack::dialog::dialog::{DialogState, TerminatedReason, TransactionHandle};
use rsipstack::dialog::dialog_layer::DialogLayer;
use rsipstack::dialog::invitation::InviteOption;
use rsipstack::dialog::invite_dialog::InviteDialog;
use rsipstack::sip::prelude::HeadersExt;
use rsipstack::sip::{Header, Method, Request, Response, StatusCode, Uri};
use tokio_util::sync::CancellationToken;
use tokio_util::task::AbortOnDropHandle;
use tracing::{debug, warn};

use crate::agent::{ByeCauses, SipAgent};
use crate::routes::{RouteGuard, StateReceiver};
use crate::session_timer::{Refresher, SessionExpires, SessionTimer, TimerAction};
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
    /// The far end sent BYE (RFC 3261 §15.1.2), with the Q.850 cause of its
    /// `Reason` header (RFC 3326), if it gave one.
    RemoteBye { q850_cause: Option<u16> },
    /// RFC 4028 §10: the session timer ran out (no refresh from the carrier,
    /// or ours failed with 408, 481 or no answer) and Herald sent BYE.
    SessionExpired,
    /// The dialog ended for another reason (e.g. no ACK, transport failure).
    Other(String),
}

/// What the far end did to an answered call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallEvent {
    /// The call is over.
    Ended(CallEnd),
    /// A re-INVITE or UPDATE brought a new SDP offer (RFC 3264 §8), already
    /// answered: media should follow it (e.g. a new address or port).
    RemoteSdp(String),
}

/// The outcome of a session refresh we sent: the response, if one came.
type RefreshOutcome = std::result::Result<Option<Response>, String>;

/// What woke an answered call up.
/// A boxed future with its type erased: a rare path's state takes no room in
/// the caller's future.
type Boxed<'a, T> = std::pin::Pin<Box<dyn Future<Output = T> + Send + 'a>>;

enum Wakeup {
    State(Option<DialogState>),
    Refreshed(RefreshOutcome),
    Timer(TimerAction),
}

/// An answered (confirmed) call. Drop it only after [`AnsweredCall::hangup`]
/// or a [`CallEnd`]; dropping it early leaves the dialog to time out.
pub struct AnsweredCall {
    pub progress: InviteProgress,
    pub answered_at: SystemTime,
    pub remote_sdp: String,
    local_sdp: String,
    dialog: InviteDialog,
    states: StateReceiver,
    /// Keeps `states` fed until the call is dropped.
    _route: RouteGuard,
    dialogs: Arc<DialogLayer>,
    /// Where the agent leaves the Q.850 cause of a BYE it routed here.
    bye_causes: ByeCauses,
    /// RFC 4028: the session timer the carrier asked for, if any.
    session_timer: Option<SessionTimer>,
    /// The carrier's 2xx listed UPDATE in `Allow`, so our session refreshes
    /// use it (RFC 3311) rather than re-INVITE.
    carrier_allows_update: bool,
    /// Our session refresh in flight; aborted with the call.
    refresh: Option<AbortOnDropHandle<RefreshOutcome>>,
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
            // RFC 4028 §7.1: we can refresh sessions, so a carrier that
            // wants session timers may make us the refresher.
            headers: Some(vec![Header::Supported("timer".into())]),
            ..InviteOption::default()
        };

        // Our own Call-ID, so the call's route exists before the stack can
        // report anything about it.
        let call_id = format!("{:032x}@herald", rand::random::<u128>());
        let (route, mut states) = self.routes.register(&call_id);
        let option = InviteOption { call_id: Some(call_id), ..option };
        let invite_at = SystemTime::now();
        let (dialog, mut outcome) = self.dialogs.do_invite_async(option, self.state_sender.clone())?;
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
            self.end_accepted_transaction(&response, &progress.call_id);
            let session_timer =
                SessionTimer::from_answer(response.header_value("Session-Expires").as_deref(), Instant::now());
            if let Some(timer) = &session_timer {
                debug!(
                    call_id = %progress.call_id,
                    interval = ?timer.interval(),
                    herald_refreshes = timer.herald_refreshes(),
                    "session timer"
                );
            }
            let carrier_allows_update = response
                .header_value("Allow")
                .is_some_and(|allow| allow.split(',').any(|method| method.trim().eq_ignore_ascii_case("UPDATE")));
            return Ok(InviteResult::Answered(AnsweredCall {
                progress,
                answered_at: SystemTime::now(),
                remote_sdp: String::from_utf8_lossy(&response.body).into_owned(),
                local_sdp: invite.sdp_offer,
                dialog,
                states,
                _route: route,
                dialogs: Arc::clone(&self.dialogs),
                bye_causes: self.bye_causes(),
                session_timer,
                carrier_allows_update,
                refresh: None,
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

    /// Ends the INVITE's client transaction as soon as its 2xx is ACKed,
    /// instead of holding it in RFC 6026's Accepted state until Timer M
    /// (64×T1 = 32 s): about 5 KiB per call (a draining task, copies of the
    /// INVITE and the 2xx) that thousands of concurrent calls would carry.
    ///
    /// Retransmitted 2xx stay answered (RFC 3261 §13.2.2.4): the endpoint
    /// keeps the ACK for another 64×T1 once the transaction detaches and
    /// re-sends it for each copy. What goes is the Accepted state's watch
    /// for a *forked* 2xx from another branch, which rsipstack would BYE;
    /// carrier trunks are back-to-back user agents and answer on one
    /// branch, and such a fork is still ACKed.
    fn end_accepted_transaction(&self, response: &Response, call_id: &str) {
        use rsipstack::transaction::key::{TransactionKey, TransactionRole};
        use rsipstack::transaction::transaction::TransactionEvent;
        let Ok(key) = TransactionKey::from_response(response, TransactionRole::Client) else { return };
        if let Some(transaction) = self.endpoint().transactions.get(&key)
            && transaction.send(TransactionEvent::Terminate(key)).is_err()
        {
            debug!(call_id, "the accepted transaction had already ended");
        }
    }
}

impl AnsweredCall {
    /// Waits until the call ends, answering what the far end sends meanwhile
    /// and keeping the session timer (see [`AnsweredCall::next_event`]).
    /// Cancel-safe: use it in `select!`.
    pub async fn ended(&mut self) -> CallEnd {
        loop {
            if let CallEvent::Ended(end) = self.next_event().await {
                return end;
            }
        }
    }

    /// Waits for the next thing the caller must act on: the end of the call,
    /// or a new SDP from the far end. Meanwhile it answers re-INVITE and
    /// UPDATE (RFC 3261 §14.2, RFC 3311 §5.2) with our session, OPTIONS,
    /// INFO and NOTIFY with 200, refreshes the session when we are the
    /// refresher and ends it when nobody did (RFC 4028 §10). Cancel-safe:
    /// use it in `select!`.
    pub async fn next_event(&mut self) -> CallEvent {
        loop {
            if let Some(end) = &self.ended {
                return CallEvent::Ended(end.clone());
            }
            let timer = self.session_timer.as_ref().map(SessionTimer::next);
            let wake_at = timer.map_or_else(far_future, |(at, _)| tokio::time::Instant::from_std(at));
            let (states, refresh) = (&mut self.states, &mut self.refresh);
            let wakeup = tokio::select! {
                state = states.recv() => Wakeup::State(state.map(|state| *state)),
                joined = async { refresh.as_mut().expect("guarded by is_some").await }, if refresh.is_some() => {
                    Wakeup::Refreshed(joined.map_err(|error| error.to_string()).and_then(|outcome| outcome))
                }
                () = tokio::time::sleep_until(wake_at), if timer.is_some() => {
                    Wakeup::Timer(timer.map_or(TimerAction::Expire, |(_, action)| action))
                }
            };
            match wakeup {
                Wakeup::State(None) => {
                    self.finish(CallEnd::Other("dialog channel closed".to_owned()));
                }
                Wakeup::State(Some(state)) => {
                    // Boxed (as below): rare paths, whose futures would
                    // otherwise sit in every call's state for its whole life.
                    let handled: Boxed<'_, Option<CallEvent>> = Box::pin(self.on_dialog_state(state));
                    if let Some(event) = handled.await {
                        return event;
                    }
                }
                Wakeup::Refreshed(outcome) => {
                    self.refresh = None;
                    let handled: Boxed<'_, ()> = Box::pin(self.on_refresh_outcome(outcome));
                    handled.await;
                }
                Wakeup::Timer(TimerAction::Refresh) => self.send_refresh(),
                Wakeup::Timer(TimerAction::Expire) => {
                    warn!(call_id = %self.progress.call_id, "session timer expired: hanging up");
                    let ended: Boxed<'_, ()> = Box::pin(self.bye_and_finish(CallEnd::SessionExpired));
                    ended.await;
                }
            }
        }
    }

    async fn on_dialog_state(&mut self, state: DialogState) -> Option<CallEvent> {
        match state {
            DialogState::Updated(_, request, handle) => {
                let offer = self.answer_session_update(&request, &handle).await?;
                if offer == self.remote_sdp {
                    return None;
                }
                self.remote_sdp = offer.clone();
                Some(CallEvent::RemoteSdp(offer))
            }
            DialogState::Options(_, _, handle)
            | DialogState::Info(_, _, handle)
            | DialogState::Notify(_, _, handle) => {
                let _ = handle.reply(StatusCode::OK).await;
                None
            }
            // Herald neither transfers calls nor takes messages: say so now
            // rather than let the request wait out its transaction.
            DialogState::Refer(_, _, handle)
            | DialogState::Message(_, _, handle)
            | DialogState::Publish(_, _, handle) => {
                let _ = handle.reply(StatusCode::NotImplemented).await;
                None
            }
            DialogState::Terminated(_, reason) => {
                let end = match reason {
                    TerminatedReason::UasBye => CallEnd::RemoteBye { q850_cause: self.take_bye_cause() },
                    other => CallEnd::Other(format!("{other:?}")),
                };
                Some(CallEvent::Ended(self.finish(end)))
            }
            _ => None,
        }
    }

    /// Answers a re-INVITE or UPDATE from the far end with 200 OK and our
    /// session, and returns the SDP offer it carried, if any.
    ///
    /// RFC 3261 §14.2: a re-INVITE gets our SDP in the 2xx (the answer to its
    /// offer, or our offer when it had none); RFC 3311 §5.2: an UPDATE's 2xx
    /// carries SDP only when the UPDATE offered some. Our session does not
    /// change, so the same SDP (same `o=` version, RFC 3264 §8) answers.
    /// RFC 4028 §9: a refresh is answered with the session's Session-Expires
    /// and its refresher named, and restarts the session timer.
    async fn answer_session_update(&mut self, request: &Request, handle: &TransactionHandle) -> Option<String> {
        let mut headers = Vec::new();
        let requested = request.header_value("Session-Expires");
        let carrier_supports_timer = request.header_contains_token("Supported", "timer");
        if let Some((expires, require_timer)) = SessionTimer::refreshed_by_carrier(
            &mut self.session_timer,
            requested.as_deref(),
            carrier_supports_timer,
            Instant::now(),
        ) {
            headers.push(Header::SessionExpires(expires.header_value().into()));
            if require_timer {
                headers.push(Header::Require("timer".into()));
            }
        }
        let offer = (!request.body.is_empty()).then(|| String::from_utf8_lossy(&request.body).into_owned());
        let body = (offer.is_some() || request.method == Method::Invite).then(|| {
            headers.push(Header::ContentType("application/sdp".into()));
            self.local_sdp.clone().into_bytes()
        });
        debug!(call_id = %self.progress.call_id, method = %request.method, "answering a session update");
        if let Err(error) = handle.respond(StatusCode::OK, Some(headers), body).await {
            debug!(%error, call_id = %self.progress.call_id, "the session update went away unanswered");
        }
        offer
    }

    /// RFC 4028 §7.4: a session refresh of ours — UPDATE without an offer
    /// when the carrier allows UPDATE (RFC 3311), else a re-INVITE offering
    /// our unchanged session — with `Session-Expires: N;refresher=uac` and
    /// `Supported: timer`. It runs as its own task so that `next_event`
    /// stays cancel-safe; the task ends with the transaction (at most 64*T1)
    /// or with the call.
    fn send_refresh(&mut self) {
        let Some(timer) = self.session_timer.as_mut() else { return };
        timer.refresh_sent();
        let expires = SessionExpires { interval: timer.interval(), refresher: Some(Refresher::Uac) };
        let mut headers =
            vec![Header::SessionExpires(expires.header_value().into()), Header::Supported("timer".into())];
        let dialog = self.dialog.clone();
        let use_update = self.carrier_allows_update;
        let sdp = self.local_sdp.clone().into_bytes();
        debug!(call_id = %self.progress.call_id, use_update, "refreshing the session");
        self.refresh = Some(AbortOnDropHandle::new(tokio::spawn(async move {
            let sent = if use_update {
                dialog.update(Some(headers), None).await
            } else {
                headers.push(Header::ContentType("application/sdp".into()));
                dialog.reinvite(Some(headers), Some(sdp)).await
            };
            sent.map_err(|error| error.to_string())
        })));
    }

    async fn on_refresh_outcome(&mut self, outcome: RefreshOutcome) {
        let now = Instant::now();
        let call_id = self.progress.call_id.clone();
        match outcome {
            Ok(Some(response)) if response.status_code.kind() == rsipstack::sip::StatusCodeKind::Successful => {
                debug!(%call_id, "session refreshed");
                if let Some(timer) = self.session_timer.as_mut() {
                    timer.refresh_answered(response.header_value("Session-Expires").as_deref(), now);
                }
            }
            Ok(Some(response)) => {
                let code = response.status_code.code();
                // RFC 4028 §10: a refresh answered 408 or 481 ends the session.
                if code == 408 || code == 481 {
                    warn!(%call_id, code, "session refresh refused: hanging up");
                    self.bye_and_finish(CallEnd::SessionExpired).await;
                    return;
                }
                // An UPDATE the carrier turned down: use re-INVITE next time.
                if code == 405 || code == 501 {
                    self.carrier_allows_update = false;
                }
                debug!(%call_id, code, "session refresh failed; retrying before expiry");
                if let Some(timer) = self.session_timer.as_mut() {
                    timer.refresh_failed(now);
                }
            }
            // RFC 4028 §10: no response at all (the transaction timed out).
            Ok(None) | Err(_) => {
                warn!(%call_id, ?outcome, "session refresh unanswered: hanging up");
                self.bye_and_finish(CallEnd::SessionExpired).await;
            }
        }
    }

    async fn bye_and_finish(&mut self, end: CallEnd) {
        self.refresh = None;
        if let Err(error) = self.dialog.bye().await {
            debug!(%error, call_id = %self.progress.call_id, "bye failed");
        }
        self.finish(end);
    }

    fn take_bye_cause(&self) -> Option<u16> {
        self.bye_causes.lock().expect("bye causes poisoned").remove(&self.progress.call_id)
    }

    fn finish(&mut self, end: CallEnd) -> CallEnd {
        self.refresh = None;
        self.take_bye_cause();
        self.dialogs.remove_dialog(&self.dialog.id());
        self.ended = Some(end.clone());
        end
    }

    /// Sends BYE (RFC 3261 §15.1.1) unless the call already ended, and waits
    /// briefly for the dialog to close.
    pub async fn hangup(mut self) {
        if self.ended.is_some() {
            return;
        }
        self.refresh = None;
        if let Err(error) = self.dialog.bye().await {
            debug!(%error, call_id = %self.progress.call_id, "bye failed");
        }
        let _ = tokio::time::timeout(Duration::from_secs(2), self.ended()).await;
        self.dialogs.remove_dialog(&self.dialog.id());
        self.take_bye_cause();
    }
}

/// A deadline that never comes, for a disabled timer branch.
fn far_future() -> tokio::time::Instant {
    tokio::time::Instant::now() + Duration::from_secs(86_400 * 365)
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
