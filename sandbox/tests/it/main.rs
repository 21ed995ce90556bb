//! The sandbox org over real HTTP: OAuth, REST, the allowance, injected faults.

#![allow(
    clippy::unwrap_used,
    reason = "integration tests: a failed unwrap is a failed test"
)]

mod classic_notes;
mod composite;
mod fidelity;
mod helpers;
mod limits;
mod login_session;
mod notes;
mod oauth;
mod org_writes;
mod orgs;
mod rest;
mod soap;
mod strict;
mod tls;
