//! The records' views of the last few senders, kept built ([`crate::model::kept`]): going back
//! to a sender puts the view left there back in the document, one DOM call, instead of building
//! it again. A kept view stays live out of the document, so its effects follow the panel's state
//! (the fields picked, the describes, the conversation) and it is current when shown again; what
//! it would ask the proxy for waits until it is shown ([`use_shown`]). A sender's view is built
//! again when its answer changes; the one shown least recently goes past the limit.

use leptos::prelude::*;
use leptos::tachys::view::any_view::AnyViewState;
use leptos::tachys::view::{Mountable, Render};
use pane_wire::api::PanelData;
use pane_wire::bridge::Handle;

use crate::model::kept::{KEPT_VIEWS, KeepPlan, keep_plan};

/// Whether the kept view a component belongs to is the one in the document.
#[derive(Debug, Clone, Copy)]
struct Shown(Signal<bool>);

/// Whether this component's view is shown (tracked): false while its kept view is out of the
/// document; true outside kept views. Work that asks the proxy waits for it.
pub fn use_shown() -> Signal<bool> {
    use_context::<Shown>().map_or_else(|| Signal::stored(true), |s| s.0)
}

/// One sender's built view.
#[derive(Debug)]
struct Kept {
    sender: Handle,
    answer: PanelData,
    /// Owns the view's signals and effects: cleaned up when the view is dropped.
    owner: Owner,
    /// The owner `owner` is a child of, kept as long as the view ([`KeptViews::hub`]).
    _hub: Owner,
    /// The element the view is mounted in, in the document while shown.
    root: web_sys::Element,
    shown: RwSignal<bool>,
    /// The view's state (its nodes and effects), kept with it.
    _view: AnyViewState,
}

impl Kept {
    fn drop_view(self) {
        self.owner.cleanup();
    }
}

/// How many views are made under one hub before the next hub takes its place.
const VIEWS_PER_HUB: usize = 64;

/// The views kept, the one shown least recently first; made under the component that shows
/// them, whose contexts they see and whose cleanup drops them.
#[derive(Debug)]
pub struct KeptViews {
    parent: Owner,
    /// The owner the next views are made under, a child of `parent`. An owner lists every child
    /// it ever had until it is cleaned up itself (about 100 bytes each, dropped or not), and the
    /// component's owner lives as long as the records are shown: so views are made under a hub,
    /// a new one every [`VIEWS_PER_HUB`] views, and a hub goes with the last view made under it.
    hub: Owner,
    made_in_hub: usize,
    views: Vec<Kept>,
}

impl KeptViews {
    /// None kept yet, under the current owner.
    pub fn new() -> Self {
        let parent = Owner::current().unwrap_or_default();
        Self {
            hub: parent.child(),
            parent,
            made_in_hub: 0,
            views: Vec::new(),
        }
    }

    /// The element holding `sender`'s view of `answer`, kept or made with `build`; from now on
    /// the view shown (the others' [`use_shown`] turn false).
    pub fn show(
        &mut self,
        sender: &Handle,
        answer: &PanelData,
        build: impl FnOnce(Handle, PanelData) -> AnyView,
    ) -> web_sys::Element {
        let kept = self.views.iter().map(|k| (&k.sender, &k.answer));
        let view = match keep_plan(kept, sender, answer, KEPT_VIEWS) {
            KeepPlan::Reuse(at) => self.views.remove(at),
            KeepPlan::Rebuild(at) | KeepPlan::Build { evict: Some(at) } => {
                // Dropped after the frame that paints the new view (one task later, so after
                // the tasks that frame's paint queued, the paint's mark among them): out of
                // the document already, it is not seen, and its teardown is not waited for.
                let gone = self.views.remove(at);
                crate::marks::after_paint(move || {
                    set_timeout(move || gone.drop_view(), std::time::Duration::ZERO);
                });
                self.build(sender, answer, build)
            }
            KeepPlan::Build { evict: None } => self.build(sender, answer, build),
        };
        self.views.push(view);
        let last = self.views.len() - 1;
        self.mark_shown(Some(last));
        self.views[last].root.clone()
    }

    /// None of the views is shown (the slot shows the skeleton or a refusal).
    pub fn hide(&self) {
        self.mark_shown(None);
    }

    /// Tells each view whether it is the one at `shown`.
    fn mark_shown(&self, shown: Option<usize>) {
        for (at, view) in self.views.iter().enumerate() {
            let is_shown = shown == Some(at);
            if view.shown.get_untracked() != is_shown {
                view.shown.set(is_shown);
            }
        }
    }

    /// Drops every view (the session ended).
    pub fn clear(&mut self) {
        for view in self.views.drain(..) {
            view.drop_view();
        }
    }

    fn build(
        &mut self,
        sender: &Handle,
        answer: &PanelData,
        build: impl FnOnce(Handle, PanelData) -> AnyView,
    ) -> Kept {
        if self.made_in_hub == VIEWS_PER_HUB {
            self.hub = self.parent.child();
            self.made_in_hub = 0;
        }
        self.made_in_hub += 1;
        let hub = self.hub.clone();
        let owner = hub.child();
        owner.with(|| {
            untrack(|| {
                let shown = RwSignal::new(true);
                provide_context(Shown(shown.into()));
                // Creating a `div` only fails for an invalid tag name.
                let root = document()
                    .create_element("div")
                    .expect("a div can be created");
                root.set_class_name("records-view");
                let mut view = build(sender.clone(), answer.clone()).build();
                view.mount(&root, None);
                Kept {
                    sender: sender.clone(),
                    answer: answer.clone(),
                    owner: owner.clone(),
                    _hub: hub,
                    root,
                    shown,
                    _view: view,
                }
            })
        })
    }
}

impl Default for KeptViews {
    fn default() -> Self {
        Self::new()
    }
}
