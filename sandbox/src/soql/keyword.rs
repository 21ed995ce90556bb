//! The words SOQL and SOSL give a meaning, resolved once by the tokenizer (as sqlparser's
//! `Word.keyword`), so the parsers compare enums rather than strings.

/// A keyword of SOQL or SOSL, written in any case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keyword {
    Select,
    From,
    Where,
    And,
    Or,
    Not,
    In,
    Like,
    Order,
    Group,
    By,
    Having,
    Limit,
    Offset,
    Null,
    True,
    False,
    Asc,
    Desc,
    Nulls,
    First,
    Last,
    With,
    Count,
    Returning,
    All,
    Name,
    Email,
    Phone,
    Fields,
}

/// Each keyword's spelling and whether the parser reserves it: a reserved word is never read
/// as a field, object or alias name; the others (`COUNT`, `FIRST`, `NAME`, `EMAIL`,
/// `PHONE`...) are keywords only where the grammar expects one. (Salesforce's own list, "SOQL
/// keywords that can't be used as alias names" in Alias Notation,
/// https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_alias.htm,
/// differs: it has FIRST and LAST, and lacks ORDER, BY, OFFSET, TRUE and FALSE. This table
/// keeps the parser's list as it was.)
const KEYWORDS: &[(&str, Keyword, bool)] = &[
    ("SELECT", Keyword::Select, true),
    ("FROM", Keyword::From, true),
    ("WHERE", Keyword::Where, true),
    ("AND", Keyword::And, true),
    ("OR", Keyword::Or, true),
    ("NOT", Keyword::Not, true),
    ("IN", Keyword::In, true),
    ("LIKE", Keyword::Like, true),
    ("ORDER", Keyword::Order, true),
    ("GROUP", Keyword::Group, true),
    ("BY", Keyword::By, true),
    ("HAVING", Keyword::Having, true),
    ("LIMIT", Keyword::Limit, true),
    ("OFFSET", Keyword::Offset, true),
    ("NULL", Keyword::Null, true),
    ("TRUE", Keyword::True, true),
    ("FALSE", Keyword::False, true),
    ("ASC", Keyword::Asc, true),
    ("DESC", Keyword::Desc, true),
    ("NULLS", Keyword::Nulls, true),
    ("WITH", Keyword::With, true),
    ("FIRST", Keyword::First, false),
    ("LAST", Keyword::Last, false),
    ("COUNT", Keyword::Count, false),
    ("RETURNING", Keyword::Returning, false),
    ("ALL", Keyword::All, false),
    ("NAME", Keyword::Name, false),
    ("EMAIL", Keyword::Email, false),
    ("PHONE", Keyword::Phone, false),
    ("FIELDS", Keyword::Fields, false),
];

impl Keyword {
    /// The keyword `word` spells, without case.
    pub fn of(word: &str) -> Option<Keyword> {
        KEYWORDS
            .iter()
            .find(|(text, _, _)| text.eq_ignore_ascii_case(word))
            .map(|&(_, keyword, _)| keyword)
    }

    /// Its spelling, upper case.
    pub fn as_str(self) -> &'static str {
        KEYWORDS
            .iter()
            .find(|(_, keyword, _)| *keyword == self)
            .map_or("", |(text, _, _)| text)
    }

    /// Whether it cannot be a field, object or alias name.
    pub fn reserved(self) -> bool {
        KEYWORDS
            .iter()
            .any(|&(_, keyword, reserved)| keyword == self && reserved)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_are_found_without_case_and_spell_back() {
        for (word, keyword, reserved) in [
            ("select", Some(Keyword::Select), true),
            ("From", Some(Keyword::From), true),
            ("NULLS", Some(Keyword::Nulls), true),
            ("Name", Some(Keyword::Name), false),
            ("count", Some(Keyword::Count), false),
            ("Account", None, false),
            ("SELECTED", None, false),
        ] {
            assert_eq!(Keyword::of(word), keyword, "{word}");
            if let Some(keyword) = keyword {
                assert_eq!(keyword.reserved(), reserved, "{word}");
                assert!(keyword.as_str().eq_ignore_ascii_case(word), "{word}");
            }
        }
    }
}
