//! Session timers (RFC 4028), sans-IO: what the carrier asked for, when the
//! next refresh or the end of the session is due, and the headers that go
//! with it. [`crate::AnsweredCall`] owns the clock and the requests.
//!
//! Herald is the UAC of the dialog. The carrier's 2xx to the INVITE decides
//! (RFC 4028 §7.2): no `Session-Expires`, no timer; `refresher=uac`, Herald
//! refreshes; `refresher=uas`, the carrier does and Herald ends the session
//! when no refresh comes. A refresh from either side restarts the interval
//! and may move the refresher role (§9, §10).

use std::time::{Duration, Instant};

/// The longest Herald waits before a session's expiry to send its BYE
/// (RFC 4028 §10: 32 s or a third of the interval, whichever is smaller).
const BYE_BEFORE_EXPIRY_MAX: Duration = Duration::from_secs(32);

/// Who refreshes, seen from the request or response that says so.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refresher {
    Uac,
    Uas,
}

/// A `Session-Expires` header (RFC 4028 §4): `90;refresher=uac`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SessionExpires {
    pub(crate) interval: Duration,
    pub(crate) refresher: Option<Refresher>,
}

impl SessionExpires {
    /// Parses a header value; `None` when it is not a delta-seconds value
    /// (or is 0).
    pub(crate) fn parse(value: &str) -> Option<SessionExpires> {
        let mut parts = value.split(';').map(str::trim);
        let seconds: u64 = parts.next()?.parse().ok()?;
        if seconds == 0 {
            return None;
        }
        let mut refresher = None;
        for parameter in parts {
            let Some((name, role)) = parameter.split_once('=') else { continue };
            if name.trim().eq_ignore_ascii_case("refresher") {
                refresher = match role.trim().to_ascii_lowercase().as_str() {
                    "uac" => Some(Refresher::Uac),
                    "uas" => Some(Refresher::Uas),
                    _ => None,
                };
            }
        }
        Some(SessionExpires { interval: Duration::from_secs(seconds), refresher })
    }

    pub(crate) fn header_value(&self) -> String {
        let seconds = self.interval.as_secs();
        match self.refresher {
            Some(Refresher::Uac) => format!("{seconds};refresher=uac"),
            Some(Refresher::Uas) => format!("{seconds};refresher=uas"),
            None => seconds.to_string(),
        }
    }
}

/// What the timer wants done when its deadline passes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TimerAction {
    /// Herald is the refresher: send a session refresh now.
    Refresh,
    /// The session is about to expire unrefreshed: send BYE.
    Expire,
}

/// One dialog's session timer.
#[derive(Debug, Clone)]
pub(crate) struct SessionTimer {
    interval: Duration,
    /// Herald (the dialog's UAC) sends the refreshes.
    herald_refreshes: bool,
    /// When the current interval started (the answer or the last refresh).
    refreshed_at: Instant,
    /// When Herald sends its next refresh; `None` while one is in flight or
    /// when the carrier refreshes.
    refresh_at: Option<Instant>,
}

impl SessionTimer {
    fn new(interval: Duration, herald_refreshes: bool, now: Instant) -> SessionTimer {
        // RFC 4028 §10: the refresher sends its refresh once half the
        // interval has passed.
        let refresh_at = herald_refreshes.then(|| now + interval / 2);
        SessionTimer { interval, herald_refreshes, refreshed_at: now, refresh_at }
    }

    /// RFC 4028 §7.2: the timer the 2xx to our INVITE set up, if any. A
    /// Session-Expires without a refresher parameter leaves the refreshes to
    /// the carrier (it should have said; §9 makes the UAS choose).
    pub(crate) fn from_answer(session_expires: Option<&str>, now: Instant) -> Option<SessionTimer> {
        let expires = SessionExpires::parse(session_expires?)?;
        Some(SessionTimer::new(expires.interval, expires.refresher == Some(Refresher::Uac), now))
    }

    pub(crate) fn interval(&self) -> Duration {
        self.interval
    }

    pub(crate) fn herald_refreshes(&self) -> bool {
        self.herald_refreshes
    }

    /// When the session ends unless refreshed first.
    pub(crate) fn expires_at(&self) -> Instant {
        self.refreshed_at + self.interval
    }

    /// RFC 4028 §10: without a refresh, the BYE goes out a third of the
    /// interval or 32 s before expiry, whichever is less.
    fn bye_at(&self) -> Instant {
        self.expires_at() - (self.interval / 3).min(BYE_BEFORE_EXPIRY_MAX)
    }

