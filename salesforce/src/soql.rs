//! SOQL and SOSL as values. Every literal goes through [`crate::escape`] when it is printed, so
//! what a user typed can only ever be a value; names (objects, fields, relationships) are
//! checked by [`Select::validate`] before a request is built from them.
//!
//! A statement prints as [`Piece`]s: text, and composite references (`@{contacts.records[0].Id}`)
//! that must reach Salesforce unencoded while the text around them is percent-encoded.

use std::fmt;

use crate::escape::{soql_like, soql_string, sosl_term};

/// A value a composite fills in from an earlier subrequest's answer (`contacts.records[0].Id`).
/// Made by [`crate::composite::Ref`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    pub(crate) source: String,
    pub(crate) path: String,
}

impl Reference {
    /// The subrequest it reads.
    pub fn source(&self) -> &str {
        &self.source
    }
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "@{{{}}}", self.path)
    }
}

/// A printed statement's parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    /// Text (percent-encoded when it goes into a URL).
    Text(String),
    /// A composite reference, sent as `@{...}`.
    Ref(Reference),
}

#[derive(Debug, Default)]
struct Out(Vec<Piece>);

impl Out {
    fn text(&mut self, text: &str) {
        match self.0.last_mut() {
            Some(Piece::Text(t)) => t.push_str(text),
            _ => self.0.push(Piece::Text(text.to_owned())),
        }
    }
}

/// Prints pieces for a URL query value: text percent-encoded, references as they are.
pub fn url_encode(pieces: &[Piece]) -> String {
    pieces
        .iter()
        .map(|p| match p {
            Piece::Text(t) => percent(t),
            Piece::Ref(r) => r.to_string(),
        })
        .collect()
}

/// Percent-encodes all but RFC 3986's unreserved characters (`@`, `{` and `}` included, so no
/// text can pass for a composite reference).
pub fn percent(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3);
    for b in text.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(char::from(b));
            }
            _ => {
                out.push('%');
                out.push(char::from(b"0123456789ABCDEF"[usize::from(b >> 4)]));
                out.push(char::from(b"0123456789ABCDEF"[usize::from(b & 15)]));
            }
        }
    }
    out
}

fn text_of(pieces: &[Piece]) -> String {
    pieces
        .iter()
        .map(|p| match p {
            Piece::Text(t) => t.clone(),
            Piece::Ref(r) => r.to_string(),
        })
        .collect()
}

/// Whether `name` is an API name, or a dotted path of them (`Account.Name`).
pub fn is_name(name: &str) -> bool {
    !name.is_empty()
        && name.split('.').all(|part| {
            let mut chars = part.chars();
            chars.next().is_some_and(|c| c.is_ascii_alphabetic())
                && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        })
}

/// A literal on the right of a comparison.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    /// A string, quoted and escaped.
    Text(String),
    /// `true`/`false`.
    Bool(bool),
    /// `null`.
    Null,
    /// A whole number.
    Int(i64),
    /// A dateTime, `YYYY-MM-DDThh:mm:ssZ` (see [`Literal::date_time`]).
    DateTime(String),
    /// A value from an earlier composite subrequest, quoted (`'@{contacts.records[0].Id}'`).
    Ref(Reference),
}

impl Literal {
    fn print(&self, out: &mut Out) {
        match self {
            Literal::Text(t) => out.text(&soql_string(t)),
            Literal::Bool(b) => out.text(if *b { "true" } else { "false" }),
            Literal::Null => out.text("null"),
            Literal::Int(n) => out.text(&n.to_string()),
            Literal::DateTime(t) => out.text(t),
            Literal::Ref(r) => {
                out.text("'");
                out.0.push(Piece::Ref(r.clone()));
                out.text("'");
            }
        }
    }
}

impl Literal {
    /// The dateTime `epoch_secs` seconds after 1970 (UTC), as SOQL writes it.
    pub fn date_time(epoch_secs: i64) -> Literal {
        let secs = epoch_secs.rem_euclid(86_400);
        Literal::DateTime(format!(
            "{}T{:02}:{:02}:{:02}Z",
            utc_date(epoch_secs),
            secs / 3600,
            secs % 3600 / 60,
            secs % 60
        ))
    }
}

