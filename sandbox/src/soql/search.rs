//! SOSL, the subset the product uses: `FIND {term} [IN ALL|NAME|EMAIL|PHONE FIELDS]
//! [RETURNING Obj[(fields [WHERE ...] [ORDER BY ...] [LIMIT n])], ...] [LIMIT n]`.

use std::fmt;

use super::ast::{Expr, FieldPath, OrderBy, write_list, write_some};
use super::keyword::Keyword;
use super::lexer::TokenKind;
use super::parser::{ParseError, Parser};

/// The characters SOSL reserves in a search term; a backslash makes them literal.
pub const RESERVED_CHARS: &str = "?&|!{}[]()^~*:\\\"'+-";

/// Escapes user text for a SOSL term: every reserved character gets a backslash.
pub fn escape_term(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if RESERVED_CHARS.contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Which fields a search looks in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// `IN ALL FIELDS` (the default).
    All,
    /// `IN NAME FIELDS`
    Name,
    /// `IN EMAIL FIELDS`
    Email,
    /// `IN PHONE FIELDS`
    Phone,
}

/// One `RETURNING` object.
#[derive(Debug, Clone, PartialEq)]
pub struct Returning {
    /// The object.
    pub object: String,
    /// Its fields (none: `Id` only).
    pub fields: Vec<FieldPath>,
    /// WHERE.
    pub filter: Option<Expr>,
    /// ORDER BY.
    pub order_by: Vec<OrderBy>,
    /// LIMIT.
    pub limit: Option<u64>,
}

/// A SOSL search.
#[derive(Debug, Clone, PartialEq)]
pub struct Search {
    /// The term as written between the braces.
    pub term: String,
    /// Where to look.
    pub scope: Scope,
    /// The objects returned (none: every searchable one).
    pub returning: Vec<Returning>,
    /// The overall LIMIT.
    pub limit: Option<u64>,
}

impl Search {
    /// The term's words, escapes resolved. `*` and `?` are wildcards; escaped (`\*`, `\?`)
    /// they are the characters themselves, so they keep their backslash here for the matcher
    /// to read as literal ("Wildcards", FIND clause, SOQL and SOSL Reference:
    /// https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_sosl_find.htm:
    /// reserved characters, `?` and `*` among them, are escaped with a backslash to be
    /// searched as themselves).
    pub fn words(&self) -> Vec<String> {
        let mut words = Vec::new();
        let mut word = String::new();
        let mut chars = self.term.chars();
        let mut quoted = false;
        while let Some(c) = chars.next() {
            match c {
                '\\' => {
                    if let Some(next) = chars.next() {
                        if matches!(next, '*' | '?') {
                            word.push('\\');
                        }
                        word.push(next);
                    }
                }
                '"' => quoted = !quoted,
                c if c.is_whitespace() && !quoted => {
                    if !word.is_empty() {
                        words.push(std::mem::take(&mut word));
                    }
                }
                c => word.push(c),
            }
        }
        if !word.is_empty() {
            words.push(word);
        }
        words.retain(|w| !matches!(w.to_ascii_uppercase().as_str(), "AND" | "OR" | "AND NOT"));
        words
    }
}

/// A SOSL error: Salesforce's `MALFORMED_SEARCH` message, or a syntax error after the term.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SearchError {
    /// No `{term}` after FIND.
    NoTerm,
    /// The term is shorter than two characters.
    TermTooShort,
    /// A syntax error after the term.
    Syntax(ParseError),
}

impl fmt::Display for SearchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SearchError::NoTerm => {
                f.write_str("No search term found. The search term must be enclosed in braces.")
            }
            SearchError::TermTooShort => {
                f.write_str("search term must be longer than one character")
            }
            SearchError::Syntax(e) => write!(f, "{e}"),
        }
    }
}

