//! The SOQL parser: recursive descent with `peek`/`eat`/`expect`, a binding-power loop for
//! WHERE, and a depth guard.

use std::fmt;

use super::ast::{
    Aggregate, AggregateFn, CmpOp, DATE_LITERALS, DATE_LITERALS_N, Expr, FieldPath, Having,
    HavingTerm, Nulls, OrderBy, Query, SelectItem, Span, Value,
};
use super::keyword::Keyword;
use super::lexer::{Token, TokenKind, Tokenizer, unquote};

/// How deeply parentheses, NOTs and subqueries may nest.
const MAX_DEPTH: usize = 64;

/// A syntax error, at a line and column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// What was expected.
    pub expected: String,
    /// The token found, as Salesforce quotes it (`'FRM'`, `'<EOF>'`).
    pub found: String,
}

impl ParseError {
    /// Salesforce's `MALFORMED_QUERY` message: the query, a caret under the column, the
    /// position, and `unexpected token: '...'`.
    pub fn salesforce_message(&self, soql: &str) -> String {
        let line = soql.lines().nth(self.line - 1).unwrap_or_default();
        format!(
            "\n{line}\n{caret:>width$}\nERROR at Row:{row}:Column:{col}\nunexpected token: {found}",
            caret = "^",
            width = self.column,
            row = self.line,
            col = self.column,
            found = self.found,
        )
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {}, column {}: Expected: {}, found: {}",
            self.line, self.column, self.expected, self.found
        )
    }
}

impl std::error::Error for ParseError {}

/// Parses one SOQL query.
pub fn parse(src: &str) -> Result<Query, ParseError> {
    let mut parser = Parser::new(src)?;
    let query = parser.query(false)?;
    parser.expect(TokenKind::Eof, "end of query")?;
    Ok(query)
}

pub(super) struct Parser<'a> {
    tokens: Vec<Token<'a>>,
    pos: usize,
    depth: usize,
}

fn found(token: &Token<'_>) -> String {
    if token.kind == TokenKind::Eof {
        "'<EOF>'".into()
    } else {
        format!("'{}'", token.text)
    }
}

impl<'a> Parser<'a> {
    /// A parser over `src`, or the tokenizer's error.
    pub(super) fn new(src: &'a str) -> Result<Parser<'a>, ParseError> {
        let mut tokens = Vec::new();
        for token in Tokenizer::new(src) {
            match token {
                Ok(t) => tokens.push(t),
                Err(e) => {
                    let what = e.message.trim_start_matches("unexpected character: ");
                    return Err(ParseError {
                        line: e.line,
                        column: e.column,
                        expected: "a token".into(),
                        found: format!("'{}'", what.trim_matches('\'')),
                    });
                }
            }
        }
        Ok(Parser {
            tokens,
            pos: 0,
            depth: 0,
        })
    }

    pub(super) fn peek(&self) -> Token<'a> {
        self.peek_at(0)
    }