/// The UTC date (`YYYY-MM-DD`, as SOQL and Salesforce's date fields write it) `epoch_secs`
/// seconds after 1970.
pub fn utc_date(epoch_secs: i64) -> String {
    // Howard Hinnant's days-to-civil algorithm.
    let z = epoch_secs.div_euclid(86_400) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

impl From<&str> for Literal {
    fn from(value: &str) -> Self {
        Literal::Text(value.to_owned())
    }
}

impl From<String> for Literal {
    fn from(value: String) -> Self {
        Literal::Text(value)
    }
}

impl From<bool> for Literal {
    fn from(value: bool) -> Self {
        Literal::Bool(value)
    }
}

impl From<Reference> for Literal {
    fn from(value: Reference) -> Self {
        Literal::Ref(value)
    }
}

/// A WHERE condition.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    /// `field = value`.
    Eq(String, Literal),
    /// `field != value`.
    Ne(String, Literal),
    /// `field >= value`.
    Ge(String, Literal),
    /// `field LIKE '...'`: `value` matched literally, `%` around it when `contains`, or at
    /// the front only when `ends_with`.
    Like {
        /// The field.
        field: String,
        /// The text to find, matched literally.
        value: String,
        /// Where it may sit.
        at: LikeAt,
    },
    /// `field IN (values)`.
    In(String, Vec<Literal>),
    /// A semi-join: `field IN (SELECT ...)`.
    InSelect(String, Box<Select>),
    /// All of them.
    And(Vec<Filter>),
    /// Any of them.
    Or(Vec<Filter>),
}

/// Where a LIKE's text may sit in the value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LikeAt {
    /// Anywhere (`%text%`).
    Anywhere,
    /// At the end (`%text`).
    End,
    /// At the start (`text%`).
    Start,
}

impl Filter {
    /// `field = value`.
    pub fn eq(field: &str, value: impl Into<Literal>) -> Filter {
        Filter::Eq(field.to_owned(), value.into())
    }

    /// `field != value`.
    pub fn ne(field: &str, value: impl Into<Literal>) -> Filter {
        Filter::Ne(field.to_owned(), value.into())
    }

    /// `field >= value`.
    pub fn ge(field: &str, value: impl Into<Literal>) -> Filter {
        Filter::Ge(field.to_owned(), value.into())
    }

    /// `field LIKE` the text, literally, at `at`.
    pub fn like(field: &str, value: &str, at: LikeAt) -> Filter {
        Filter::Like {
            field: field.to_owned(),
            value: value.to_owned(),
            at,
        }
    }

    /// `field IN (values)`.
    pub fn is_in<L: Into<Literal>>(field: &str, values: impl IntoIterator<Item = L>) -> Filter {
        Filter::In(
            field.to_owned(),
            values.into_iter().map(Into::into).collect(),
        )
    }

    /// `field IN (SELECT ...)`.
    pub fn in_select(field: &str, select: Select) -> Filter {
        Filter::InSelect(field.to_owned(), Box::new(select))
    }

    fn names<'a>(&'a self, out: &mut Vec<&'a str>) {
        match self {
            Filter::Eq(f, _) | Filter::Ne(f, _) | Filter::Ge(f, _) | Filter::In(f, _) => {
                out.push(f)
            }
            Filter::Like { field, .. } => out.push(field),
            Filter::InSelect(f, s) => {
                out.push(f);
                s.names(out);
            }
            Filter::And(all) | Filter::Or(all) => all.iter().for_each(|f| f.names(out)),
        }
    }

    fn references<'a>(&'a self, out: &mut Vec<&'a Reference>) {
        match self {
            Filter::Eq(_, Literal::Ref(r))
            | Filter::Ne(_, Literal::Ref(r))
            | Filter::Ge(_, Literal::Ref(r)) => out.push(r),
            Filter::In(_, values) => out.extend(values.iter().filter_map(|v| match v {
                Literal::Ref(r) => Some(r),
                _ => None,
            })),
            Filter::InSelect(_, s) => s.collect_references(out),
            Filter::And(all) | Filter::Or(all) => all.iter().for_each(|f| f.references(out)),
            _ => {}
        }
    }

    fn print(&self, out: &mut Out, nested: bool) {
        match self {
            Filter::Eq(field, value) | Filter::Ne(field, value) | Filter::Ge(field, value) => {
                out.text(field);
                out.text(match self {
                    Filter::Eq(..) => " = ",
                    Filter::Ne(..) => " != ",
                    _ => " >= ",
                });
                value.print(out);
            }
            Filter::Like { field, value, at } => {
                out.text(field);
                out.text(" LIKE ");
                let quoted = soql_like(value, false);
                let inner = &quoted[1..quoted.len() - 1];
                let pattern = match at {
                    LikeAt::Anywhere => format!("'%{inner}%'"),
                    LikeAt::End => format!("'%{inner}'"),
                    LikeAt::Start => format!("'{inner}%'"),
                };
                out.text(&pattern);
            }
            Filter::In(field, values) => {
                out.text(field);
                out.text(" IN (");
                for (i, v) in values.iter().enumerate() {
                    if i > 0 {
                        out.text(", ");
                    }
                    v.print(out);
                }
                out.text(")");
            }
            Filter::InSelect(field, select) => {
                out.text(field);
                out.text(" IN (");
                select.print(out);
                out.text(")");
            }
            Filter::And(all) | Filter::Or(all) => {
                let joiner = if matches!(self, Filter::And(_)) {
                    " AND "
                } else {
                    " OR "
                };
                if nested && all.len() > 1 {
                    out.text("(");
                }
                for (i, f) in all.iter().enumerate() {
                    if i > 0 {
                        out.text(joiner);
                    }
                    f.print(out, true);
                }
                if nested && all.len() > 1 {
                    out.text(")");
                }
            }
        }
    }
}

