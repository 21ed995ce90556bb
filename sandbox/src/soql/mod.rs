//! SOQL and SOSL, the subsets the product and common clients use: a tokenizer with positions,
//! syntax trees that print back to the same text, and parsers whose errors name the line and
//! column.

mod ast;
mod keyword;
mod lexer;
mod op;
mod parser;
mod search;

pub use ast::*;
pub use keyword::Keyword;
pub use lexer::{Token, TokenKind, Tokenizer};
pub use parser::{ParseError, parse};
pub use search::{Returning, Scope, Search, SearchError, escape_term, parse_search};