    /// The next instant something is due, and what.
    pub(crate) fn next(&self) -> (Instant, TimerAction) {
        match self.refresh_at {
            Some(at) => (at, TimerAction::Refresh),
            None => (self.bye_at(), TimerAction::Expire),
        }
    }

    /// A refresh of ours went out; its answer is awaited.
    pub(crate) fn refresh_sent(&mut self) {
        self.refresh_at = None;
    }

    /// Our refresh was answered 2xx: RFC 4028 §7.2 applies to its response as
    /// to the INVITE's (a new interval, maybe a new refresher). A 2xx without
    /// Session-Expires keeps the interval we asked for.
    pub(crate) fn refresh_answered(&mut self, session_expires: Option<&str>, now: Instant) {
        let (interval, herald_refreshes) = match session_expires.and_then(SessionExpires::parse) {
            Some(expires) => (expires.interval, expires.refresher != Some(Refresher::Uas)),
            None => (self.interval, true),
        };
        *self = SessionTimer::new(interval, herald_refreshes, now);
    }

    /// Our refresh failed without ending the dialog (e.g. 491, 500): the
    /// session stands until it expires; try again halfway to the BYE.
    pub(crate) fn refresh_failed(&mut self, now: Instant) {
        let bye_at = self.bye_at();
        let room = bye_at.saturating_duration_since(now);
        self.refresh_at = (room >= Duration::from_secs(1)).then(|| now + room / 2);
    }

