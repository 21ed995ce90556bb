//! What the records' read does when the sender shown, the reload count, the panel's visibility
//! or the session changes: keep the read it has, serve the sender from the panel's memory, read
//! from the proxy, or wait until the panel is seen.

/// How long a sender's records read by the panel are shown again without asking the proxy, in
/// ms: switching back and forth between conversations costs no request; older ones are shown
/// at once and read again.
pub const FRESH_MS: f64 = 10_000.0;

/// What the panel remembers of a sender's records: when they were read, and at which reload
/// count (a write since then makes them stale, whoever it was for).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Remembered {
    /// When they were read (ms since the epoch).
    pub at_ms: f64,
    /// The reload count they were read at.
    pub reload: u32,
}

/// Whether `remembered` records can be shown without a request, `now_ms` at reload count
/// `reload`.
pub fn fresh(remembered: Remembered, now_ms: f64, reload: u32) -> bool {
    remembered.reload == reload && (0.0..FRESH_MS).contains(&(now_ms - remembered.at_ms))
}

/// What the read does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadPlan {
    /// The read wanted is done or in flight: nothing more.
    Keep,
    /// The sender is shown from the panel's memory; no request.
    FromMemory,
    /// A read from the proxy, the one in flight (if any) aborted.
    Read,
    /// Nothing is read while the panel is hidden; the read in flight, if any, is aborted, and
    /// the read starts once the panel is seen.
    Wait,
}

/// What to do for the read wanted now: `started` whether the last read started was for the
/// same sender and reload count, `paused` whether that read was cut short by the panel's
/// hiding, `memory_fresh` whether the sender's remembered records are [`fresh`], `can_read`
/// whether the panel is seen.
pub fn plan(started: bool, paused: bool, memory_fresh: bool, can_read: bool) -> ReadPlan {
    match (started && !paused, memory_fresh, can_read) {
        (true, ..) => ReadPlan::Keep,
        (false, true, _) => ReadPlan::FromMemory,
        (false, false, true) => ReadPlan::Read,
        (false, false, false) => ReadPlan::Wait,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_are_fresh_for_a_while_and_until_a_write() {
        let read = Remembered {
            at_ms: 1_000.0,
            reload: 3,
        };
        // (now, reload count, fresh)
        let cases = [
            (1_000.0, 3, true),
            (1_000.0 + FRESH_MS - 1.0, 3, true),
            (1_000.0 + FRESH_MS, 3, false),
            // A write since: stale at once.
            (1_001.0, 4, false),
            // A clock gone backwards proves nothing.
            (999.0, 3, false),
        ];
        for (now, reload, want) in cases {
            assert_eq!(fresh(read, now, reload), want, "now {now}, reload {reload}");
        }
    }

    #[test]
    fn the_plan_for_each_state() {
        use ReadPlan::*;
        // (started, paused, memory fresh, can read, plan)
        let cases = [
            (true, false, false, true, Keep),
            (true, false, true, false, Keep),
            // Cut short by hiding: read again once seen, or from memory meanwhile.
            (true, true, false, true, Read),
            (true, true, false, false, Wait),
            (true, true, true, false, FromMemory),
            // A new sender or a reload.
            (false, false, true, true, FromMemory),
            (false, false, true, false, FromMemory),
            (false, false, false, true, Read),
            (false, false, false, false, Wait),
        ];
        for (started, paused, fresh, can_read, want) in cases {
            assert_eq!(
                plan(started, paused, fresh, can_read),
                want,
                "started {started}, paused {paused}, fresh {fresh}, can read {can_read}"
            );
        }
    }
}
