//! The panel's hooks, one a file, in leptos-use's style.

mod use_async;
mod use_debounce;
mod use_panel_active;
mod use_refresh;

pub use use_async::*;
pub use use_debounce::*;
pub use use_panel_active::*;
pub use use_refresh::*;
