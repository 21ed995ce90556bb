//! The rules every record follows, whoever writes it: each value checked against its field
//! (`validate.rs`) and the values Salesforce fills or derives (`derive.rs`). They need no org;
//! the org's writes (`org/write.rs`) apply them.

mod derive;
mod validate;

pub(crate) use derive::complete;
pub(crate) use validate::{check_value, json_error};
