//! The SOQL syntax tree. `Display` prints canonical SOQL that parses back to the same tree.

use std::fmt;

use super::lexer::quote;
pub use super::op::CmpOp;

/// Where a name starts in the query text: 1-based line and column, set by the parser
/// (`Span::default()`, line 0, for a name no query text holds). Blind to equality and hashing,
/// as sqlparser's `AttachedToken` is: two trees that differ only in where their names were
/// written are the same query, so `Display` and parse round-trip to equal trees.
#[derive(Debug, Clone, Copy, Default)]
pub struct Span {
    /// 1-based line, 0 when unknown.
    pub line: usize,
    /// 1-based column, 0 when unknown.
    pub column: usize,
}

impl PartialEq for Span {
    fn eq(&self, _: &Span) -> bool {
        true
    }
}

impl Eq for Span {}

impl std::hash::Hash for Span {
    fn hash<H: std::hash::Hasher>(&self, _: &mut H) {}
}

/// A dotted field path: `Name`, `Account.Name`, `Who.Owner.Email`, with where each segment
/// was written.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FieldPath {
    /// The segments.
    pub parts: Vec<String>,
    /// Where each segment starts (empty for a path no query text holds).
    pub spans: Vec<Span>,
}

impl FieldPath {
    /// A path written nowhere (built by the org, not parsed).
    pub fn new(parts: Vec<String>) -> FieldPath {
        FieldPath {
            parts,
            spans: Vec::new(),
        }
    }

    /// The last segment (the field itself).
    pub fn field(&self) -> &str {
        self.parts.last().map_or("", String::as_str)
    }

    /// Where segment `index` starts, when parsed.
    pub fn span(&self, index: usize) -> Span {
        self.spans.get(index).copied().unwrap_or_default()
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.parts.join("."))
    }
}

/// One item of the SELECT list.
#[derive(Debug, Clone, PartialEq)]
pub enum SelectItem {
    /// A field, possibly through parents.
    Field(FieldPath),
    /// `COUNT()`: the query returns only `totalSize`.
    Count,
    /// A child subquery over a relationship (`(SELECT Id FROM Contacts)`).
    SubQuery(Box<Query>),
    /// An aggregate function over a field (`SUM(Amount) total`).
    Aggregate(Aggregate),
}

/// An aggregate function ("Aggregate Functions", SOQL and SOSL Reference:
/// https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select_agg_functions.htm).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AggregateFn {
    /// `COUNT(field)`: rows where the field is not null.
    Count,
    /// `COUNT_DISTINCT(field)`: distinct non-null values.
    CountDistinct,
    /// `SUM(field)`
    Sum,
    /// `AVG(field)`
    Avg,
    /// `MIN(field)`
    Min,
    /// `MAX(field)`
    Max,
}

impl AggregateFn {
    /// The function named `name` (without case).
    pub fn named(name: &str) -> Option<AggregateFn> {
        Some(match name.to_ascii_uppercase().as_str() {
            "COUNT" => AggregateFn::Count,
            "COUNT_DISTINCT" => AggregateFn::CountDistinct,
            "SUM" => AggregateFn::Sum,
            "AVG" => AggregateFn::Avg,
            "MIN" => AggregateFn::Min,
            "MAX" => AggregateFn::Max,
            _ => return None,
        })
    }

    /// Its SOQL name.
    pub fn as_str(self) -> &'static str {
        match self {
            AggregateFn::Count => "COUNT",
            AggregateFn::CountDistinct => "COUNT_DISTINCT",
            AggregateFn::Sum => "SUM",
            AggregateFn::Avg => "AVG",
            AggregateFn::Min => "MIN",
            AggregateFn::Max => "MAX",
        }
    }
}

/// An aggregate in the SELECT list, with its alias when written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Aggregate {
    /// The function.
    pub function: AggregateFn,
    /// Its field.
    pub field: FieldPath,
    /// `SUM(Amount) total`: the alias.
    pub alias: Option<String>,
}

/// A HAVING term: an aggregate or a grouped field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HavingTerm {
    /// `COUNT(Id)`
    Aggregate(AggregateFn, FieldPath),
    /// A field of the GROUP BY.
    Field(FieldPath),
}

impl fmt::Display for HavingTerm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HavingTerm::Aggregate(function, field) => write!(f, "{}({field})", function.as_str()),
            HavingTerm::Field(field) => write!(f, "{field}"),
        }
    }
}

/// A HAVING condition ("HAVING", SOQL and SOSL Reference:
/// https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select_having.htm).
#[derive(Debug, Clone, PartialEq)]
pub enum Having {
    /// Both.
    And(Box<Having>, Box<Having>),
    /// Either.
    Or(Box<Having>, Box<Having>),
    /// Not.
    Not(Box<Having>),
    /// `term op value`
    Cmp {
        /// What is compared.
        term: HavingTerm,
        /// The operator.
        op: CmpOp,
        /// The value.
        value: Value,
    },
}