    fn peek_at(&self, ahead: usize) -> Token<'a> {
        let last = self.tokens.len() - 1;
        self.tokens[(self.pos + ahead).min(last)]
    }

    pub(super) fn bump(&mut self) -> Token<'a> {
        let token = self.peek();
        if token.kind != TokenKind::Eof {
            self.pos += 1;
        }
        token
    }

    pub(super) fn error(&self, expected: impl Into<String>) -> ParseError {
        let token = self.peek();
        ParseError {
            line: token.line,
            column: token.column,
            expected: expected.into(),
            found: found(&token),
        }
    }

    pub(super) fn is_kw(&self, kw: Keyword) -> bool {
        self.peek().keyword == Some(kw)
    }

    pub(super) fn eat_kw(&mut self, kw: Keyword) -> bool {
        let yes = self.is_kw(kw);
        if yes {
            self.bump();
        }
        yes
    }

    pub(super) fn expect_kw(&mut self, kw: Keyword) -> Result<(), ParseError> {
        if self.eat_kw(kw) {
            Ok(())
        } else {
            Err(self.error(kw.as_str()))
        }
    }

    pub(super) fn eat(&mut self, kind: TokenKind) -> bool {
        let yes = self.peek().kind == kind;
        if yes {
            self.bump();
        }
        yes
    }

    pub(super) fn expect(&mut self, kind: TokenKind, what: &str) -> Result<Token<'a>, ParseError> {
        if self.peek().kind == kind {
            Ok(self.bump())
        } else {
            Err(self.error(what))
        }
    }

    fn enter(&mut self) -> Result<(), ParseError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error(format!("at most {MAX_DEPTH} levels of nesting")));
        }
        Ok(())
    }

    pub(super) fn name(&mut self, what: &str) -> Result<String, ParseError> {
        self.spanned_name(what).map(|(name, _)| name)
    }

    /// A name and where it starts.
    pub(super) fn spanned_name(&mut self, what: &str) -> Result<(String, Span), ParseError> {
        let t = self.peek();
        if is_name(&t) {
            self.bump();
            let span = Span {
                line: t.line,
                column: t.column,
            };
            Ok((t.text.to_owned(), span))
        } else {
            Err(self.error(what))
        }
    }

    /// The object after FROM: a name, or `Group` and `Order`, objects whose names are also
    /// keywords (`SELECT Id FROM Group WHERE Type = 'Queue'`).
    fn object_name(&mut self) -> Result<(String, Span), ParseError> {
        let t = self.peek();
        if matches!(t.keyword, Some(Keyword::Group | Keyword::Order)) {
            self.bump();
            let span = Span {
                line: t.line,
                column: t.column,
            };
            return Ok((t.text.to_owned(), span));
        }
        self.spanned_name("an object name")
    }

    pub(super) fn path(&mut self) -> Result<FieldPath, ParseError> {
        let mut path = FieldPath::new(Vec::new());
        loop {
            let (part, span) = self.spanned_name("a field name")?;
            path.parts.push(part);
            path.spans.push(span);
            if !self.eat(TokenKind::Dot) {
                return Ok(path);
            }
        }
    }

    /// One or more items, separated by commas.
    pub(super) fn list<T>(
        &mut self,
        mut item: impl FnMut(&mut Self) -> Result<T, ParseError>,
    ) -> Result<Vec<T>, ParseError> {
        let mut items = vec![item(self)?];
        while self.eat(TokenKind::Comma) {
            items.push(item(self)?);
        }
        Ok(items)
    }

    fn query(&mut self, sub: bool) -> Result<Query, ParseError> {
        self.enter()?;
        self.expect_kw(Keyword::Select)?;
        let select = self.list(|p| p.select_item(sub))?;
        self.expect_kw(Keyword::From)?;
        let (from, from_span) = self.object_name()?;
        let filter = if self.eat_kw(Keyword::Where) {
            Some(self.expr(0)?)
        } else {
            None
        };
        let mut group_by = Vec::new();
        let mut having = None;
        if !sub && self.eat_kw(Keyword::Group) {
            self.expect_kw(Keyword::By)?;
            group_by = self.list(Self::path)?;
            if self.eat_kw(Keyword::Having) {
                having = Some(self.having(0)?);
            }
        }
        let mut order_by = Vec::new();
        if self.eat_kw(Keyword::Order) {
            self.expect_kw(Keyword::By)?;
            order_by = self.list(Self::order_item)?;
        }
        let limit = if self.eat_kw(Keyword::Limit) {
            Some(self.count("a number")?)
        } else {
            None
        };
        let offset = if self.eat_kw(Keyword::Offset) {
            Some(self.count("a number")?)
        } else {
            None
        };
        self.depth -= 1;
        Ok(Query {
            select,
            from,
            from_span,
            filter,
            group_by,
            having,
            order_by,
            limit,
            offset,
        })
    }

    fn select_item(&mut self, sub: bool) -> Result<SelectItem, ParseError> {
        if self.peek().kind == TokenKind::LParen {
            if sub {
                return Err(self.error("a field name (subqueries do not nest)"));
            }
            self.bump();
            let query = self.query(true)?;
            self.expect(TokenKind::RParen, ")")?;
            return Ok(SelectItem::SubQuery(Box::new(query)));
        }
        if self.is_kw(Keyword::Count)
            && self.peek_at(1).kind == TokenKind::LParen
            && self.peek_at(2).kind == TokenKind::RParen
        {
            self.bump();
            self.bump();
            self.bump();
            return Ok(SelectItem::Count);
        }
        if let Some((function, field)) = self.aggregate_call()? {
            // An alias: a name right after the call (`SUM(Amount) total`).
            let t = self.peek();
            let alias = if is_name(&t) {
                Some(self.name("an alias")?)
            } else {
                None
            };
            return Ok(SelectItem::Aggregate(Aggregate {
                function,
                field,
                alias,
            }));
        }
        Ok(SelectItem::Field(self.path()?))
    }

    /// `FN(field)` when the next tokens are an aggregate function's call.
    fn aggregate_call(&mut self) -> Result<Option<(AggregateFn, FieldPath)>, ParseError> {
        let t = self.peek();
        let Some(function) = AggregateFn::named(t.text)
            .filter(|_| t.kind == TokenKind::Ident && self.peek_at(1).kind == TokenKind::LParen)
        else {
            return Ok(None);
        };
        self.bump();
        self.bump();
        let field = self.path()?;
        self.expect(TokenKind::RParen, ")")?;
        Ok(Some((function, field)))
    }

    /// A WHERE or HAVING expression, by binding power (OR 1, AND 2, NOT 3): `atom`s under
    /// NOT and in parentheses, joined by AND and OR. `this` parses a nested expression at a
    /// binding power (it is the caller); `not`, `and` and `or` build the nodes.
    fn boolean<T>(
        &mut self,
        min_bp: u8,
        this: fn(&mut Self, u8) -> Result<T, ParseError>,
        atom: fn(&mut Self) -> Result<T, ParseError>,
        not: fn(Box<T>) -> T,
        and: fn(Box<T>, Box<T>) -> T,
        or: fn(Box<T>, Box<T>) -> T,
    ) -> Result<T, ParseError> {
        self.enter()?;
        let mut lhs = if self.eat_kw(Keyword::Not) {
            not(Box::new(this(self, 3)?))
        } else if self.eat(TokenKind::LParen) {
            let inner = this(self, 0)?;
            self.expect(TokenKind::RParen, ")")?;
            inner
        } else {
            atom(self)?
        };
        loop {
            let (bp, join) = if self.is_kw(Keyword::And) {
                (2, and)
            } else if self.is_kw(Keyword::Or) {
                (1, or)
            } else {
                break;
            };
            if bp < min_bp {
                break;
            }
            self.bump();
            let rhs = this(self, bp + 1)?;
            lhs = join(Box::new(lhs), Box::new(rhs));
        }
        self.depth -= 1;
        Ok(lhs)
    }

    /// HAVING conditions: like WHERE, over aggregates and grouped fields.
    fn having(&mut self, min_bp: u8) -> Result<Having, ParseError> {
        let (not, and, or) = (Having::Not, Having::And, Having::Or);
        self.boolean(min_bp, Self::having, Self::having_condition, not, and, or)
    }

    /// `term op value`, the term an aggregate call or a grouped field.
    fn having_condition(&mut self) -> Result<Having, ParseError> {
        let term = match self.aggregate_call()? {
            Some((function, field)) => HavingTerm::Aggregate(function, field),
            None => HavingTerm::Field(self.path()?),
        };
        let op = cmp_op(&self.peek()).ok_or_else(|| self.error("an operator"))?;
        self.bump();
        Ok(Having::Cmp {
            term,
            op,
            value: self.value()?,
        })
    }

    pub(super) fn order_item(&mut self) -> Result<OrderBy, ParseError> {
        let (field, aggregate) = match self.aggregate_call()? {
            Some((function, field)) => (field, Some(function)),
            None => (self.path()?, None),
        };
        let descending = if self.eat_kw(Keyword::Desc) {
            true
        } else {
            self.eat_kw(Keyword::Asc);
            false
        };
        let nulls = if self.eat_kw(Keyword::Nulls) {
            if self.eat_kw(Keyword::First) {
                Some(Nulls::First)
            } else if self.eat_kw(Keyword::Last) {
                Some(Nulls::Last)
            } else {
                return Err(self.error("FIRST or LAST"));
            }
        } else {
            None
        };
        Ok(OrderBy {
            field,
            aggregate,
            descending,
            nulls,
        })
    }

    pub(super) fn count(&mut self, what: &str) -> Result<u64, ParseError> {
        let t = self.peek();
        match (t.kind, t.text.parse::<u64>()) {
            (TokenKind::Number, Ok(n)) => {
                self.bump();
                Ok(n)
            }
            _ => Err(self.error(what)),
        }
    }

    /// WHERE expressions: OR binds loosest, then AND, then NOT.
    pub(super) fn expr(&mut self, min_bp: u8) -> Result<Expr, ParseError> {
        let (not, and, or) = (Expr::Not, Expr::And, Expr::Or);
        self.boolean(min_bp, Self::expr, Self::condition, not, and, or)
    }

    fn condition(&mut self) -> Result<Expr, ParseError> {
        let field = self.path()?;
        let t = self.peek();
        let op = match cmp_op(&t) {
            Some(op) => op,
            None if t.keyword == Some(Keyword::In) => {
                self.bump();
                return self.in_list(field, false);
            }
            None if t.keyword == Some(Keyword::Not)
                && self.peek_at(1).keyword == Some(Keyword::In) =>
            {
                self.bump();
                self.bump();
                return self.in_list(field, true);
            }
            None => return Err(self.error("an operator")),
        };
        self.bump();
        let value = self.value()?;
        if op == CmpOp::Like && !matches!(value, Value::String(_)) {
            return Err(ParseError {
                expected: "a string after LIKE".into(),
                ..self.error_before()
            });
        }
        Ok(Expr::Cmp { field, op, value })
    }

    /// An error pointing at the previous token.
    fn error_before(&self) -> ParseError {
        let token = self.tokens[self.pos.saturating_sub(1)];
        ParseError {
            line: token.line,
            column: token.column,
            expected: String::new(),
            found: found(&token),
        }
    }

    /// After `field [NOT] IN`: a list of values, or a semi-join's (anti-join's) subquery.
    fn in_list(&mut self, field: FieldPath, negated: bool) -> Result<Expr, ParseError> {
        self.expect(TokenKind::LParen, "(")?;
        if self.is_kw(Keyword::Select) {
            let query = Box::new(self.query(true)?);
            self.expect(TokenKind::RParen, ")")?;
            return Ok(Expr::SemiJoin {
                field,
                negated,
                query,
            });
        }
        let values = self.list(Self::value)?;
        self.expect(TokenKind::RParen, ")")?;
        Ok(Expr::In {
            field,
            negated,
            values,
        })
    }

    fn value(&mut self) -> Result<Value, ParseError> {
        let t = self.peek();
        let value = match t.kind {
            TokenKind::String => match unquote(t.text) {
                Ok(s) => Value::String(s),
                Err(_) => return Err(self.error("a valid string literal")),
            },
            TokenKind::Number => Value::Number(t.text.to_owned()),
            TokenKind::Minus if self.peek_at(1).kind == TokenKind::Number => {
                self.bump();
                Value::Number(format!("-{}", self.peek().text))
            }
            TokenKind::Date => Value::Date(t.text.to_owned()),
            TokenKind::DateTime => Value::DateTime(t.text.to_owned()),
            TokenKind::Ident => {
                let upper = t.text.to_ascii_uppercase();
                match (t.keyword, upper.as_str()) {
                    (Some(Keyword::Null), _) => Value::Null,
                    (Some(Keyword::True), _) => Value::Bool(true),
                    (Some(Keyword::False), _) => Value::Bool(false),
                    (_, name) if DATE_LITERALS.contains(&name) => Value::DateLiteral {
                        name: upper.clone(),
                        n: None,
                    },
                    (_, name) if DATE_LITERALS_N.contains(&name) => {
                        self.bump();
                        self.expect(TokenKind::Colon, ":")?;
                        let n = self.count("a number")?;
                        let n = u32::try_from(n).map_err(|_| self.error_before())?;
                        return Ok(Value::DateLiteral {
                            name: upper,
                            n: Some(n),
                        });
                    }
                    _ => return Err(self.error("a value")),
                }
            }
            _ => return Err(self.error("a value")),
        };
        self.bump();
        Ok(value)
    }
}

