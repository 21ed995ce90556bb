//! Short messages for the agent (saved, failed...). A notice belongs to the sender shown when
//! it was said: shown while that sender is, hidden when the agent moves on.

use leptos::prelude::*;
use pane_wire::bridge::Handle;

/// The notice; `Copy`, provided by [`provide_notices`].
#[derive(Debug, Clone, Copy)]
pub struct Notices {
    /// The latest notice and the sender shown when it was said.
    said: RwSignal<Option<(Option<Handle>, String)>>,
    /// The sender shown now.
    shown: Signal<Option<Handle>>,
}

impl Notices {
    /// Says something to the agent, about the sender shown now.
    pub fn say(&self, text: impl Into<String>) {
        let about = self.shown.get_untracked();
        self.said.set(Some((about, text.into())));
    }

    /// The notice to show: the latest one, while the sender it was said about is shown.
    pub fn current(&self) -> Option<String> {
        let shown = self.shown.get();
        self.said.with(|said| match said {
            Some((about, text)) if *about == shown => Some(text.clone()),
            _ => None,
        })
    }

    /// The agent dismissed the notice.
    pub fn dismiss(&self) {
        self.said.set(None);
    }
}

/// Creates the notices, each belonging to the sender `shown` when it was said, and provides
/// them to the components below.
pub fn provide_notices(shown: Signal<Option<Handle>>) -> Notices {
    let notices = Notices {
        said: RwSignal::new(None),
        shown,
    };
    provide_context(notices);
    notices
}

/// The notices provided above.
pub fn use_notices() -> Notices {
    expect_context::<Notices>()
}
