//! The SOQL tokenizer: borrowing tokens with their line and column.

use super::keyword::Keyword;
use super::op::CmpOp;

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// A name or keyword (`SELECT`, `Account`, `LAST_N_DAYS`); keywords are recognised by the
    /// parser, without case.
    Ident,
    /// A quoted string; `text` keeps the quotes and escapes as written.
    String,
    /// An integer or decimal number.
    Number,
    /// `yyyy-MM-dd`.
    Date,
    /// `yyyy-MM-ddTHH:mm:ss[.SSS](Z|±HH:mm|±HHmm)`.
    DateTime,
    /// `(`
    LParen,
    /// `)`
    RParen,
    /// `,`
    Comma,
    /// `.`
    Dot,
    /// `:`
    Colon,
    /// `=`, `!=` or `<>`, `<`, `<=`, `>`, `>=` (`LIKE` is a word: an [`TokenKind::Ident`]).
    Op(CmpOp),
    /// `-` (before a number)
    Minus,
    /// End of input.
    Eof,
}

/// A token and where it starts (1-based line and column, byte offset).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token<'a> {
    /// Its kind.
    pub kind: TokenKind,
    /// Its text, as written.
    pub text: &'a str,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// The keyword an [`TokenKind::Ident`] spells, resolved once here.
    pub keyword: Option<Keyword>,
}

/// A tokenizing error: a character that starts no token, or an unterminated string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LexError {
    /// What went wrong.
    pub message: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
}

/// Splits SOQL into tokens, ending with one [`TokenKind::Eof`].
#[derive(Debug)]
pub struct Tokenizer<'a> {
    src: &'a str,
    pos: usize,
    line: usize,
    column: usize,
    done: bool,
}

impl<'a> Tokenizer<'a> {
    /// A tokenizer over `src`.
    pub fn new(src: &'a str) -> Self {
        Tokenizer {
            src,
            pos: 0,
            line: 1,
            column: 1,
            done: false,
        }
    }

    fn peek_byte(&self, ahead: usize) -> Option<u8> {
        self.src.as_bytes().get(self.pos + ahead).copied()
    }

    fn advance(&mut self, bytes: usize) {
        for c in self.src[self.pos..self.pos + bytes].chars() {
            if c == '\n' {
                self.line += 1;
                self.column = 1;
            } else {
                self.column += 1;
            }
        }
        self.pos += bytes;
    }

    fn skip_space(&mut self) {
        while let Some(c) = self.src[self.pos..].chars().next() {
            if !c.is_whitespace() {
                break;
            }
            self.advance(c.len_utf8());
        }
    }

    /// The length of a date or datetime literal at the current position, if one starts here.
    fn date_len(&self) -> Option<(TokenKind, usize)> {
        let rest = &self.src.as_bytes()[self.pos..];
        let digit = |i: usize| rest.get(i).is_some_and(u8::is_ascii_digit);
        let at = |i: usize, b: u8| rest.get(i) == Some(&b);
        // Whether the bytes from `from` have the shape `pattern`, where `9` stands for any
        // digit and every other byte for itself.
        let shaped = |from: usize, pattern: &[u8]| {
            pattern.iter().enumerate().all(|(k, &p)| {
                if p == b'9' {
                    digit(from + k)
                } else {
                    at(from + k, p)
                }
            })
        };
        if !shaped(0, b"9999-99-99") {
            return None;
        }
        if !shaped(10, b"T99:99:99") {
            return Some((TokenKind::Date, 10));
        }
        let mut i = 19;
        if at(i, b'.') {
            i += 1;
            while digit(i) {
                i += 1;
            }
        }
        if at(i, b'Z') {
            return Some((TokenKind::DateTime, i + 1));
        }
        if at(i, b'+') || at(i, b'-') {
            if shaped(i + 1, b"99:99") {
                return Some((TokenKind::DateTime, i + 6));
            }
            if shaped(i + 1, b"9999") {
                return Some((TokenKind::DateTime, i + 5));
            }
        }
        None
    }

