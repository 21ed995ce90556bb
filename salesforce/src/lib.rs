//! The proxy's Salesforce client: REST and SOAP `convertLead` over reqwest.
//!
//! - [`error`]: every error answer mapped in one place into [`Error`].
//! - [`retry`]: whether to try again, a pure function of the error and the attempt.
//! - [`token`]: access tokens, refreshed once, single-flight, when a session expires.
//! - [`usage`]: `Sforce-Limit-Info` read on every answer.
//! - [`client`]: the calls, query paging included; [`soap`]: `convertLead`.

pub mod client;
pub mod error;
pub mod escape;
pub mod retry;
pub mod soap;
pub mod token;
pub mod usage;

pub use client::{Client, QueryPage};
pub use error::Error;
pub use token::{Credentials, Token, Tokens};
