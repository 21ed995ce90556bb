//! Debouncing what the agent types: each new input makes the waits before it stale, and a
//! wait goes on only once typing has paused for [`DEBOUNCE_MS`] and nothing newer came.

use leptos::prelude::*;

/// How long typing must pause before a search is sent, in ms.
pub const DEBOUNCE_MS: u32 = 300;

/// The debouncer [`use_debounce`] returns; `Copy`.
#[derive(Debug, Clone, Copy)]
pub struct UseDebounceReturn {
    generation: StoredValue<u32>,
}

/// A debouncer owned by the calling component.
pub fn use_debounce() -> UseDebounceReturn {
    UseDebounceReturn {
        generation: StoredValue::new(0),
    }
}

impl UseDebounceReturn {
    /// Starts a new wait, making every earlier one stale; its ticket, `None` once the owner is
    /// gone.
    pub fn restart(&self) -> Option<u32> {
        self.generation.try_update_value(|g| {
            *g += 1;
            *g
        })
    }

    /// Whether the wait `ticket` is still the newest.
    pub fn is_current(&self, ticket: u32) -> bool {
        self.generation.try_get_value() == Some(ticket)
    }

    /// Waits for typing to pause: whether `ticket` is still the newest then.
    pub async fn settled(&self, ticket: u32) -> bool {
        gloo_timers::future::TimeoutFuture::new(DEBOUNCE_MS).await;
        self.is_current(ticket)
    }
}
