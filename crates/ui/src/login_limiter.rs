//! Sign-in rate limiting: a sliding window of failed attempts per email
//! address and per client address, in this process's memory.
//!
//! An attempt is counted when it begins and forgotten if it succeeds, so
//! that concurrent guesses cannot slip past the limit while their passwords
//! are being checked. Memory is bounded: a key holds at most its limit of
//! instants, and at most `max_tracked` keys are kept (stale ones go first,
//! then the longest idle). Time is an input: callers pass `now`.
//!
//! Each UI node limits on its own; behind N nodes a client gets up to N
//! times the limit.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
pub struct LoginLimits {
    /// Failed sign-ins allowed per email address within `window`.
    pub per_email: usize,
    /// Failed sign-ins allowed per client address within `window` (higher:
    /// many people may share one address behind NAT).
    pub per_address: usize,
    pub window: Duration,
    /// How many emails and addresses are remembered at most.
    pub max_tracked: usize,
}

impl Default for LoginLimits {
    fn default() -> Self {
        LoginLimits { per_email: 5, per_address: 20, window: Duration::from_secs(300), max_tracked: 10_000 }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum LimitKey {
    Email(String),
    Address(IpAddr),
}

#[derive(Debug)]
pub(crate) struct LoginLimiter {
    limits: LoginLimits,
    /// Instants of attempts within the window (oldest first), per key.
    attempts: Mutex<HashMap<LimitKey, VecDeque<Instant>>>,
}

impl LoginLimiter {
    pub(crate) fn new(limits: LoginLimits) -> LoginLimiter {
        LoginLimiter { limits, attempts: Mutex::new(HashMap::new()) }
    }

    /// Counts an attempt for `email` from `address` at `now`, or refuses it
    /// with how long to wait until one would be allowed.
    pub(crate) fn begin(&self, email: &str, address: Option<IpAddr>, now: Instant) -> Result<(), Duration> {
        let keys = self.keys(email, address);
        let mut attempts = self.attempts.lock().unwrap_or_else(PoisonError::into_inner);
        let mut wait = Duration::ZERO;
        for (key, limit) in &keys {
            if let Some(instants) = attempts.get_mut(key) {
                prune(instants, now, self.limits.window);
                if instants.len() >= *limit
                    && let Some(oldest) = instants.front()
                {
                    wait = wait.max((*oldest + self.limits.window).saturating_duration_since(now));
                }
            }
        }
        if !wait.is_zero() {
            return Err(wait);
        }
        for (key, _) in keys {
            if !attempts.contains_key(&key) {
                self.make_room(&mut attempts, now);
            }
            attempts.entry(key).or_default().push_back(now);
        }
        Ok(())
    }

    /// The attempt begun at `began` succeeded: it does not count, and the
    /// email's earlier failures are forgiven.
    pub(crate) fn succeeded(&self, email: &str, address: Option<IpAddr>, began: Instant) {
        let mut attempts = self.attempts.lock().unwrap_or_else(PoisonError::into_inner);
        attempts.remove(&LimitKey::Email(email.to_owned()));
        if let Some(address) = address
            && let Some(instants) = attempts.get_mut(&LimitKey::Address(address))
            && let Some(position) = instants.iter().position(|instant| *instant == began)
        {
            instants.remove(position);
        }
    }

    /// How many keys are remembered.
    #[cfg(test)]
    fn tracked(&self) -> usize {
        self.attempts.lock().unwrap_or_else(PoisonError::into_inner).len()
    }

    fn keys(&self, email: &str, address: Option<IpAddr>) -> Vec<(LimitKey, usize)> {
        let mut keys = vec![(LimitKey::Email(email.to_owned()), self.limits.per_email)];
        if let Some(address) = address {
            keys.push((LimitKey::Address(address), self.limits.per_address));
        }
        keys
    }

    /// Keeps the map under `max_tracked` before a key is added: drops keys
    /// with nothing left in the window, then the longest idle one.
    fn make_room(&self, attempts: &mut HashMap<LimitKey, VecDeque<Instant>>, now: Instant) {
        if attempts.len() < self.limits.max_tracked {
            return;
        }
        attempts.retain(|_, instants| {
            prune(instants, now, self.limits.window);
            !instants.is_empty()
        });
        while attempts.len() >= self.limits.max_tracked.max(1) {
            let idlest =
                attempts.iter().min_by_key(|(_, instants)| instants.back().copied()).map(|(key, _)| key.clone());
            match idlest {
                Some(key) => attempts.remove(&key),
                None => break,
            };
        }
    }
}

fn prune(instants: &mut VecDeque<Instant>, now: Instant, window: Duration) {
    while let Some(oldest) = instants.front() {
        if now.saturating_duration_since(*oldest) < window {
            break;
        }
        instants.pop_front();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limiter(per_email: usize, per_address: usize, max_tracked: usize) -> LoginLimiter {
        LoginLimiter::new(LoginLimits { per_email, per_address, window: Duration::from_secs(300), max_tracked })
    }

    const HOME: Option<IpAddr> = Some(IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 1)));

    #[test]
    fn the_window_slides() {
        let limiter = limiter(3, 100, 100);
        let start = Instant::now();
        for second in 0..3 {
            limiter.begin("ada@example.org", HOME, start + Duration::from_secs(second)).unwrap();
        }
        let wait = limiter.begin("ada@example.org", HOME, start + Duration::from_secs(10)).unwrap_err();
        assert_eq!(wait, Duration::from_secs(290));
        // Another address does not help: the email is limited.
        assert!(limiter.begin("ada@example.org", None, start + Duration::from_secs(10)).is_err());
        // Another email is not affected.
        limiter.begin("bob@example.org", HOME, start + Duration::from_secs(10)).unwrap();
        // The first attempt leaves the window at 300 s.
        limiter.begin("ada@example.org", HOME, start + Duration::from_secs(300)).unwrap();
        assert!(limiter.begin("ada@example.org", HOME, start + Duration::from_secs(300)).is_err());
    }

    #[test]
    fn an_address_is_limited_across_emails() {
        let limiter = limiter(100, 4, 100);
        let now = Instant::now();
        for index in 0..4 {
            limiter.begin(&format!("user{index}@example.org"), HOME, now).unwrap();
        }
        assert_eq!(limiter.begin("other@example.org", HOME, now).unwrap_err(), Duration::from_secs(300));
        limiter.begin("other@example.org", None, now).unwrap();
    }

    #[test]
    fn success_forgives_the_email_and_does_not_count() {
        let limiter = limiter(2, 2, 100);
        let now = Instant::now();
        limiter.begin("ada@example.org", HOME, now).unwrap();
        let later = now + Duration::from_secs(1);
        limiter.begin("ada@example.org", HOME, later).unwrap();
        limiter.succeeded("ada@example.org", HOME, later);
        // The email starts over; the address still has one failure counted.
        limiter.begin("ada@example.org", HOME, later).unwrap();
        assert!(limiter.begin("ada@example.org", HOME, later).is_err());
    }

    #[test]
    fn memory_is_bounded() {
        let limiter = limiter(5, 5, 50);
        let now = Instant::now();
        for index in 0..10_000u32 {
            let address = IpAddr::V4(std::net::Ipv4Addr::from(index));
            let _ = limiter.begin(&format!("user{index}@example.org"), Some(address), now);
        }
        assert!(limiter.tracked() <= 50, "{} keys", limiter.tracked());
    }
}
