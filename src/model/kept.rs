//! Which built records' view a sender is shown with: the view kept for that sender when it was
//! built from the same answer; else a new one, which takes the place of the sender's view built
//! from another answer, or of the view shown least recently once [`KEPT_VIEWS`] are kept.

/// How many senders' records' views the panel keeps built.
pub const KEPT_VIEWS: usize = 6;

/// What showing a sender does with the views kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeepPlan {
    /// The view at this index is shown as it is.
    Reuse(usize),
    /// The sender's view at this index was built from another answer: a new one replaces it.
    Rebuild(usize),
    /// A new view is built; the one at `evict`, if any, is dropped to make room.
    Build {
        /// The view dropped: the one shown least recently, once `limit` are kept.
        evict: Option<usize>,
    },
}

/// The plan for showing `sender` built from `built_from`, `kept` listing each view's sender and
/// what it was built from, the one shown least recently first, `limit` views at most.
pub fn keep_plan<'a, S, C>(
    kept: impl IntoIterator<Item = (&'a S, &'a C)>,
    sender: &S,
    built_from: &C,
    limit: usize,
) -> KeepPlan
where
    S: PartialEq + 'a + ?Sized,
    C: PartialEq + 'a + ?Sized,
{
    let mut count = 0;
    for (at, (s, c)) in kept.into_iter().enumerate() {
        count += 1;
        if s == sender {
            return if c == built_from {
                KeepPlan::Reuse(at)
            } else {
                KeepPlan::Rebuild(at)
            };
        }
    }
    KeepPlan::Build {
        evict: (count >= limit.max(1)).then_some(0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_plan_for_each_sender_and_answer() {
        use KeepPlan::*;
        let kept = [("ann", 1), ("bob", 1), ("cy", 2)];
        // (views kept, sender, answer, limit, plan)
        type Case<'a> = (&'a [(&'a str, i32)], &'a str, i32, usize, KeepPlan);
        let cases: [Case<'_>; 7] = [
            (&[], "ann", 1, 3, Build { evict: None }),
            (&kept, "bob", 1, 3, Reuse(1)),
            (&kept, "cy", 2, 3, Reuse(2)),
            // The sender's answer changed: its view only is built again.
            (&kept, "ann", 2, 3, Rebuild(0)),
            // A new sender while there is room.
            (&kept, "dee", 1, 4, Build { evict: None }),
            // A new sender at the limit: the view shown least recently goes.
            (&kept, "dee", 1, 3, Build { evict: Some(0) }),
            // A limit of none keeps one all the same (the view shown).
            (&kept[..1], "dee", 1, 0, Build { evict: Some(0) }),
        ];
        for (views, sender, answer, limit, want) in cases {
            let got = keep_plan(views.iter().map(|(s, c)| (*s, c)), sender, &answer, limit);
            assert_eq!(
                got, want,
                "{sender} {answer} among {views:?}, limit {limit}"
            );
        }
    }
}