    /// RFC 4028 §9: the carrier sent a re-INVITE or UPDATE and we answer it
    /// 2xx. Returns the Session-Expires for our response, and whether the
    /// response must carry `Require: timer` (it must when the refresher is
    /// the request's sender, `uac`); `None` when the session has no timer
    /// and the request asks for none.
    ///
    /// The interval is the request's, else the running timer's (a request
    /// without Session-Expires would otherwise switch the timer off, §9, so
    /// the 2xx says it stays on). The refresher is the request's, else kept
    /// as it was, else the carrier's when it sent `Supported: timer`; a
    /// carrier that did not cannot be made the refresher, so Herald is.
    pub(crate) fn refreshed_by_carrier(
        timer: &mut Option<SessionTimer>,
        request_session_expires: Option<&str>,
        carrier_supports_timer: bool,
        now: Instant,
    ) -> Option<(SessionExpires, bool)> {
        let (interval, refresher) = match (request_session_expires.and_then(SessionExpires::parse), timer.as_ref()) {
            (Some(requested), _) => (requested.interval, requested.refresher),
            (None, Some(running)) => {
                // Seen from this request: the carrier is its UAC.
                let kept = if running.herald_refreshes { Refresher::Uas } else { Refresher::Uac };
                (running.interval, Some(kept).filter(|&kept| kept == Refresher::Uas || carrier_supports_timer))
            }
            (None, None) => return None,
        };
        let refresher = refresher.unwrap_or(if carrier_supports_timer { Refresher::Uac } else { Refresher::Uas });
        *timer = Some(SessionTimer::new(interval, refresher == Refresher::Uas, now));
        Some((SessionExpires { interval, refresher: Some(refresher) }, refresher == Refresher::Uac))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: Duration = Duration::from_secs(1);

    #[test]
    fn parses_session_expires() {
        assert_eq!(
            SessionExpires::parse("1800;refresher=uac"),
            Some(SessionExpires { interval: 1800 * SECOND, refresher: Some(Refresher::Uac) })
        );
        assert_eq!(
            SessionExpires::parse(" 90 ; Refresher = UAS"),
            Some(SessionExpires { interval: 90 * SECOND, refresher: Some(Refresher::Uas) })
        );
        assert_eq!(SessionExpires::parse("4"), Some(SessionExpires { interval: 4 * SECOND, refresher: None }));
        assert_eq!(SessionExpires::parse("0;refresher=uac"), None);
        assert_eq!(SessionExpires::parse("soon"), None);
        assert_eq!(SessionExpires::parse("90;refresher=uac").unwrap().header_value(), "90;refresher=uac");
    }

    #[test]
    fn no_session_expires_no_timer() {
        assert!(SessionTimer::from_answer(None, Instant::now()).is_none());
        assert!(SessionTimer::from_answer(Some("garbage"), Instant::now()).is_none());
    }

    #[test]
    fn herald_refreshes_at_half_the_interval_when_it_is_the_uac_refresher() {
        let start = Instant::now();
        let mut timer = SessionTimer::from_answer(Some("90;refresher=uac"), start).unwrap();
        assert_eq!(timer.next(), (start + 45 * SECOND, TimerAction::Refresh));
        // While the refresh is out, only the expiry remains: 90 - 30 s.
        timer.refresh_sent();
        assert_eq!(timer.next(), (start + 60 * SECOND, TimerAction::Expire));
        // Answered at 46 s with a shorter interval: the next refresh is 46 + 60/2.
        timer.refresh_answered(Some("60;refresher=uac"), start + 46 * SECOND);
        assert_eq!(timer.next(), (start + 76 * SECOND, TimerAction::Refresh));
    }

    #[test]
    fn a_failed_refresh_is_retried_before_the_bye() {
        let start = Instant::now();
        let mut timer = SessionTimer::from_answer(Some("90;refresher=uac"), start).unwrap();
        timer.refresh_sent();
        timer.refresh_failed(start + 46 * SECOND);
        // BYE would be due at 60 s: retry at 53 s.
        assert_eq!(timer.next(), (start + 53 * SECOND, TimerAction::Refresh));
        timer.refresh_sent();
        assert_eq!(timer.next(), (start + 60 * SECOND, TimerAction::Expire));
    }

    #[test]
    fn the_carrier_refreshes_and_herald_hangs_up_when_it_stops() {
        let start = Instant::now();
        let timer = SessionTimer::from_answer(Some("1800;refresher=uas"), start).unwrap();
        assert!(!timer.herald_refreshes());
        // RFC 4028 §10: BYE 32 s (less than a third of 1800 s) before expiry.
        assert_eq!(timer.next(), (start + 1768 * SECOND, TimerAction::Expire));
        // A short interval: a third of it.
        let short = SessionTimer::from_answer(Some("6;refresher=uas"), start).unwrap();
        assert_eq!(short.next(), (start + 4 * SECOND, TimerAction::Expire));
    }

    #[test]
    fn a_carrier_refresh_restarts_the_interval_and_names_the_refresher() {
        let start = Instant::now();
        let mut timer = SessionTimer::from_answer(Some("90;refresher=uas"), start);
        let later = start + 40 * SECOND;
        let (expires, require_timer) = SessionTimer::refreshed_by_carrier(&mut timer, Some("120"), true, later)
            .expect("a Session-Expires to answer");
        assert_eq!(expires.header_value(), "120;refresher=uac", "the carrier, which supports timers, refreshes");
        assert!(require_timer, "§9: refresher=uac in a 2xx needs Require: timer");
        // The carrier refreshes: BYE 32 s before the new expiry.
        assert_eq!(timer.as_ref().unwrap().next(), (later + 88 * SECOND, TimerAction::Expire));

        // The carrier hands the refreshes to Herald.
        let (expires, require_timer) =
            SessionTimer::refreshed_by_carrier(&mut timer, Some("60;refresher=uas"), true, later).unwrap();
        assert_eq!(expires.header_value(), "60;refresher=uas");
        assert!(!require_timer);
        assert_eq!(timer.as_ref().unwrap().next(), (later + 30 * SECOND, TimerAction::Refresh));
    }

    #[test]
    fn a_carrier_without_timer_support_cannot_be_the_refresher() {
        let start = Instant::now();
        let mut timer = None;
        let (expires, require_timer) =
            SessionTimer::refreshed_by_carrier(&mut timer, Some("120"), false, start).unwrap();
        assert_eq!(expires.header_value(), "120;refresher=uas");
        assert!(!require_timer);
        assert!(timer.unwrap().herald_refreshes());
    }

    #[test]
    fn a_request_without_session_expires_keeps_a_running_timer_on() {
        let start = Instant::now();
        let later = start + 40 * SECOND;
        // The carrier refreshes, and keeps doing so.
        let mut running = SessionTimer::from_answer(Some("90;refresher=uas"), start);
        let (expires, require_timer) = SessionTimer::refreshed_by_carrier(&mut running, None, true, later).unwrap();
        assert_eq!(expires.header_value(), "90;refresher=uac");
        assert!(require_timer);
        assert_eq!(running.as_ref().unwrap().expires_at(), later + 90 * SECOND);
        // Without Supported: timer the carrier cannot stay the refresher.
        let (expires, _) = SessionTimer::refreshed_by_carrier(&mut running, None, false, later).unwrap();
        assert_eq!(expires.header_value(), "90;refresher=uas");
        assert!(running.unwrap().herald_refreshes());
        // No timer, none asked for: nothing to say.
        let mut none = None;
        assert!(SessionTimer::refreshed_by_carrier(&mut none, None, true, later).is_none());
        assert!(none.is_none());
    }
}
