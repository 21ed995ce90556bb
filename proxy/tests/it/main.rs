//! The proxy's integration tests: one binary, in-process through `app()` with `oneshot`, plus
//! the real server on a socket.

#![allow(
    clippy::unwrap_used,
    reason = "integration tests: a failed unwrap is a failed test"
)]

mod api;
mod classic_notes;
mod conversation;
mod costs;
#[path = "../support/database.rs"]
mod database;
mod faults;
mod helpers;
mod holes;
mod http;
#[path = "../support/login.rs"]
mod login;
mod lookup;
mod lost;
mod notes;
mod oauth;
mod operability;
mod panel;
mod public;
mod replicas;
mod rules;
mod running;
mod socket;
mod tenancy;
mod tls;
