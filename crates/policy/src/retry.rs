use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use herald_types::Outcome;
use serde::{Deserialize, Serialize};

/// How a campaign retries each kind of outcome. Stored as the campaign's
/// `retry_rules` JSON: `{"busy": {"delay_secs": 300}, "no_answer": null}`;
/// an outcome missing from the map takes the default rule.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RetryRules {
    pub by_outcome: BTreeMap<String, Option<RetryRule>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetryRule {
    /// Wait this long before the next attempt.
    pub delay_secs: u64,
}

impl RetryRules {
    /// The rule for an outcome: the campaign's own, else the default
    /// (busy after 5 min, no answer after 15 min, failure after 2 min;
    /// answered, rejected and machine are final).
    pub fn rule_for(&self, outcome: Outcome) -> Option<RetryRule> {
        if let Some(rule) = self.by_outcome.get(outcome.as_str()) {
            return *rule;
        }
        let delay_secs = match outcome {
            Outcome::Busy => 300,
            Outcome::NoAnswer => 900,
            Outcome::Failed => 120,
            // Its INVITE may have gone out and been answered: wait as after
            // a call nobody answered (see `lost_attempt_wait`).
            Outcome::LostWithNode => return Some(RetryRule { delay_secs: self.lost_attempt_wait() }),
            Outcome::Answered | Outcome::Rejected | Outcome::Machine => return None,
        };
        Some(RetryRule { delay_secs })
    }
}

/// The least a contact waits after an attempt whose outcome was lost, unless
/// its campaign says otherwise: time for the node that placed it to replay
/// its record from its journal.
pub const MIN_LOST_ATTEMPT_WAIT_SECS: u64 = 60;

impl RetryRules {
    /// How long a contact waits after an attempt whose outcome was lost
    /// (its Talker died, or lost Postgres past its lease). Its INVITE may
    /// have gone out and the person may have answered, so it is never
    /// re-dialed at once: the campaign's own rule for `lost_with_node` when
    /// it sets one (a delay; `null` waits 15 min), else its no-answer delay
    /// (15 min by default) but never less than [`MIN_LOST_ATTEMPT_WAIT_SECS`].
    pub fn lost_attempt_wait(&self) -> u64 {
        match self.by_outcome.get(Outcome::LostWithNode.as_str()) {
            // The campaign's own choice.
            Some(Some(rule)) => rule.delay_secs,
            _ => self.rule_for(Outcome::NoAnswer).map_or(900, |rule| rule.delay_secs).max(MIN_LOST_ATTEMPT_WAIT_SECS),
        }
    }
}

/// What happens to a contact after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NextStep {
    /// The contact is finished.
    Done,
    /// Call again, no earlier than this.
    RetryAt(DateTime<Utc>),
}

/// Decides a contact's next step after an attempt ended with `outcome`.
/// `attempts_made` counts this attempt.
pub fn after_attempt(
    rules: &RetryRules,
    max_attempts: u32,
    outcome: Outcome,
    attempts_made: u32,
    now: DateTime<Utc>,
) -> NextStep {
    let Some(rule) = rules.rule_for(outcome) else {
        return NextStep::Done;
    };
    if attempts_made >= max_attempts {
        return NextStep::Done;
    }
    NextStep::RetryAt(now + Duration::seconds(rule.delay_secs.min(i64::MAX as u64) as i64))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        "2026-03-29T00:30:00Z".parse().unwrap()
    }

    #[test]
    fn answered_is_final_and_busy_retries_until_the_cap() {
        let rules = RetryRules::default();
        assert_eq!(after_attempt(&rules, 3, Outcome::Answered, 1, now()), NextStep::Done);
        assert_eq!(after_attempt(&rules, 3, Outcome::Busy, 1, now()), NextStep::RetryAt(now() + Duration::minutes(5)));
        assert_eq!(after_attempt(&rules, 3, Outcome::Busy, 3, now()), NextStep::Done);
        assert_eq!(after_attempt(&rules, 1, Outcome::NoAnswer, 1, now()), NextStep::Done);
    }

    #[test]
    fn campaign_rules_override_defaults() {
        let rules: RetryRules = serde_json::from_str(r#"{"busy": {"delay_secs": 60}, "failed": null}"#).unwrap();
        assert_eq!(after_attempt(&rules, 5, Outcome::Busy, 1, now()), NextStep::RetryAt(now() + Duration::minutes(1)));
        assert_eq!(after_attempt(&rules, 5, Outcome::Failed, 1, now()), NextStep::Done);
        assert_eq!(
            after_attempt(&rules, 5, Outcome::NoAnswer, 1, now()),
            NextStep::RetryAt(now() + Duration::minutes(15))
        );
    }
}