/// Parses one SOSL search.
pub fn parse_search(src: &str) -> Result<Search, SearchError> {
    let trimmed = src.trim_start();
    let lead = src.len() - trimmed.len();
    let Some(after_find) = trimmed
        .get(..4)
        .filter(|w| w.eq_ignore_ascii_case("FIND"))
        .map(|_| &trimmed[4..])
    else {
        return Err(SearchError::NoTerm);
    };
    let after_space = after_find.trim_start();
    if !after_space.starts_with('{') {
        return Err(SearchError::NoTerm);
    }
    let open = lead + 4 + (after_find.len() - after_space.len());
    let bytes = src.as_bytes();
    let mut i = open + 1;
    let close = loop {
        match bytes.get(i) {
            None => return Err(SearchError::NoTerm),
            Some(b'\\') => i += 2,
            Some(b'}') => break i,
            Some(_) => i += 1,
        }
    };
    let term = src[open + 1..close].to_owned();
    if term
        .trim()
        .chars()
        .filter(|c| *c != '*' && *c != '?')
        .count()
        < 2
    {
        return Err(SearchError::TermTooShort);
    }
    // The rest is tokenized in place, so errors keep the query's own lines and columns.
    let masked: String = src[..=close]
        .chars()
        .map(|c| if c == '\n' { '\n' } else { ' ' })
        .chain(src[close + 1..].chars())
        .collect();
    let mut p = Parser::new(&masked).map_err(SearchError::Syntax)?;
    let search = clauses(&mut p, term).map_err(SearchError::Syntax)?;
    Ok(search)
}

fn clauses(p: &mut Parser<'_>, term: String) -> Result<Search, ParseError> {
    let mut scope = Scope::All;
    if p.eat_kw(Keyword::In) {
        scope = if p.eat_kw(Keyword::All) {
            Scope::All
        } else if p.eat_kw(Keyword::Name) {
            Scope::Name
        } else if p.eat_kw(Keyword::Email) {
            Scope::Email
        } else if p.eat_kw(Keyword::Phone) {
            Scope::Phone
        } else {
            return Err(p.error("ALL, NAME, EMAIL or PHONE"));
        };
        p.expect_kw(Keyword::Fields)?;
    }
    let returning = if p.eat_kw(Keyword::Returning) {
        p.list(returning_item)?
    } else {
        Vec::new()
    };
    let limit = if p.eat_kw(Keyword::Limit) {
        Some(p.count("a number")?)
    } else {
        None
    };
    p.expect(TokenKind::Eof, "end of search")?;
    Ok(Search {
        term,
        scope,
        returning,
        limit,
    })
}

fn returning_item(p: &mut Parser<'_>) -> Result<Returning, ParseError> {
    let object = p.name("an object name")?;
    let mut item = Returning {
        object,
        fields: Vec::new(),
        filter: None,
        order_by: Vec::new(),
        limit: None,
    };
    if !p.eat(TokenKind::LParen) {
        return Ok(item);
    }
    item.fields = p.list(Parser::path)?;
    if p.eat_kw(Keyword::Where) {
        item.filter = Some(p.expr(0)?);
    }
    if p.eat_kw(Keyword::Order) {
        p.expect_kw(Keyword::By)?;
        item.order_by = p.list(Parser::order_item)?;
    }
    if p.eat_kw(Keyword::Limit) {
        item.limit = Some(p.count("a number")?);
    }
    p.expect(TokenKind::RParen, ")")?;
    Ok(item)
}

impl fmt::Display for Search {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FIND {{{}}}", self.term)?;
        match self.scope {
            Scope::All => {}
            Scope::Name => f.write_str(" IN NAME FIELDS")?,
            Scope::Email => f.write_str(" IN EMAIL FIELDS")?,
            Scope::Phone => f.write_str(" IN PHONE FIELDS")?,
        }
        write_list(f, " RETURNING ", &self.returning)?;
        write_some(f, " LIMIT ", self.limit.as_ref())
    }
}

