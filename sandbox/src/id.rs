//! Salesforce record ids: 18 characters, a key prefix naming the object, and the case-safe
//! checksum suffix; 15-character ids are accepted on input.

use std::fmt;

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const SUFFIX: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";

/// The pod marker and reserved character in the ids this org mints (after the key prefix).
const INSTANCE: &str = "Pa0";

/// A valid 18-character record id; serialises as its text.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct SfId(String);

/// Why a text is not a record id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdError {
    /// Not 15 or 18 characters.
    Length(usize),
    /// A character outside `[0-9A-Za-z]`.
    Character(char),
    /// An 18-character id whose suffix does not match its first 15 characters.
    Checksum,
}

impl fmt::Display for IdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IdError::Length(n) => write!(f, "an id has 15 or 18 characters, not {n}"),
            IdError::Character(c) => write!(f, "an id cannot contain {c:?}"),
            IdError::Checksum => write!(f, "the id's last 3 characters do not match the first 15"),
        }
    }
}

/// The 3-character checksum of a 15-character id: one character per 5-character chunk, whose
/// bit `i` is set when character `i` of the chunk is an upper-case letter.
pub fn checksum(id15: &str) -> String {
    id15.as_bytes()
        .chunks(5)
        .map(|chunk| {
            let bits = chunk
                .iter()
                .enumerate()
                .filter(|(_, c)| c.is_ascii_uppercase())
                .fold(0usize, |acc, (i, _)| acc | (1 << i));
            char::from(SUFFIX[bits])
        })
        .collect()
}

impl SfId {
    /// Reads a 15- or 18-character id; an 18-character one must carry its right checksum
    /// (compared without case, as Salesforce does).
    pub fn parse(text: &str) -> Result<SfId, IdError> {
        if let Some(c) = text.chars().find(|c| !c.is_ascii_alphanumeric()) {
            return Err(IdError::Character(c));
        }
        match text.len() {
            15 => Ok(SfId(format!("{text}{}", checksum(text)))),
            18 => {
                let (head, suffix) = text.split_at(15);
                if checksum(head).eq_ignore_ascii_case(suffix) {
                    Ok(SfId(format!("{head}{}", checksum(head))))
                } else {
                    Err(IdError::Checksum)
                }
            }
            n => Err(IdError::Length(n)),
        }
    }

    /// The `n`-th id minted by this org for the object with `key_prefix` (3 characters).
    pub fn mint(key_prefix: &str, n: u64) -> SfId {
        debug_assert_eq!(key_prefix.len(), 3, "key prefixes have 3 characters");
        let mut digits = [b'0'; 9];
        let mut rest = n;
        for slot in digits.iter_mut().rev() {
            // `rest % 62` is below 62, a valid index.
            *slot = BASE62[(rest % 62) as usize];
            rest /= 62;
        }
        let tail = String::from_utf8_lossy(&digits);
        let id15 = format!("{key_prefix}{INSTANCE}{tail}");
        SfId(format!("{id15}{}", checksum(&id15)))
    }

    /// The key prefix: which object the record belongs to.
    pub fn key_prefix(&self) -> &str {
        &self.0[..3]
    }

    /// The 15-character, case-sensitive form.
    pub fn short(&self) -> &str {
        &self.0[..15]
    }

    /// The 18-character form.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SfId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksums_of_real_ids() {
        // Ids from Salesforce's documentation and the recorded fixtures.
        for id in [
            "001D000000IqhSLIAZ",
            "003RO0000035WQgYAM",
            "012000000000000AAA",
            "0057e00000RmwSWAAZ",
        ] {
            assert_eq!(checksum(&id[..15]), &id[15..], "{id}");
            assert_eq!(SfId::parse(id).unwrap().as_str(), id);
        }
    }

    #[test]
    fn fifteen_characters_gain_their_suffix() {
        let id = SfId::parse("001D000000IqhSL").unwrap();
        assert_eq!(id.as_str(), "001D000000IqhSLIAZ");
        assert_eq!(id.short(), "001D000000IqhSL");
        assert_eq!(id.key_prefix(), "001");
    }

    #[test]
    fn suffix_case_does_not_matter_but_its_letters_do() {
        assert_eq!(
            SfId::parse("001D000000IqhSLiaz").unwrap().as_str(),
            "001D000000IqhSLIAZ"
        );
        assert_eq!(SfId::parse("001D000000IqhSLAAA"), Err(IdError::Checksum));
    }

    #[test]
    fn bad_ids() {
        assert_eq!(SfId::parse(""), Err(IdError::Length(0)));
        assert_eq!(SfId::parse("23foo"), Err(IdError::Length(5)));
        assert_eq!(SfId::parse("001D000000IqhS-"), Err(IdError::Character('-')));
        assert_eq!(
            SfId::parse("001D000000IqhSLIAZ' OR '1'='1"),
            Err(IdError::Character('\''))
        );
        assert_eq!(
            IdError::Checksum.to_string(),
            "the id's last 3 characters do not match the first 15"
        );
    }

    #[test]
    fn minted_ids_are_valid_distinct_and_ordered() {
        let a = SfId::mint("003", 0);
        let b = SfId::mint("003", 1);
        let c = SfId::mint("003", 62u64.pow(3) + 7);
        for id in [&a, &b, &c] {
            assert_eq!(id.as_str().len(), 18);
            assert_eq!(id.key_prefix(), "003");
            assert_eq!(SfId::parse(id.as_str()).unwrap(), *id);
        }
        assert!(a < b && b < c);
        assert_eq!(a.short(), "003Pa0000000000");
    }
}
