//! The panel's components, one a file.

pub mod app;
pub mod coming_soon;
pub mod header;
pub mod lookup;
pub mod status_bar;
pub mod view;
