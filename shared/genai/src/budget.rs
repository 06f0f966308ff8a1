//! A job's budget: how many HTTP calls and tokens it may spend. Calls reserve their worst
//! case up front (the prompt estimate plus the `max_tokens` they ask for) and settle to the
//! tokens the server reports, so batches running at once can never overshoot together.

use std::sync::Mutex;

use crate::client::Exhausted;

/// The smallest completion worth asking for; below it the token budget counts as spent.
pub(crate) const MIN_OUTPUT_TOKENS: u32 = 256;

pub(crate) struct Budget {
    max_requests: u32,
    max_tokens: u64,
    spent: Mutex<Spent>,
}

#[derive(Default)]
struct Spent {
    requests: u32,
    /// Settled tokens plus the reservations of calls in flight.
    tokens: u64,
}

/// A reservation, settled by [`Budget::settle`] or given back by [`Budget::refund`].
pub(crate) struct Ticket {
    tokens: u64,
}

impl Budget {
    pub(crate) fn new(max_requests: u32, max_tokens: u64) -> Budget {
        Budget {
            max_requests,
            max_tokens,
            spent: Mutex::new(Spent::default()),
        }
    }

    /// Reserves one call of about `prompt_tokens` input; returns the ticket and the
    /// completion tokens the call may ask for (at most `max_output`).
    pub(crate) fn reserve(
        &self,
        prompt_tokens: u64,
        max_output: u32,
    ) -> Result<(Ticket, u32), Exhausted> {
        let mut spent = self.lock();
        if spent.requests >= self.max_requests {
            return Err(Exhausted::Requests(self.max_requests));
        }
        let left = self
            .max_tokens
            .saturating_sub(spent.tokens)
            .saturating_sub(prompt_tokens);
        if left < u64::from(MIN_OUTPUT_TOKENS) {
            return Err(Exhausted::Tokens(self.max_tokens));
        }
        let output = u32::try_from(left).unwrap_or(u32::MAX).min(max_output);
        let tokens = prompt_tokens + u64::from(output);
        spent.requests += 1;
        spent.tokens += tokens;
        Ok((Ticket { tokens }, output))
    }

    /// Replaces a reservation by the tokens the call really cost.
    pub(crate) fn settle(&self, ticket: Ticket, tokens: u64) {
        let mut spent = self.lock();
        spent.tokens = spent.tokens.saturating_sub(ticket.tokens) + tokens;
    }

    /// Gives back a reservation whose call was never made.
    pub(crate) fn refund(&self, ticket: Ticket) {
        let mut spent = self.lock();
        spent.tokens = spent.tokens.saturating_sub(ticket.tokens);
        spent.requests = spent.requests.saturating_sub(1);
    }

    /// Calls made and tokens spent so far.
    pub(crate) fn spent(&self) -> (u32, u64) {
        let spent = self.lock();
        (spent.requests, spent.tokens)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Spent> {
        // The counters stay consistent even if a holder panicked; keep counting.
        self.spent.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_run_out() {
        let b = Budget::new(2, 1_000_000);
        let (t1, _) = b.reserve(10, 4096).unwrap();
        let (t2, _) = b.reserve(10, 4096).unwrap();
        assert_eq!(b.reserve(10, 4096).err(), Some(Exhausted::Requests(2)));
        b.settle(t1, 100);
        b.refund(t2);
        assert_eq!(b.spent(), (1, 100));
        assert!(b.reserve(10, 4096).is_ok());
    }

    #[test]
    fn tokens_are_reserved_then_settled() {
        let b = Budget::new(100, 5_000);
        let (t, out) = b.reserve(1_000, 4096).unwrap();
        assert_eq!(out, 4000, "capped by what is left");
        assert_eq!(
            b.reserve(1_000, 4096).err(),
            Some(Exhausted::Tokens(5_000)),
            "the first call's reservation counts while it is in flight"
        );
        b.settle(t, 1_500);
        let (_, out) = b.reserve(1_000, 4096).unwrap();
        assert_eq!(out, 2_500);
    }
}