impl fmt::Display for Having {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Printed fully parenthesised: it parses back to the same tree.
        match self {
            Having::And(a, b) => write!(f, "({a}) AND ({b})"),
            Having::Or(a, b) => write!(f, "({a}) OR ({b})"),
            Having::Not(a) => write!(f, "NOT ({a})"),
            Having::Cmp { term, op, value } => write!(f, "{term} {} {value}", op.as_str()),
        }
    }
}

/// A SOQL query.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    /// What is selected.
    pub select: Vec<SelectItem>,
    /// The object, or the child relationship name in a subquery.
    pub from: String,
    /// Where `from` was written.
    pub from_span: Span,
    /// The filter.
    pub filter: Option<Expr>,
    /// GROUP BY.
    pub group_by: Vec<FieldPath>,
    /// HAVING.
    pub having: Option<Having>,
    /// The sort.
    pub order_by: Vec<OrderBy>,
    /// LIMIT.
    pub limit: Option<u64>,
    /// OFFSET.
    pub offset: Option<u64>,
}

/// The date literals that need no number (`TODAY`...).
pub const DATE_LITERALS: &[&str] = &[
    "YESTERDAY",
    "TODAY",
    "TOMORROW",
    "LAST_WEEK",
    "THIS_WEEK",
    "NEXT_WEEK",
    "LAST_MONTH",
    "THIS_MONTH",
    "NEXT_MONTH",
    "LAST_90_DAYS",
    "NEXT_90_DAYS",
    "THIS_QUARTER",
    "LAST_QUARTER",
    "NEXT_QUARTER",
    "THIS_YEAR",
    "LAST_YEAR",
    "NEXT_YEAR",
];

/// The date literals that take `:n` (`LAST_N_DAYS:30`...).
pub const DATE_LITERALS_N: &[&str] = &[
    "LAST_N_DAYS",
    "NEXT_N_DAYS",
    "N_DAYS_AGO",
    "LAST_N_WEEKS",
    "NEXT_N_WEEKS",
    "N_WEEKS_AGO",
    "LAST_N_MONTHS",
    "NEXT_N_MONTHS",
    "N_MONTHS_AGO",
    "LAST_N_QUARTERS",
    "NEXT_N_QUARTERS",
    "LAST_N_YEARS",
    "NEXT_N_YEARS",
    "N_YEARS_AGO",
];

/// A literal value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `null`
    Null,
    /// `true` / `false`
    Bool(bool),
    /// A string, escapes resolved.
    String(String),
    /// A number, as written (with its sign).
    Number(String),
    /// `yyyy-MM-dd`
    Date(String),
    /// `yyyy-MM-ddTHH:mm:ssZ`...
    DateTime(String),
    /// `TODAY`, `LAST_N_DAYS:30`... (name upper-cased).
    DateLiteral {
        /// The literal's name.
        name: String,
        /// Its `n`, for the `_N_` ones.
        n: Option<u32>,
    },
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => f.write_str("null"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::String(s) => f.write_str(&quote(s)),
            Value::Number(n) | Value::Date(n) | Value::DateTime(n) => f.write_str(n),
            Value::DateLiteral { name, n: None } => f.write_str(name),
            Value::DateLiteral { name, n: Some(n) } => write!(f, "{name}:{n}"),
        }
    }
}

/// A WHERE condition.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// `a AND b`
    And(Box<Expr>, Box<Expr>),
    /// `a OR b`
    Or(Box<Expr>, Box<Expr>),
    /// `NOT a`
    Not(Box<Expr>),
    /// `field op value`
    Cmp {
        /// The field.
        field: FieldPath,
        /// The operator.
        op: CmpOp,
        /// The value.
        value: Value,
    },
    /// `field [NOT] IN (values)`
    In {
        /// The field.
        field: FieldPath,
        /// `NOT IN`.
        negated: bool,
        /// The values.
        values: Vec<Value>,
    },
    /// `field [NOT] IN (SELECT ...)`: a semi-join, or with `NOT` an anti-join.
    SemiJoin {
        /// The field (the left operand).
        field: FieldPath,
        /// `NOT IN`: an anti-join.
        negated: bool,
        /// The subquery.
        query: Box<Query>,
    },
}

impl Expr {
    /// Whether a semi-join or anti-join sits anywhere in the expression.
    pub fn has_semi_join(&self) -> bool {
        match self {
            Expr::And(a, b) | Expr::Or(a, b) => a.has_semi_join() || b.has_semi_join(),
            Expr::Not(inner) => inner.has_semi_join(),
            Expr::SemiJoin { .. } => true,
            Expr::Cmp { .. } | Expr::In { .. } => false,
        }
    }