/// Whether `t` can be a field, object or alias name: a word, not a reserved keyword.
fn is_name(t: &Token<'_>) -> bool {
    t.kind == TokenKind::Ident && !t.keyword.is_some_and(Keyword::reserved)
}

/// The comparison operator a token spells (`=`, `!=`, `<`, `<=`, `>`, `>=`, `LIKE`), shared
/// by WHERE and HAVING.
fn cmp_op(t: &Token<'_>) -> Option<CmpOp> {
    Some(match t.kind {
        TokenKind::Op(op) => op,
        TokenKind::Ident if t.keyword == Some(Keyword::Like) => CmpOp::Like,
        _ => return None,
    })
}
#[cfg(test)]
mod tests {
    use super::*;

    /// Good inputs and their canonical print.
    const GOOD: &[(&str, &str)] = &[
        ("SELECT Id FROM Contact", "SELECT Id FROM Contact"),
        (
            "select id, name from account",
            "SELECT id, name FROM account",
        ),
        ("SELECT COUNT() FROM Lead", "SELECT COUNT() FROM Lead"),
        (
            "SELECT Id, Account.Name, Owner.Email, Who.Name FROM Task",
            "SELECT Id, Account.Name, Owner.Email, Who.Name FROM Task",
        ),
        (
            "SELECT Id, (SELECT Id, Name FROM Contacts ORDER BY Name LIMIT 5), (SELECT Id FROM Opportunities) FROM Account",
            "SELECT Id, (SELECT Id, Name FROM Contacts ORDER BY Name LIMIT 5), (SELECT Id FROM Opportunities) FROM Account",
        ),
        (
            "SELECT Id FROM Contact WHERE Email = 'rose@edge.com'",
            "SELECT Id FROM Contact WHERE Email = 'rose@edge.com'",
        ),
        (
            "SELECT Id FROM Contact WHERE Name = 'O\\'Brien' AND Phone != null",
            "SELECT Id FROM Contact WHERE Name = 'O\\'Brien' AND Phone != null",
        ),
        (
            "SELECT Id FROM Lead WHERE Name <> 'x'",
            "SELECT Id FROM Lead WHERE Name != 'x'",
        ),
        (
            "SELECT Id FROM Lead WHERE a = 1 OR b = 2 AND c = 3",
            "SELECT Id FROM Lead WHERE a = 1 OR b = 2 AND c = 3",
        ),
        (
            "SELECT Id FROM Lead WHERE (a = 1 OR b = 2) AND c = 3",
            "SELECT Id FROM Lead WHERE (a = 1 OR b = 2) AND c = 3",
        ),
        (
            "SELECT Id FROM Lead WHERE a = 1 AND (b = 2 AND c = 3)",
            "SELECT Id FROM Lead WHERE a = 1 AND (b = 2 AND c = 3)",
        ),
        (
            "SELECT Id FROM Lead WHERE NOT (IsConverted = true OR Email LIKE '%@gmail.com')",
            "SELECT Id FROM Lead WHERE NOT (IsConverted = true OR Email LIKE '%@gmail.com')",
        ),
        (
            "SELECT Id FROM Lead WHERE NOT IsConverted = TRUE",
            "SELECT Id FROM Lead WHERE NOT IsConverted = true",
        ),
        (
            "SELECT Id FROM Case WHERE Status IN ('New', 'Working') AND Priority NOT IN ('Low')",
            "SELECT Id FROM Case WHERE Status IN ('New', 'Working') AND Priority NOT IN ('Low')",
        ),
        (
            "SELECT Id FROM Opportunity WHERE Amount >= 1000.50 AND Amount < -3 AND Probability <= 90 AND Probability > 0",
            "SELECT Id FROM Opportunity WHERE Amount >= 1000.50 AND Amount < -3 AND Probability <= 90 AND Probability > 0",
        ),
        (
            "SELECT Id FROM Task WHERE ActivityDate = TODAY OR ActivityDate > last_n_days:30 OR CreatedDate < 2024-01-02T03:04:05Z OR ActivityDate = 2024-01-02",
            "SELECT Id FROM Task WHERE ActivityDate = TODAY OR ActivityDate > LAST_N_DAYS:30 OR CreatedDate < 2024-01-02T03:04:05Z OR ActivityDate = 2024-01-02",
        ),
        (
            "SELECT Id FROM Contact ORDER BY LastName DESC NULLS LAST, FirstName ASC NULLS FIRST, CreatedDate LIMIT 10 OFFSET 20",
            "SELECT Id FROM Contact ORDER BY LastName DESC NULLS LAST, FirstName NULLS FIRST, CreatedDate LIMIT 10 OFFSET 20",
        ),
        (
            "SELECT Id, Custom_Field__c, Parent__r.Name FROM Account",
            "SELECT Id, Custom_Field__c, Parent__r.Name FROM Account",
        ),
        ("SELECT\n  Id\nFROM\n  Lead\n", "SELECT Id FROM Lead"),
        (
            "select StageName, count(Id), sum(Amount) total, AVG(Amount), min(CloseDate) first, MAX(Account.Name), count_distinct(AccountId) from Opportunity where IsClosed = false group by StageName having count(Id) > 1 and (sum(Amount) >= 10 or StageName like 'P%') order by count(Id) desc, StageName limit 5",
            "SELECT StageName, COUNT(Id), SUM(Amount) total, AVG(Amount), MIN(CloseDate) first, MAX(Account.Name), COUNT_DISTINCT(AccountId) FROM Opportunity WHERE IsClosed = false GROUP BY StageName HAVING (COUNT(Id) > 1) AND ((SUM(Amount) >= 10) OR (StageName LIKE 'P%')) ORDER BY COUNT(Id) DESC, StageName LIMIT 5",
        ),
        (
            "SELECT Account.Industry, COUNT(Id) FROM Contact GROUP BY Account.Industry",
            "SELECT Account.Industry, COUNT(Id) FROM Contact GROUP BY Account.Industry",
        ),
        (
            "SELECT Id FROM Group WHERE Type = 'Queue' ORDER BY Name",
            "SELECT Id FROM Group WHERE Type = 'Queue' ORDER BY Name",
        ),
        (
            "select id from order order by id",
            "SELECT id FROM order ORDER BY id",
        ),
        (
            "select id from account where id in (select accountid from contact where email like '%@x.com' or account.website like '%x.com%') and id not in (select accountid from opportunity) order by name limit 1",
            "SELECT id FROM account WHERE id IN (SELECT accountid FROM contact WHERE email LIKE '%@x.com' OR account.website LIKE '%x.com%') AND id NOT IN (SELECT accountid FROM opportunity) ORDER BY name LIMIT 1",
        ),
    ];

