//! Running SOQL and SOSL over the org's records.

mod access;
mod aggregate;
mod dates;
mod eval;
mod notes;
mod query;
mod search;
mod semijoin;

pub use query::QueryOutput;
pub use search::search_records;
