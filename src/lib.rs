//! The Salesforce Pane panel: a Leptos CSR app that runs in an iframe in the host inbox's
//! right pane and speaks Front's plugin protocol.
//!
//! - [`bridge`]: the plugin side of the host bridge (handshake, contexts, function calls).
//! - [`hooks`]: `use_panel_active`, true only while the panel can actually be seen.
//! - [`api`]: the proxy client: counts requests, aborts them all when the panel is hidden;
//!   [`api::endpoints`] has one function per proxy call.
//! - [`session`]: whether the agent is linked; [`link`]: linking (the login popup);
//!   [`identity`]: who is signed in and their settings.
//! - [`marks`]: performance marks the benchmarks read (context in, records painted).
//! - [`components`]: the shell (header, handle view, status bar) and [`App`].

pub mod api;
pub mod bridge;
pub mod components;
pub mod error;
pub mod hooks;
pub mod identity;
pub mod intl;
pub mod link;
pub mod marks;
pub mod model;
pub mod session;
pub mod settings;
pub mod split;

pub use components::app::App;
pub use error::PanelError;