    fn next_token(&mut self) -> Result<Token<'a>, LexError> {
        self.skip_space();
        let (line, column, start) = (self.line, self.column, self.pos);
        let token = |kind, len: usize, this: &mut Self| {
            this.advance(len);
            let text = &this.src[start..start + len];
            Ok(Token {
                kind,
                text,
                line,
                column,
                keyword: if kind == TokenKind::Ident {
                    Keyword::of(text)
                } else {
                    None
                },
            })
        };
        let Some(c) = self.src[self.pos..].chars().next() else {
            self.done = true;
            return Ok(Token {
                kind: TokenKind::Eof,
                text: "",
                line,
                column,
                keyword: None,
            });
        };
        let two = |b: u8| self.peek_byte(1) == Some(b);
        match c {
            '(' => token(TokenKind::LParen, 1, self),
            ')' => token(TokenKind::RParen, 1, self),
            ',' => token(TokenKind::Comma, 1, self),
            '.' => token(TokenKind::Dot, 1, self),
            ':' => token(TokenKind::Colon, 1, self),
            '=' => token(TokenKind::Op(CmpOp::Eq), 1, self),
            '-' => token(TokenKind::Minus, 1, self),
            '!' if two(b'=') => token(TokenKind::Op(CmpOp::Ne), 2, self),
            '<' if two(b'>') => token(TokenKind::Op(CmpOp::Ne), 2, self),
            '<' if two(b'=') => token(TokenKind::Op(CmpOp::Le), 2, self),
            '<' => token(TokenKind::Op(CmpOp::Lt), 1, self),
            '>' if two(b'=') => token(TokenKind::Op(CmpOp::Ge), 2, self),
            '>' => token(TokenKind::Op(CmpOp::Gt), 1, self),
            '\'' => {
                let bytes = self.src.as_bytes();
                let mut i = self.pos + 1;
                loop {
                    match bytes.get(i) {
                        None => {
                            return Err(LexError {
                                message: "unterminated string".into(),
                                line,
                                column,
                            });
                        }
                        Some(b'\\') => i += 2,
                        Some(b'\'') => break,
                        Some(_) => i += 1,
                    }
                }
                token(TokenKind::String, i + 1 - self.pos, self)
            }
            c if c.is_ascii_digit() => {
                if let Some((kind, len)) = self.date_len() {
                    return token(kind, len, self);
                }
                let rest = &self.src[self.pos..];
                let mut len = rest.bytes().take_while(u8::is_ascii_digit).count();
                if rest.as_bytes().get(len) == Some(&b'.')
                    && rest.as_bytes().get(len + 1).is_some_and(u8::is_ascii_digit)
                {
                    len += 1 + rest[len + 1..]
                        .bytes()
                        .take_while(u8::is_ascii_digit)
                        .count();
                }
                token(TokenKind::Number, len, self)
            }
            c if c.is_ascii_alphabetic() || c == '_' => {
                let len = self.src[self.pos..]
                    .bytes()
                    .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
                    .count();
                token(TokenKind::Ident, len, self)
            }
            other => Err(LexError {
                message: format!("unexpected character: '{other}'"),
                line,
                column,
            }),
        }
    }
}

impl<'a> Iterator for Tokenizer<'a> {
    type Item = Result<Token<'a>, LexError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let token = self.next_token();
        if token.is_err() {
            self.done = true;
        }
        Some(token)
    }
}

/// The value of a quoted SOQL string (its text with the quotes), escapes resolved:
/// `\'`, `\"`, `\\`, `\n`, `\r`, `\t`, `\b`, `\f`, and in LIKE patterns `\%` and `\_` kept
/// escaped for the matcher.
pub fn unquote(text: &str) -> Result<String, String> {
    let inner = &text[1..text.len() - 1];
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('\'') => out.push('\''),
            Some('"') => out.push('"'),
            Some('\\') => out.push('\\'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('t') => out.push('\t'),
            Some('b') => out.push('\u{8}'),
            Some('f') => out.push('\u{c}'),
            Some('%') => out.push_str("\\%"),
            Some('_') => out.push_str("\\_"),
            Some(other) => {
                return Err(format!(
                    "Invalid string literal '{text}'. Illegal character sequence '\\{other}' in string literal."
                ));
            }
            None => return Err(format!("Invalid string literal '{text}'.")),
        }
    }
    Ok(out)
}

