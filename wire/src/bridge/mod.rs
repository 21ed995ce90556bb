//! Front's plugin protocol (the "host bridge"), as `@frontapp/plugin-sdk` 1.10.0 speaks it.
//!
//! The plugin posts [`HANDSHAKE`] to its parent window with a `MessagePort`; everything after
//! travels over that port: the host pushes [`Context`]s and answers [`PluginMessage::FunctionCall`]s
//! with `function_result` / `function_error` (see [`HostMessageType`]).

mod context;
mod lookup;
mod port;

pub use context::*;
pub use lookup::*;
pub use port::*;
