//! SOQL, the subset the product and common clients use: a tokenizer with positions, an AST
//! that prints back to SOQL, and a parser whose errors name the line and column.

mod ast;
mod lexer;
mod parser;

pub use ast::*;
pub use lexer::{Token, TokenKind, Tokenizer};
pub use parser::{ParseError, parse};