/// Quotes a value as a SOQL string literal, escaping what must be.
pub fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' => out.push_str("\\'"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '"' => out.push_str("\\\""),
            // A LIKE escape kept by `unquote` goes back as it came.
            '\\' if matches!(chars.peek(), Some('%' | '_')) => out.push('\\'),
            '\\' => out.push_str("\\\\"),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<(TokenKind, &str)> {
        Tokenizer::new(src)
            .map(|t| t.map(|t| (t.kind, t.text)).unwrap())
            .collect()
    }

    #[test]
    fn tokens_with_their_text() {
        use TokenKind::*;
        assert_eq!(
            kinds(
                "SELECT Id, Account.Name FROM Contact WHERE Email != 'a\\'b' AND CreatedDate >= 2024-01-02T03:04:05.000+0000 AND Birthdate < 2020-01-01 LIMIT 5"
            ),
            vec![
                (Ident, "SELECT"),
                (Ident, "Id"),
                (Comma, ","),
                (Ident, "Account"),
                (Dot, "."),
                (Ident, "Name"),
                (Ident, "FROM"),
                (Ident, "Contact"),
                (Ident, "WHERE"),
                (Ident, "Email"),
                (Op(CmpOp::Ne), "!="),
                (String, "'a\\'b'"),
                (Ident, "AND"),
                (Ident, "CreatedDate"),
                (Op(CmpOp::Ge), ">="),
                (DateTime, "2024-01-02T03:04:05.000+0000"),
                (Ident, "AND"),
                (Ident, "Birthdate"),
                (Op(CmpOp::Lt), "<"),
                (Date, "2020-01-01"),
                (Ident, "LIMIT"),
                (Number, "5"),
                (Eof, ""),
            ]
        );
        assert_eq!(kinds("a<>b")[1], (Op(CmpOp::Ne), "<>"));
        assert_eq!(
            kinds("LAST_N_DAYS:30")[1..3],
            [(Colon, ":"), (Number, "30")]
        );
        assert_eq!(kinds("x = -1.5")[2..4], [(Minus, "-"), (Number, "1.5")]);
        assert_eq!(
            kinds("2024-01-02T03:04:05Z")[0],
            (DateTime, "2024-01-02T03:04:05Z")
        );
        assert_eq!(
            kinds("2024-01-02T03:04:05-08:00")[0],
            (DateTime, "2024-01-02T03:04:05-08:00")
        );
    }

    #[test]
    fn positions_count_lines_and_columns() {
        let tokens: Vec<_> = Tokenizer::new("SELECT Id\n  FROM  Lead")
            .map(Result::unwrap)
            .collect();
        assert_eq!((tokens[2].line, tokens[2].column), (2, 3));
        assert_eq!((tokens[3].line, tokens[3].column), (2, 9));
    }

    #[test]
    fn bad_input() {
        let err = Tokenizer::new("SELECT Id FROM Lead WHERE Name = 'abc")
            .find_map(Result::err)
            .unwrap();
        assert_eq!(
            (err.message.as_str(), err.line, err.column),
            ("unterminated string", 1, 34)
        );
        let err = Tokenizer::new("SELECT # FROM x")
            .find_map(Result::err)
            .unwrap();
        assert_eq!(
            (err.message.as_str(), err.column),
            ("unexpected character: '#'", 8)
        );
    }

    #[test]
    fn quoting_round_trips() {
        for value in [
            "plain",
            "O'Brien",
            "back\\slash",
            "new\nline",
            "tab\t\"q\"",
            "50\\% off",
        ] {
            assert_eq!(unquote(&quote(value)).unwrap(), value, "{value:?}");
        }
        assert_eq!(quote("O'Brien"), "'O\\'Brien'");
        assert!(
            unquote("'\\q'")
                .unwrap_err()
                .contains("Illegal character sequence")
        );
    }
}
