//! Wire types shared by the panel (wasm32) and the proxy (native).
//!
//! - [`bridge`]: the host bridge (Front's plugin protocol) as the host sends it, and the pure
//!   decisions the panel takes from a context: which handle to look up, who else takes part.
//! - [`api`]: the proxy's JSON API as the panel reads it.
//! - [`objects`]: the Salesforce objects both work with, and their fields.
//! - [`text`]: text as both sides compare it (lower case without a case table in the wasm).
//!
//! Field names are the wire's own (explicit serde renames); unknown fields are ignored so a
//! newer host or proxy never breaks an older panel.

pub mod api;
pub mod bridge;
pub mod objects;
pub mod text;
