use std::fmt;

/// How one call attempt ended, as a campaign manager reads it.
///
/// The SIP code and Q.850 cause are kept beside it on the attempt; this is
/// the classification that retry rules and reports work with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The callee answered (2xx) and the call ran.
    Answered,
    /// 486 Busy Here / 600 Busy Everywhere.
    Busy,
    /// Rang until the ring timeout, or the carrier said 480/408/487 after ringing.
    NoAnswer,
    /// The callee or carrier refused: 403, 404, 603 and the like.
    Rejected,
    /// Carrier or network failure: 5xx, transport errors, timeouts before ringing.
    Failed,
    /// An answering machine picked up.
    Machine,
    /// The node that held the call died; the attempt's lease expired.
    LostWithNode,
}

impl Outcome {
    pub const ALL: [Outcome; 7] = [
        Outcome::Answered,
        Outcome::Busy,
        Outcome::NoAnswer,
        Outcome::Rejected,
        Outcome::Failed,
        Outcome::Machine,
        Outcome::LostWithNode,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Answered => "answered",
            Outcome::Busy => "busy",
            Outcome::NoAnswer => "no_answer",
            Outcome::Rejected => "rejected",
            Outcome::Failed => "failed",
            Outcome::Machine => "machine",
            Outcome::LostWithNode => "lost_with_node",
        }
    }

    /// Classifies a final SIP response code (RFC 3261 §21) for a call that
    /// was not answered. `rang` says whether a 18x was seen first: a 408 or
    /// 480 after ringing is an unanswered call, before ringing a failure.
    pub fn from_final_sip_code(code: u16, rang: bool) -> Outcome {
        match code {
            200..=299 => Outcome::Answered,
            486 | 600 => Outcome::Busy,
            487 => Outcome::NoAnswer,
            408 | 480 if rang => Outcome::NoAnswer,
            // 401/407 reach here only when authentication failed for good.
            401 | 403 | 404 | 407 | 410 | 484 | 485 | 488 | 603 | 604 | 606 => Outcome::Rejected,
            _ => Outcome::Failed,
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown outcome {0:?}")]
pub struct OutcomeParseError(pub String);

impl std::str::FromStr for Outcome {
    type Err = OutcomeParseError;
    fn from_str(input: &str) -> Result<Self, Self::Err> {
        Outcome::ALL
            .into_iter()
            .find(|outcome| outcome.as_str() == input)
            .ok_or_else(|| OutcomeParseError(input.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn final_codes_map_to_outcomes() {
        assert_eq!(Outcome::from_final_sip_code(200, true), Outcome::Answered);
        assert_eq!(Outcome::from_final_sip_code(486, true), Outcome::Busy);
        assert_eq!(Outcome::from_final_sip_code(487, true), Outcome::NoAnswer);
        assert_eq!(Outcome::from_final_sip_code(480, true), Outcome::NoAnswer);
        assert_eq!(Outcome::from_final_sip_code(480, false), Outcome::Failed);
        assert_eq!(Outcome::from_final_sip_code(503, false), Outcome::Failed);
        assert_eq!(Outcome::from_final_sip_code(603, true), Outcome::Rejected);
    }

    #[test]
    fn names_round_trip() {
        for outcome in Outcome::ALL {
            assert_eq!(outcome.as_str().parse::<Outcome>().unwrap(), outcome);
        }
    }
}
