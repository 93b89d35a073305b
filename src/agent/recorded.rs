//! What an item handed to the output is recorded as: from how its hold ended, what the
//! output said when it stopped, and when its first sample was really heard. Pure, so
//! each rule is tested without a sound card; the player applies it.

use super::output::Stopped;
use crate::domain::{Outcome, Reason};

/// How late a first sample may be heard, as the card placed it, and still count as on
/// time, ms: the agent keeps every onset within ±20 ms of its plan.
pub(super) const HEARD_LATE_MS: i64 = 20;

/// An item's record once it stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Recorded {
    /// Its outcome.
    pub outcome: Outcome,
    /// Why, if anything is to be said.
    pub reason: Option<Reason>,
    /// When it was really heard from, if later than the start recorded when it was
    /// handed over (the card placed it late: it was being reopened).
    pub heard_start: Option<i64>,
}

/// The record of an item planned at `planned` and handed to be heard from `start`
/// (both ms), whose hold ended `held`, that the output answered `stopped` for;
/// `fallback` for an item of the station's fallback rotation.
pub(super) fn recorded(
    planned: i64,
    start: i64,
    held: (Outcome, Option<Reason>),
    stopped: Stopped,
    fallback: bool,
) -> Recorded {
    let late = i64::try_from(stopped.late.as_millis()).unwrap_or(i64::MAX);
    let heard_start = (late > HEARD_LATE_MS).then(|| start.saturating_add(late));
    let began = heard_start.unwrap_or(start);
    let full = held.0 == Outcome::Aired && stopped.fault.is_none();
    let (outcome, reason) = match stopped.fault {
        Some(fault) => (Outcome::Failed, Some(fault)),
        // No start moves because this one was late: it was cut where the next began.
        None if full && began > planned => (Outcome::Partial, Some(Reason::LateStart)),
        None if full && fallback => (held.0, Some(Reason::FallbackRotation)),
        None => held,
    };
    Recorded {
        outcome,
        reason,
        heard_start,
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    const AIRED: (Outcome, Option<Reason>) = (Outcome::Aired, None);

    fn stopped(fault: Option<Reason>, late_ms: u64) -> Stopped {
        Stopped {
            fault,
            late: Duration::from_millis(late_ms),
        }
    }

    #[test]
    fn an_item_heard_on_its_instant_is_aired() {
        let r = recorded(1_000, 1_000, AIRED, stopped(None, 0), false);
        assert_eq!(
            (r.outcome, r.reason, r.heard_start),
            (Outcome::Aired, None, None)
        );
        // Within the promise: still on time.
        let r = recorded(1_000, 1_000, AIRED, stopped(None, 20), false);
        assert_eq!((r.outcome, r.heard_start), (Outcome::Aired, None));
    }

    #[test]
    fn an_item_the_card_placed_late_is_a_late_start_from_when_it_was_heard() {
        // The card was reopened after a stall: the start reached it 1.06 s late.
        let r = recorded(1_000, 1_000, AIRED, stopped(None, 1_063), false);
        assert_eq!(r.outcome, Outcome::Partial);
        assert_eq!(r.reason, Some(Reason::LateStart));
        assert_eq!(r.heard_start, Some(2_063));
    }

    #[test]
    fn a_start_the_player_made_late_stays_a_late_start() {
        let r = recorded(1_000, 1_500, AIRED, stopped(None, 0), true);
        assert_eq!(
            (r.outcome, r.reason, r.heard_start),
            (Outcome::Partial, Some(Reason::LateStart), None)
        );
    }

    #[test]
    fn a_card_fault_fails_the_item_whatever_else() {
        let r = recorded(
            1_000,
            1_000,
            AIRED,
            stopped(Some(Reason::OutputStalled), 900),
            false,
        );
        assert_eq!(
            (r.outcome, r.reason),
            (Outcome::Failed, Some(Reason::OutputStalled))
        );
    }

    #[test]
    fn a_fallback_item_on_time_says_so_and_a_preempted_one_keeps_its_hold() {
        let r = recorded(1_000, 1_000, AIRED, stopped(None, 0), true);
        assert_eq!(
            (r.outcome, r.reason),
            (Outcome::Aired, Some(Reason::FallbackRotation))
        );
        let held = (Outcome::Preempted, Some(Reason::Emergency));
        let r = recorded(1_000, 1_000, held, stopped(None, 500), false);
        assert_eq!((r.outcome, r.reason), held);
        assert_eq!(
            r.heard_start,
            Some(1_500),
            "its real start is still recorded"
        );
    }
}
