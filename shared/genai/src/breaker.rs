//! The circuit breaker that stops calls to a dead endpoint: closed until `threshold`
//! consecutive calls fail, then open (every call refused at once) for `cooldown`, then
//! half-open: one probe call goes through, and its outcome closes or reopens the breaker.
//!
//! A small state machine rather than a crate: it is a dozen lines, and taking `now` as an
//! argument lets the tests drive it without a clock. A probe whose caller was cancelled never
//! reports back, so a probe older than `cooldown` counts as lost and another may go.

use std::time::{Duration, Instant};

/// Where the breaker stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Calls go through; this many have failed in a row.
    Closed {
        /// Consecutive failures so far.
        failures: u32,
    },
    /// Calls are refused until `until`.
    Open {
        /// When a probe may go.
        until: Instant,
    },
    /// One probe call is in flight since `since`; others are refused.
    HalfOpen {
        /// When the probe was let through.
        since: Instant,
    },
}

/// A circuit breaker (see the module doc).
#[derive(Debug, Clone)]
pub struct Breaker {
    state: State,
    threshold: u32,
    cooldown: Duration,
}

impl Breaker {
    /// A closed breaker that opens after `threshold` consecutive failures, for `cooldown`.
    pub fn new(threshold: u32, cooldown: Duration) -> Breaker {
        Breaker {
            state: State::Closed { failures: 0 },
            threshold: threshold.max(1),
            cooldown,
        }
    }

    /// The current state.
    pub fn state(&self) -> State {
        self.state
    }

    /// Whether a call may go now; when it lets a probe through, the breaker turns half-open.
    pub fn allow(&mut self, now: Instant) -> bool {
        match self.state {
            State::Closed { .. } => true,
            State::Open { until } if now >= until => {
                self.state = State::HalfOpen { since: now };
                true
            }
            State::Open { .. } => false,
            State::HalfOpen { since } if now.duration_since(since) >= self.cooldown => {
                self.state = State::HalfOpen { since: now };
                true
            }
            State::HalfOpen { .. } => false,
        }
    }

    /// Records a call that got an answer from the endpoint: the breaker closes.
    pub fn success(&mut self) {
        self.state = State::Closed { failures: 0 };
    }

    /// Records a failed call; returns true when this failure opened the breaker.
    pub fn failure(&mut self, now: Instant) -> bool {
        let failures = match self.state {
            State::Closed { failures } => failures + 1,
            // A failed probe reopens at once; so does a failure reported by a call that was
            // let through before the breaker opened.
            State::HalfOpen { .. } | State::Open { .. } => self.threshold,
        };
        if failures >= self.threshold {
            let was_open = matches!(self.state, State::Open { .. });
            self.state = State::Open {
                until: now + self.cooldown,
            };
            !was_open
        } else {
            self.state = State::Closed { failures };
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const COOL: Duration = Duration::from_secs(30);

    #[test]
    fn opens_after_threshold_consecutive_failures() {
        let t0 = Instant::now();
        let mut b = Breaker::new(3, COOL);
        assert!(b.allow(t0));
        assert!(!b.failure(t0));
        assert!(!b.failure(t0));
        b.success();
        assert!(!b.failure(t0));
        assert!(!b.failure(t0));
        assert!(b.allow(t0), "two failures after a success stay closed");
        assert!(b.failure(t0), "the third consecutive failure opens it");
        assert!(!b.allow(t0));
        assert!(!b.allow(t0 + COOL - Duration::from_millis(1)));
    }

    #[test]
    fn half_open_lets_one_probe_through() {
        let t0 = Instant::now();
        let mut b = Breaker::new(1, COOL);
        b.failure(t0);
        let t1 = t0 + COOL;
        assert!(b.allow(t1), "the probe");
        assert!(!b.allow(t1), "a second call while the probe is out");
        b.success();
        assert_eq!(b.state(), State::Closed { failures: 0 });
        assert!(b.allow(t1));
    }

    #[test]
    fn failed_probe_reopens_for_a_full_cooldown() {
        let t0 = Instant::now();
        let mut b = Breaker::new(5, COOL);
        for _ in 0..5 {
            b.failure(t0);
        }
        let t1 = t0 + COOL;
        assert!(b.allow(t1));
        assert!(b.failure(t1));
        assert!(!b.allow(t1 + COOL - Duration::from_millis(1)));
        assert!(b.allow(t1 + COOL));
    }

    #[test]
    fn a_lost_probe_is_replaced_after_a_cooldown() {
        let t0 = Instant::now();
        let mut b = Breaker::new(1, COOL);
        b.failure(t0);
        assert!(b.allow(t0 + COOL));
        assert!(!b.allow(t0 + COOL + Duration::from_secs(1)));
        assert!(b.allow(t0 + COOL * 2), "the first probe never reported");
    }
}