    #[test]
    fn good_queries_parse_and_print_canonically() {
        for (src, printed) in GOOD {
            let query = parse(src).unwrap_or_else(|e| panic!("{src}: {e}"));
            assert_eq!(query.to_string(), *printed, "{src}");
        }
    }

    #[test]
    fn print_then_parse_gives_the_same_tree() {
        for (src, _) in GOOD {
            let query = parse(src).unwrap();
            let again = parse(&query.to_string()).unwrap_or_else(|e| panic!("{query}: {e}"));
            assert_eq!(again, query, "{src}");
        }
    }

    #[test]
    fn precedence_and_associativity() {
        let q = parse("SELECT Id FROM X WHERE a = 1 OR b = 2 AND NOT c = 3").unwrap();
        let Some(Expr::Or(_, rhs)) = q.filter else {
            panic!("OR at the top")
        };
        let Expr::And(_, not) = *rhs else {
            panic!("AND under OR")
        };
        assert!(matches!(*not, Expr::Not(_)));
    }

    /// Bad inputs: (query, line, column, expected, found).
    #[rustfmt::skip]
    const BAD: &[(&str, usize, usize, &str, &str)] = &[
        ("", 1, 1, "SELECT", "'<EOF>'"),
        ("SELECT FROM Lead", 1, 8, "a field name", "'FROM'"),
        ("SELECT Id FRM Account", 1, 11, "FROM", "'FRM'"),
        ("SELECT Id, FROM Lead", 1, 12, "a field name", "'FROM'"),
        ("SELECT Id FROM", 1, 15, "an object name", "'<EOF>'"),
        ("SELECT Id FROM Lead WHERE", 1, 26, "a field name", "'<EOF>'"),
        ("SELECT Id FROM Lead WHERE Name", 1, 31, "an operator", "'<EOF>'"),
        ("SELECT Id FROM Lead WHERE Name = ", 1, 34, "a value", "'<EOF>'"),
        ("SELECT Id FROM Lead WHERE Name = bob", 1, 34, "a value", "'bob'"),
        ("SELECT Id FROM Lead WHERE (Name = 'x'", 1, 38, ")", "'<EOF>'"),
        ("SELECT Id FROM Lead WHERE Name IN 'x'", 1, 35, "(", "''x''"),
        ("SELECT Id FROM Account WHERE Id IN (SELECT AccountId FROM Contact", 1, 66, ")", "'<EOF>'"),
        ("SELECT Id FROM Lead WHERE Name LIKE 5", 1, 37, "a string after LIKE", "'5'"),
        ("SELECT Id FROM Lead WHERE CreatedDate > LAST_N_DAYS", 1, 52, ":", "'<EOF>'"),
        ("SELECT Id FROM Lead LIMIT x", 1, 27, "a number", "'x'"),
        ("SELECT Id FROM Lead LIMIT 5 extra", 1, 29, "end of query", "'extra'"),
        ("SELECT Id FROM Lead ORDER Name", 1, 27, "BY", "'Name'"),
        ("SELECT Id FROM Lead ORDER BY Name NULLS", 1, 40, "FIRST or LAST", "'<EOF>'"),
        ("SELECT (SELECT (SELECT Id FROM a) FROM b) FROM c", 1, 16, "a field name (subqueries do not nest)", "'('"),
        ("SELECT COUNT(Id FROM Lead", 1, 17, ")", "'FROM'"),
        ("SELECT SUM() FROM Lead", 1, 12, "a field name", "')'"),
        ("SELECT Name FROM Lead GROUP Name", 1, 29, "BY", "'Name'"),
        ("SELECT Name FROM Lead GROUP BY Name HAVING COUNT(Id)", 1, 53, "an operator", "'<EOF>'"),
        ("SELECT Id FROM Lead WHERE Name = 'abc", 1, 34, "a token", "'unterminated string'"),
        ("SELECT Id\nFROM Lead\nWHERE ! = 1", 3, 7, "a token", "'!'"),
    ];

