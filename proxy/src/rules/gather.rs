//! When an org's gatherer takes its batch, decided without I/O: while webhooks keep arriving
//! it waits for more, so a burst is written in a few large batches instead of many small ones,
//! and a message alone is taken after a short quiet gap.

/// Nothing arrived for this long (ms): the burst is over, the batch is taken.
pub const QUIET_MS: u64 = 25;

/// What the gatherer does now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gather {
    /// Take the ready jobs now.
    Take,
    /// Look again at this time (ms since the epoch).
    WaitUntil(i64),
}

/// How long a gatherer may wait: `window_ms` since the oldest ready job (0: never waits), and
/// `quiet_ms` since the newest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// The window, in ms.
    pub window_ms: i64,
    /// The quiet gap, in ms.
    pub quiet_ms: i64,
}

impl Window {
    /// The window of `--rule-gather-ms`, with the quiet gap of `--rule-gather-quiet-ms`.
    pub fn from_ms(window_ms: u64, quiet_ms: u64) -> Window {
        let ms = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
        Window {
            window_ms: ms(window_ms),
            quiet_ms: ms(quiet_ms),
        }
    }

    /// Whether the gatherer takes its batch at `now`, the oldest ready job ready since
    /// `first_ready_at`, the newest since `last_arrival_at`, `ready_count` ready in all, a batch
    /// holding `max_batch`: at once when the batch is full, when nothing arrived for
    /// the quiet gap, or when the window has passed since the oldest; else it looks again when
    /// the first of the last two comes.
    pub fn decide(
        self,
        now: i64,
        first_ready_at: i64,
        last_arrival_at: i64,
        ready_count: usize,
        max_batch: usize,
    ) -> Gather {
        if self.window_ms <= 0 || ready_count >= max_batch {
            return Gather::Take;
        }
        let closes = first_ready_at.saturating_add(self.window_ms);
        let quiet = last_arrival_at
            .max(first_ready_at)
            .saturating_add(self.quiet_ms);
        if now >= closes || now >= quiet {
            Gather::Take
        } else {
            Gather::WaitUntil(closes.min(quiet))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_is_taken_when_full_quiet_or_the_window_has_passed() {
        let w = Window::from_ms(100, QUIET_MS);
        let off = Window::from_ms(0, QUIET_MS);
        // (window, now, first ready, last arrival, ready, max, decision, why)
        let table = [
            (
                w,
                1_000,
                1_000,
                1_000,
                1,
                200,
                Gather::WaitUntil(1_025),
                "alone, just arrived: a quiet gap",
            ),
            (
                w,
                1_025,
                1_000,
                1_000,
                1,
                200,
                Gather::Take,
                "alone after the quiet gap: taken",
            ),
            (
                w,
                1_030,
                1_000,
                1_020,
                40,
                200,
                Gather::WaitUntil(1_045),
                "still arriving: wait for quiet",
            ),
            (
                w,
                1_090,
                1_000,
                1_085,
                150,
                200,
                Gather::WaitUntil(1_100),
                "arriving until the window closes",
            ),
            (
                w,
                1_100,
                1_000,
                1_099,
                150,
                200,
                Gather::Take,
                "the window has passed",
            ),
            (
                w,
                1_001,
                1_000,
                1_001,
                200,
                200,
                Gather::Take,
                "full: at once",
            ),
            (
                w,
                1_001,
                1_000,
                1_001,
                250,
                200,
                Gather::Take,
                "more than full: at once",
            ),
            (
                w,
                5_000,
                1_000,
                900,
                1,
                200,
                Gather::Take,
                "a retry ready long ago",
            ),
            (
                off,
                1_000,
                1_000,
                1_000,
                1,
                200,
                Gather::Take,
                "window 0: never waits",
            ),
            (
                Window::from_ms(10, QUIET_MS),
                1_000,
                1_000,
                1_000,
                1,
                200,
                Gather::WaitUntil(1_010),
                "a window shorter than the gap",
            ),
        ];
        for (window, now, first, last, ready, max, want, why) in table {
            assert_eq!(window.decide(now, first, last, ready, max), want, "{why}");
        }
    }
}