/// A sort key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order {
    field: String,
    descending: bool,
    nulls_last: bool,
}

impl Order {
    /// Ascending.
    pub fn asc(field: &str) -> Order {
        Order {
            field: field.to_owned(),
            descending: false,
            nulls_last: false,
        }
    }

    /// Descending.
    pub fn desc(field: &str) -> Order {
        Order {
            field: field.to_owned(),
            descending: true,
            nulls_last: false,
        }
    }

    /// With `NULLS LAST`.
    #[must_use]
    pub fn nulls_last(mut self) -> Order {
        self.nulls_last = true;
        self
    }
}

/// A SOQL `SELECT`, or a parent-to-child subquery in one (its `from` is then the
/// relationship name).
#[derive(Debug, Clone, PartialEq)]
pub struct Select {
    from: String,
    fields: Vec<String>,
    children: Vec<Select>,
    filter: Option<Filter>,
    order: Vec<Order>,
    limit: Option<u32>,
}

/// A name that is not an API name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not an API name")]
pub struct BadName(pub String);

impl Select {
    /// `SELECT Id FROM from`: `Id` always comes first.
    pub fn from(from: &str) -> Select {
        Select {
            from: from.to_owned(),
            fields: vec!["Id".to_owned()],
            children: Vec::new(),
            filter: None,
            order: Vec::new(),
            limit: None,
        }
    }

    /// `SELECT fields FROM from`, with no `Id` added (a semi-join's one column).
    pub fn column(from: &str, field: &str) -> Select {
        Select {
            fields: vec![field.to_owned()],
            ..Select::from(from)
        }
    }

    /// Adds fields (each once, `Id` never twice).
    #[must_use]
    pub fn fields<S: AsRef<str>>(mut self, fields: impl IntoIterator<Item = S>) -> Select {
        for f in fields {
            let f = f.as_ref();
            if !self.fields.iter().any(|g| g.eq_ignore_ascii_case(f)) {
                self.fields.push(f.to_owned());
            }
        }
        self
    }

    /// Adds a parent-to-child subquery (`(SELECT ... FROM Cases ...)`).
    #[must_use]
    pub fn child(mut self, child: Select) -> Select {
        self.children.push(child);
        self
    }

    /// Sets the WHERE clause.
    #[must_use]
    pub fn filter(mut self, filter: Filter) -> Select {
        self.filter = Some(filter);
        self
    }

    /// Adds sort keys, in order.
    #[must_use]
    pub fn order(mut self, keys: impl IntoIterator<Item = Order>) -> Select {
        self.order.extend(keys);
        self
    }

    /// Sets LIMIT.
    #[must_use]
    pub fn limit(mut self, limit: u32) -> Select {
        self.limit = Some(limit);
        self
    }

    /// The object (or, in a subquery, the relationship) it reads.
    pub fn object(&self) -> &str {
        &self.from
    }