    #[test]
    fn bad_queries_say_where_and_what() {
        for (src, line, column, expected, found) in BAD {
            let err = parse(src).expect_err(src);
            assert_eq!(
                (
                    err.line,
                    err.column,
                    err.expected.as_str(),
                    err.found.as_str()
                ),
                (*line, *column, *expected, *found),
                "{src}"
            );
        }
    }

    #[test]
    fn error_texts() {
        let src = "SELECT Id FRM Account";
        let err = parse(src).unwrap_err();
        assert_eq!(
            err.to_string(),
            "line 1, column 11: Expected: FROM, found: 'FRM'"
        );
        assert_eq!(
            err.salesforce_message(src),
            "\nSELECT Id FRM Account\n          ^\nERROR at Row:1:Column:11\nunexpected token: 'FRM'"
        );
    }

    #[test]
    fn nesting_is_bounded() {
        let deep = format!(
            "SELECT Id FROM Lead WHERE {}a = 1{}",
            "(".repeat(200),
            ")".repeat(200)
        );
        let err = parse(&deep).unwrap_err();
        assert_eq!(err.expected, "at most 64 levels of nesting");
        let nots = format!("SELECT Id FROM Lead WHERE {}a = 1", "NOT ".repeat(200));
        assert!(parse(&nots).is_err());
    }
}
