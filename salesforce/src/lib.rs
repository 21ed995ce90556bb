//! The proxy's Salesforce client: REST and SOAP `convertLead` over reqwest.
//!
//! - [`error`]: every error answer mapped in one place into [`Error`].
//! - [`retry`]: whether to try again, a pure function of the error and the attempt.
//! - [`oauth`]: the connected app's web-server flow (authorize URL, code exchange, identity,
//!   permission check, revocation).
//! - [`token`]: access tokens, refreshed once, single-flight, when a session expires.
//! - [`usage`]: `Sforce-Limit-Info` read on every answer.
//! - [`client`]: the calls, query paging included; [`soap`]: `convertLead`.
//! - [`soql`]: SOQL and SOSL as values, literals escaped; [`composite`]: the Composite
//!   resource as a value, refused when built if Salesforce would refuse it, and its answer.

pub mod client;
pub mod composite;
pub mod error;
pub mod escape;
pub mod oauth;
pub mod retry;
pub mod soap;
pub mod soql;
pub mod token;
pub mod trace;
pub mod usage;

pub use client::{Client, QueryPage};
pub use composite::{
    Composite, CompositeAnswer, CompositeError, RecordId, Ref, Request, inert, reference_value,
};
pub use error::Error;
pub use soql::{Filter, LikeAt, Literal, Order, Scope, Search, Select, percent};
pub use token::{Credentials, Token, Tokens};