    fn names<'a>(&'a self, out: &mut Vec<&'a str>) {
        out.push(&self.from);
        out.extend(self.fields.iter().map(String::as_str));
        out.extend(self.order.iter().map(|o| o.field.as_str()));
        for c in &self.children {
            c.names(out);
        }
        if let Some(f) = &self.filter {
            f.names(out);
        }
    }

    /// The composite references it uses.
    pub fn references(&self) -> Vec<&Reference> {
        let mut out = Vec::new();
        self.collect_references(&mut out);
        out
    }

    fn collect_references<'a>(&'a self, out: &mut Vec<&'a Reference>) {
        if let Some(f) = &self.filter {
            f.references(out);
        }
        for c in &self.children {
            c.collect_references(out);
        }
    }

    /// `Err` with the first name (object, field, relationship) that is not an API name.
    pub fn validate(&self) -> Result<(), BadName> {
        let mut names = Vec::new();
        self.names(&mut names);
        match names.into_iter().find(|n| !is_name(n)) {
            Some(bad) => Err(BadName(bad.to_owned())),
            None => Ok(()),
        }
    }

    fn print(&self, out: &mut Out) {
        out.text("SELECT ");
        out.text(&self.fields.join(", "));
        for child in &self.children {
            out.text(", (");
            child.print(out);
            out.text(")");
        }
        out.text(" FROM ");
        out.text(&self.from);
        self.print_tail(out);
    }

    /// ` WHERE ... ORDER BY ... LIMIT n`, as a statement or a SOSL RETURNING clause ends.
    fn print_tail(&self, out: &mut Out) {
        if let Some(filter) = &self.filter {
            out.text(" WHERE ");
            filter.print(out, false);
        }
        if !self.order.is_empty() {
            out.text(" ORDER BY ");
            for (i, o) in self.order.iter().enumerate() {
                if i > 0 {
                    out.text(", ");
                }
                out.text(&o.field);
                out.text(if o.descending { " DESC" } else { " ASC" });
                if o.nulls_last {
                    out.text(" NULLS LAST");
                }
            }
        }
        if let Some(limit) = self.limit {
            out.text(&format!(" LIMIT {limit}"));
        }
    }

    /// The statement as pieces.
    pub fn pieces(&self) -> Vec<Piece> {
        let mut out = Out::default();
        self.print(&mut out);
        out.0
    }
}

impl fmt::Display for Select {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&text_of(&self.pieces()))
    }
}

/// Which fields a SOSL search looks in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// `IN ALL FIELDS`.
    All,
    /// `IN NAME FIELDS`.
    Name,
    /// `IN EMAIL FIELDS`.
    Email,
    /// `IN PHONE FIELDS`.
    Phone,
}

/// A SOSL `FIND {term} IN ... RETURNING ...`: the term is searched for literally.
#[derive(Debug, Clone, PartialEq)]
pub struct Search {
    term: String,
    as_typed: bool,
    scope: Scope,
    returning: Vec<Select>,
    limit: Option<u32>,
}

impl Search {
    /// Searches for `term`, literally, in `scope`.
    pub fn find(term: &str, scope: Scope) -> Search {
        Search {
            term: term.to_owned(),
            as_typed: false,
            scope,
            returning: Vec::new(),
            limit: None,
        }
    }

    /// Searches for the words of `text` as someone types them: each word literally, the last
    /// one also as a prefix (`*`) when it has two letters or digits.
    pub fn find_as_typed(text: &str, scope: Scope) -> Search {
        Search {
            as_typed: true,
            ..Search::find(text, scope)
        }
    }

    /// Sets the overall LIMIT.
    #[must_use]
    pub fn limit(mut self, limit: u32) -> Search {
        self.limit = Some(limit);
        self
    }

    fn term(&self) -> String {
        if !self.as_typed {
            return sosl_term(&self.term);
        }
        let mut words: Vec<String> = self.term.split_whitespace().map(sosl_term).collect();
        if let Some(last) = words.last_mut()
            && last.chars().filter(|c| c.is_alphanumeric()).count() >= 2
        {
            last.push('*');
        }
        words.join(" ")
    }

    /// Adds an object to return: its fields, filter, order and limit (no subqueries).
    #[must_use]
    pub fn returning(mut self, select: Select) -> Search {
        self.returning.push(select);
        self
    }

    /// `Err` with the first name that is not an API name.
    pub fn validate(&self) -> Result<(), BadName> {
        self.returning.iter().try_for_each(Select::validate)
    }

    fn print(&self, out: &mut Out) {
        out.text("FIND {");
        out.text(&self.term());
        out.text("} IN ");
        out.text(match self.scope {
            Scope::All => "ALL",
            Scope::Name => "NAME",
            Scope::Email => "EMAIL",
            Scope::Phone => "PHONE",
        });
        out.text(" FIELDS");
        for (i, r) in self.returning.iter().enumerate() {
            out.text(if i == 0 { " RETURNING " } else { ", " });
            out.text(&r.from);
            out.text("(");
            out.text(&r.fields.join(", "));
            r.print_tail(out);
            out.text(")");
        }
        if let Some(limit) = self.limit {
            out.text(&format!(" LIMIT {limit}"));
        }
    }
}

