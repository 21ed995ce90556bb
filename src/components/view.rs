//! Which view the panel shows, as a typed context.

use leptos::prelude::*;
use pane_wire::api::RecordView;
use pane_wire::bridge::Handle;

/// A record being created, and what it links to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Creating {
    /// `Contact`, `Lead`, `Account`, `Opportunity`, `Case`, `Task`, or `Call` / `EmailLog`
    /// (a completed Task logging a call or an email).
    pub object: String,
    /// The sender it is for (prefills a Contact or Lead).
    pub handle: Option<Handle>,
    /// The sender's Account.
    pub account_id: Option<String>,
    /// The sender's Contact or Lead: `(object, id)`.
    pub who_id: Option<(String, String)>,
    /// What those linked records are called, `(id, name)`: a prefilled lookup shows the name.
    pub names: Vec<(String, String)>,
}

/// The panel's views.
#[derive(Debug, Clone, PartialEq)]
pub enum View {
    /// The open conversation's records.
    Records,
    /// Search Salesforce, with the text typed so far.
    Search(String),
    /// The field chooser (the cog).
    Fields,
    /// Settings: the agent's link; for admins, the org's settings.
    Settings,
    /// A create form.
    Create(Creating),
    /// Converting a Lead.
    Convert(RecordView),
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
