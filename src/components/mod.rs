//! The panel's components, one file each.

pub mod admin;
pub mod app;
pub mod chooser;
pub mod conversation_bar;
pub mod convert;
pub mod describes;
pub mod field;
pub mod form;
pub mod header;
pub mod link;
pub mod log_conversation;
pub mod lookup;
pub mod lookup_input;
pub mod notes;
pub mod notices;
pub mod on_demand;
pub mod records;
pub mod records_kept;
pub mod records_read;
pub mod rule_intake;
pub mod search;
pub mod skeleton;
pub mod split_views;
pub mod state;
pub mod status_bar;
pub mod view;