impl fmt::Display for Search {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = Out::default();
        self.print(&mut out);
        f.write_str(&text_of(&out.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reference(path: &str) -> Reference {
        Reference {
            source: path.split('.').next().unwrap().to_owned(),
            path: path.to_owned(),
        }
    }

    #[test]
    fn selects_print_as_soql() {
        let s = Select::from("Contact")
            .fields(["Name", "Email", "Id"])
            .child(
                Select::from("Cases")
                    .fields(["Subject"])
                    .order([Order::desc("CreatedDate")])
                    .limit(10),
            )
            .filter(Filter::And(vec![
                Filter::eq("Email", "rose@edge.com"),
                Filter::Or(vec![
                    Filter::eq("IsConverted", false),
                    Filter::ne("AccountId", Literal::Null),
                ]),
            ]))
            .order([
                Order::asc("ActivityDate").nulls_last(),
                Order::desc("LastModifiedDate"),
            ])
            .limit(5);
        assert_eq!(
            s.to_string(),
            "SELECT Id, Name, Email, (SELECT Id, Subject FROM Cases ORDER BY CreatedDate DESC LIMIT 10) FROM Contact WHERE Email = 'rose@edge.com' AND (IsConverted = false OR AccountId != null) ORDER BY ActivityDate ASC NULLS LAST, LastModifiedDate DESC LIMIT 5"
        );
    }

    #[test]
    fn user_text_is_only_ever_a_literal() {
        let s = Select::from("Contact").filter(Filter::Or(vec![
            Filter::eq("Email", "x' OR Name != '"),
            Filter::like("Email", "50%_off\\", LikeAt::End),
            Filter::is_in("Id", ["a'b"]),
        ]));
        assert_eq!(
            s.to_string(),
            "SELECT Id FROM Contact WHERE Email = 'x\\' OR Name != \\'' OR Email LIKE '%50\\%\\_off\\\\' OR Id IN ('a\\'b')"
        );
    }

    #[test]
    fn references_stay_unencoded_and_text_cannot_pass_for_one() {
        let s = Select::from("Account").filter(Filter::Or(vec![
            Filter::eq("Id", reference("contacts.records[0].AccountId")),
            Filter::eq("Name", "@{contacts.records[0].Id}"),
        ]));
        let url = url_encode(&s.pieces());
        assert!(
            url.contains("Id%20%3D%20%27@{contacts.records[0].AccountId}%27"),
            "{url}"
        );
        assert!(
            url.contains("%27%40%7Bcontacts.records%5B0%5D.Id%7D%27"),
            "{url}"
        );
        assert_eq!(s.references().len(), 1);
    }

    #[test]
    fn date_times_print_as_soql() {
        assert_eq!(
            Literal::date_time(0),
            Literal::DateTime("1970-01-01T00:00:00Z".into())
        );
        assert_eq!(
            Literal::date_time(1_796_047_985),
            Literal::DateTime("2026-11-30T14:13:05Z".into())
        );
    }

    #[test]
    fn semi_joins_nest() {
        let s = Select::from("Account").filter(Filter::in_select(
            "Id",
            Select::column("Contact", "AccountId").filter(Filter::like(
                "Email",
                "@edge.com",
                LikeAt::End,
            )),
        ));
        assert_eq!(
            s.to_string(),
            "SELECT Id FROM Account WHERE Id IN (SELECT AccountId FROM Contact WHERE Email LIKE '%@edge.com')"
        );
    }

    #[test]
    fn names_are_checked() {
        assert!(
            Select::from("Contact")
                .fields(["Account.Name", "Tier__c"])
                .validate()
                .is_ok()
        );
        for bad in ["Name, (SELECT Id FROM User)", "1x", "a..b", "", "Name--"] {
            assert_eq!(
                Select::from("Contact").fields([bad]).validate(),
                Err(BadName(bad.to_owned())),
                "{bad}"
            );
        }
        assert!(Select::from("Contact WHERE").validate().is_err());
    }

    #[test]
    fn searches_escape_their_term() {
        let s = Search::find("+1 (512) 757-9340", Scope::Phone)
            .returning(
                Select::from("Contact")
                    .fields(["Name"])
                    .order([Order::desc("LastModifiedDate")])
                    .limit(5),
            )
            .returning(
                Select::from("Lead")
                    .filter(Filter::eq("IsConverted", false))
                    .limit(5),
            );
        assert_eq!(
            s.to_string(),
            "FIND {\\+1 \\(512\\) 757\\-9340} IN PHONE FIELDS RETURNING Contact(Id, Name ORDER BY LastModifiedDate DESC LIMIT 5), Lead(Id WHERE IsConverted = false LIMIT 5)"
        );
        assert_eq!(
            Search::find("x} RETURNING User(Id) {", Scope::All).to_string(),
            "FIND {x\\} RETURNING User\\(Id\\) \\{} IN ALL FIELDS"
        );
    }
}
