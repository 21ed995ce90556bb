//! Which view the panel shows, as a typed context.

use leptos::prelude::*;

/// The panel's views.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum View {
    /// The open conversation's records.
    Records,
    /// Search Salesforce, with the text typed so far.
    Search(String),
    /// The field chooser (the cog).
    Fields,
}

/// The current view, readable and settable by any component.
#[derive(Debug, Clone, Copy)]
pub struct ViewContext(pub RwSignal<View>);

/// Provides the view state, starting on [`View::Records`].
pub fn provide_view_context() -> ViewContext {
    let ctx = ViewContext(RwSignal::new(View::Records));
    provide_context(ctx);
    ctx
}

/// The view state provided above.
pub fn use_view_context() -> ViewContext {
    expect_context::<ViewContext>()
}