    fn precedence(&self) -> u8 {
        match self {
            Expr::Or(..) => 1,
            Expr::And(..) => 2,
            Expr::Not(_) => 3,
            Expr::Cmp { .. } | Expr::In { .. } | Expr::SemiJoin { .. } => 4,
        }
    }

    fn fmt_left(&self, child: &Expr, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The left operand: parenthesised only when it binds less tightly (AND and OR are
        // left-associative, so an equal left side needs none).
        if child.precedence() < self.precedence() {
            write!(f, "({child})")
        } else {
            write!(f, "{child}")
        }
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::And(a, b) | Expr::Or(a, b) => {
                let op = if matches!(self, Expr::And(..)) {
                    "AND"
                } else {
                    "OR"
                };
                self.fmt_left(a, f)?;
                write!(f, " {op} ")?;
                // Same precedence on the right must be parenthesised to keep the tree.
                if b.precedence() <= self.precedence() {
                    write!(f, "({b})")
                } else {
                    write!(f, "{b}")
                }
            }
            Expr::Not(inner) => {
                f.write_str("NOT ")?;
                if inner.precedence() < 4 {
                    write!(f, "({inner})")
                } else {
                    write!(f, "{inner}")
                }
            }
            Expr::Cmp { field, op, value } => write!(f, "{field} {} {value}", op.as_str()),
            Expr::In {
                field,
                negated,
                values,
            } => {
                let values: Vec<String> = values.iter().map(ToString::to_string).collect();
                let not = if *negated { "NOT " } else { "" };
                write!(f, "{field} {not}IN ({})", values.join(", "))
            }
            Expr::SemiJoin {
                field,
                negated,
                query,
            } => {
                let not = if *negated { "NOT " } else { "" };
                write!(f, "{field} {not}IN ({query})")
            }
        }
    }
}

/// Where NULLs sort.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nulls {
    /// `NULLS FIRST`
    First,
    /// `NULLS LAST`
    Last,
}

/// One ORDER BY item.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderBy {
    /// The field.
    pub field: FieldPath,
    /// Sorting by an aggregate of the field (`ORDER BY COUNT(Id) DESC`), in a GROUP BY query.
    pub aggregate: Option<AggregateFn>,
    /// `DESC`.
    pub descending: bool,
    /// `NULLS FIRST|LAST`, when written.
    pub nulls: Option<Nulls>,
}

impl fmt::Display for OrderBy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.aggregate {
            Some(function) => write!(f, "{}({})", function.as_str(), self.field)?,
            None => write!(f, "{}", self.field)?,
        }
        if self.descending {
            f.write_str(" DESC")?;
        }
        match self.nulls {
            Some(Nulls::First) => f.write_str(" NULLS FIRST"),
            Some(Nulls::Last) => f.write_str(" NULLS LAST"),
            None => Ok(()),
        }
    }
}

impl fmt::Display for SelectItem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SelectItem::Field(path) => write!(f, "{path}"),
            SelectItem::Count => f.write_str("COUNT()"),
            SelectItem::SubQuery(q) => write!(f, "({q})"),
            SelectItem::Aggregate(a) => {
                write!(f, "{}({})", a.function.as_str(), a.field)?;
                match &a.alias {
                    Some(alias) => write!(f, " {alias}"),
                    None => Ok(()),
                }
            }
        }
    }
}

impl Query {
    /// A query with aggregate functions or GROUP BY: its rows are `AggregateResult`s.
    pub fn is_aggregate(&self) -> bool {
        !self.group_by.is_empty()
            || self
                .select
                .iter()
                .any(|item| matches!(item, SelectItem::Aggregate(_)))
    }
}

/// Writes `items` after `clause` (` GROUP BY a, b`), comma-separated; nothing when empty.
pub(super) fn write_list<T: fmt::Display>(
    f: &mut fmt::Formatter<'_>,
    clause: &str,
    items: &[T],
) -> fmt::Result {
    if items.is_empty() {
        return Ok(());
    }
    let items: Vec<String> = items.iter().map(ToString::to_string).collect();
    write!(f, "{clause}{}", items.join(", "))
}

/// Writes `value` after `clause` (` LIMIT 5`) when there is one.
pub(super) fn write_some<T: fmt::Display>(
    f: &mut fmt::Formatter<'_>,
    clause: &str,
    value: Option<&T>,
) -> fmt::Result {
    match value {
        Some(value) => write!(f, "{clause}{value}"),
        None => Ok(()),
    }
}

impl fmt::Display for Query {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_list(f, "SELECT ", &self.select)?;
        write!(f, " FROM {}", self.from)?;
        write_some(f, " WHERE ", self.filter.as_ref())?;
        write_list(f, " GROUP BY ", &self.group_by)?;
        write_some(f, " HAVING ", self.having.as_ref())?;
        write_list(f, " ORDER BY ", &self.order_by)?;
        write_some(f, " LIMIT ", self.limit.as_ref())?;
        write_some(f, " OFFSET ", self.offset.as_ref())
    }
}
