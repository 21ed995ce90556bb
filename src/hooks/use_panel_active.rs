//! `use_panel_active`: true only while the panel can actually be seen.
//!
//! Front tells a plugin nothing about being shown or hidden, so the panel notices by itself.
//! It is active when all three hold:
//! - the browser tab is visible (Page Visibility);
//! - its root element intersects the viewport (IntersectionObserver: the host moved the
//!   iframe off-screen, or scrolled it away);
//! - the root element and the window have a non-zero size (ResizeObserver and `resize`: the
//!   host set the iframe to `display: none` or collapsed its pane to zero width).

use leptos::ev;
use leptos::prelude::*;
use leptos::reactive::wrappers::read::Signal;
use leptos_use_document_visibility::use_document_visibility;
use leptos_use_intersection_observer::use_intersection_observer;
use leptos_use_resize_observer::use_resize_observer;
use web_sys::VisibilityState;

/// The causes, each a signal, and their conjunction.
#[derive(Debug, Clone, Copy)]
pub struct UsePanelActiveReturn {
    /// The panel can be seen: all of the below.
    pub active: Signal<bool>,
    /// The browser tab is visible.
    pub document_visible: Signal<bool>,
    /// The root element intersects the viewport.
    pub in_view: Signal<bool>,
    /// The root element and the window have a non-zero size.
    pub has_size: Signal<bool>,
}

fn window_has_size() -> bool {
    let Some(window) = web_sys::window() else {
        return false;
    };
    let dimension =
        |v: Result<wasm_bindgen::JsValue, _>| v.ok().and_then(|v| v.as_f64()).unwrap_or(0.0);
    dimension(window.inner_width()) > 0.0 && dimension(window.inner_height()) > 0.0
}

fn element_has_size(el: &web_sys::Element) -> bool {
    let rect = el.get_bounding_client_rect();
    rect.width() > 0.0 && rect.height() > 0.0
}

/// Watches `target` (the panel's root element) and the page; see the module doc.
pub fn use_panel_active(target: NodeRef<leptos::html::Div>) -> UsePanelActiveReturn {
    let visibility = use_document_visibility();
    let document_visible = Signal::derive(move || visibility.get() == VisibilityState::Visible);

    let (element_sized, set_element_sized) = signal(true);

    // Unknown until the observer first reports (it does within a frame of observing): no
    // request goes out before the panel is known to be seen.
    let (in_view, set_in_view) = signal(None::<bool>);
    use_intersection_observer(target, move |entries, _| {
        let Some(entry) = entries.last() else { return };
        let rect = entry.bounding_client_rect();
        if rect.width() > 0.0 && rect.height() > 0.0 {
            set_in_view.set(Some(entry.is_intersecting()));
            set_element_sized.set(true);
        } else if !element_has_size(&entry.target()) {
            // The iframe was set to `display: none`: the only observer Chrome still runs in
            // it is this one (no resize, no ResizeObserver), with an empty rect.
            set_in_view.set(Some(false));
            set_element_sized.set(false);
        }
        // Otherwise an empty rect on a sized element: Chrome reports those while laying
        // out, as not intersecting; the next entry tells.
    });

    use_resize_observer(target, move |entries, _| {
        if let Some(entry) = entries.last() {
            let rect = entry.content_rect();
            set_element_sized.set(rect.width() > 0.0 && rect.height() > 0.0);
        }
    });
    Effect::new(move |_| {
        if let Some(el) = target.get() {
            set_element_sized.set(element_has_size(&el));
        }
    });

    let (window_sized, set_window_sized) = signal(window_has_size());
    let resize = window_event_listener(ev::resize, move |_| {
        set_window_sized.set(window_has_size());
    });
    on_cleanup(move || resize.remove());

    let has_size = Signal::derive(move || element_sized.get() && window_sized.get());
    let in_view = Signal::derive(move || in_view.get() == Some(true));
    let active = Memo::new(move |_| document_visible.get() && in_view.get() && has_size.get());
    UsePanelActiveReturn {
        active: active.into(),
        document_visible,
        in_view,
        has_size,
    }
}
