//! The senders' panels read most recently, at most a fixed number: revisiting one shows it at
//! once, and a panel open all day holds no more than that.

use std::collections::{HashMap, VecDeque};

/// How many senders' panels the panel keeps.
pub const RECENT_SENDERS: usize = 100;

/// How many conversations' participants, and counts of messages logged, the panel keeps.
pub const RECENT_CONVERSATIONS: usize = 100;

/// Values by key, the least recently stored dropped first once `cap` are held.
#[derive(Debug, Clone)]
pub struct Recent<V> {
    cap: usize,
    order: VecDeque<String>,
    values: HashMap<String, V>,
}

impl<V> Recent<V> {
    /// Empty, keeping at most `cap`.
    pub fn new(cap: usize) -> Recent<V> {
        Recent {
            cap,
            order: VecDeque::new(),
            values: HashMap::new(),
        }
    }

    /// The value stored for `key`.
    pub fn get(&self, key: &str) -> Option<&V> {
        self.values.get(key)
    }

    /// Stores `value` as the most recent; drops the least recent beyond the cap.
    pub fn insert(&mut self, key: String, value: V) {
        if self.values.insert(key.clone(), value).is_some() {
            self.order.retain(|k| *k != key);
        }
        self.order.push_back(key);
        while self.order.len() > self.cap {
            if let Some(old) = self.order.pop_front() {
                self.values.remove(&old);
            }
        }
    }

    /// How many are held.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether none is held.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_most_recent() {
        // (inserts in order, cap, keys expected held)
        let cases: &[(&[&str], usize, &[&str])] = &[
            (&[], 2, &[]),
            (&["a", "b"], 2, &["a", "b"]),
            (&["a", "b", "c"], 2, &["b", "c"]),
            // Storing "a" again makes it the most recent: "b" goes first.
            (&["a", "b", "a", "c"], 2, &["a", "c"]),
            (&["a", "a", "a"], 1, &["a"]),
        ];
        for (inserts, cap, held) in cases {
            let mut recent = Recent::new(*cap);
            for (i, k) in inserts.iter().enumerate() {
                recent.insert((*k).to_owned(), i);
            }
            let mut keys: Vec<&str> = ["a", "b", "c"]
                .into_iter()
                .filter(|k| recent.get(k).is_some())
                .collect();
            keys.sort_unstable();
            assert_eq!(keys, *held, "{inserts:?} cap {cap}");
            assert_eq!(recent.len(), held.len());
            assert_eq!(recent.order.len(), held.len());
        }
    }

    #[test]
    fn a_thousand_senders_hold_only_the_cap() {
        let mut recent = Recent::new(RECENT_SENDERS);
        for i in 0..1_000 {
            recent.insert(format!("s{i}"), i);
        }
        assert_eq!(recent.len(), RECENT_SENDERS);
        assert_eq!(recent.get("s999"), Some(&999));
        assert_eq!(recent.get("s0"), None);
    }
}