impl fmt::Display for Returning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.object)?;
        if self.fields.is_empty() {
            return Ok(());
        }
        write_list(f, "(", &self.fields)?;
        write_some(f, " WHERE ", self.filter.as_ref())?;
        write_list(f, " ORDER BY ", &self.order_by)?;
        write_some(f, " LIMIT ", self.limit.as_ref())?;
        f.write_str(")")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &[(&str, &str)] = &[
        ("FIND {rose}", "FIND {rose}"),
        (
            "find {rose@edge.com} in email fields",
            "FIND {rose@edge.com} IN EMAIL FIELDS",
        ),
        (
            "FIND {\\+1 \\(512\\) 757\\-9340} IN PHONE FIELDS RETURNING Contact(Id, Name), Lead(Id, Name WHERE IsConverted = false ORDER BY Name LIMIT 5) LIMIT 20",
            "FIND {\\+1 \\(512\\) 757\\-9340} IN PHONE FIELDS RETURNING Contact(Id, Name), Lead(Id, Name WHERE IsConverted = false ORDER BY Name LIMIT 5) LIMIT 20",
        ),
        (
            "FIND {Edge*} IN NAME FIELDS RETURNING Account",
            "FIND {Edge*} IN NAME FIELDS RETURNING Account",
        ),
        (
            "FIND {a\\}b} RETURNING Account(Name)",
            "FIND {a\\}b} RETURNING Account(Name)",
        ),
        ("  FIND  {ab}  IN ALL FIELDS", "FIND {ab}"),
    ];

    #[test]
    fn good_searches_parse_print_and_round_trip() {
        for (src, printed) in GOOD {
            let search = parse_search(src).unwrap_or_else(|e| panic!("{src}: {e}"));
            assert_eq!(search.to_string(), *printed, "{src}");
            assert_eq!(parse_search(&search.to_string()).unwrap(), search, "{src}");
        }
    }

    #[test]
    fn words_resolve_escapes_and_phrases() {
        let s = parse_search("FIND {\\+1 \\(512\\) 757\\-9340}").unwrap();
        assert_eq!(s.words(), ["+1", "(512)", "757-9340"]);
        let s = parse_search("FIND {\"Edge Communications\" AND Austin}").unwrap();
        assert_eq!(s.words(), ["Edge Communications", "Austin"]);
        // Escaped wildcards stay escaped for the matcher: they are literal characters.
        let s = parse_search("FIND {Why\\? 5\\*}").unwrap();
        assert_eq!(s.words(), ["Why\\?", "5\\*"]);
    }

    #[test]
    fn escaping_user_text_makes_it_literal() {
        let nasty = "x} RETURNING User(Id) {";
        let src = format!("FIND {{{}}} RETURNING Contact(Id)", escape_term(nasty));
        let search = parse_search(&src).unwrap();
        assert_eq!(search.returning.len(), 1);
        assert_eq!(search.returning[0].object, "Contact");
        assert_eq!(search.words().join(" "), nasty);
        assert_eq!(escape_term("+1 (512)"), "\\+1 \\(512\\)");
    }

    #[test]
    fn bad_searches() {
        let no_term = "No search term found. The search term must be enclosed in braces.";
        for src in ["", "FIND rose", "SELECT Id FROM Lead", "FIND {rose", "FIND"] {
            assert_eq!(
                parse_search(src).unwrap_err().to_string(),
                no_term,
                "{src:?}"
            );
        }
        assert_eq!(
            parse_search("FIND {a}").unwrap_err(),
            SearchError::TermTooShort
        );
        let err = parse_search("FIND {rose} IN BODY FIELDS").unwrap_err();
        assert_eq!(
            err.to_string(),
            "line 1, column 16: Expected: ALL, NAME, EMAIL or PHONE, found: 'BODY'"
        );
        let err = parse_search("FIND {rose}\nRETURNING Contact(Id WHERE)").unwrap_err();
        assert_eq!(
            err.to_string(),
            "line 2, column 27: Expected: a field name, found: ')'"
        );
        let err = parse_search("FIND {rose} RETURNING Contact(Id").unwrap_err();
        assert_eq!(
            err.to_string(),
            "line 1, column 33: Expected: ), found: '<EOF>'"
        );
    }
}
