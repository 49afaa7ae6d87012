use std::fmt;

/// A phone number in E.164 form: `+` followed by 8 to 15 digits, the first
/// of which is not zero (ITU-T E.164 §6.1: at most 15 digits).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct E164(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum E164Error {
    #[error("the number is empty")]
    Empty,
    #[error("unexpected character {0:?} in the number")]
    BadCharacter(char),
    #[error("a number has 8 to 15 digits, this one has {0}")]
    BadLength(usize),
    #[error("a country code never starts with 0; write the number in international form (+CC…)")]
    NotInternational,
}

impl E164 {
    /// Normalises what people type into E.164: keeps digits, accepts a
    /// leading `+` or `00` international prefix, and ignores the spaces,
    /// dots, dashes and parentheses that address books add.
    ///
    /// Numbers without an international prefix are taken as already
    /// including the country code (`4930123456` → `+4930123456`); national
    /// forms with a trunk `0` are rejected rather than guessed.
    pub fn parse(input: &str) -> Result<Self, E164Error> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(E164Error::Empty);
        }
        let mut digits = String::with_capacity(16);
        for (index, character) in trimmed.char_indices() {
            match character {
                '0'..='9' => digits.push(character),
                '+' if index == 0 => {}
                ' ' | '-' | '.' | '(' | ')' | '/' => {}
                other => return Err(E164Error::BadCharacter(other)),
            }
        }
        let digits = match digits.strip_prefix("00") {
            Some(rest) if !trimmed.starts_with('+') => rest.to_owned(),
            _ => digits,
        };
        if digits.starts_with('0') {
            return Err(E164Error::NotInternational);
        }
        if !(8..=15).contains(&digits.len()) {
            return Err(E164Error::BadLength(digits.len()));
        }
        Ok(Self(format!("+{digits}")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The digits without the leading `+`, as used in a SIP Request-URI user part.
    pub fn digits(&self) -> &str {
        &self.0[1..]
    }
}

impl fmt::Display for E164 {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.0)
    }
}

impl fmt::Debug for E164 {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "E164({})", self.0)
    }
}

impl TryFrom<String> for E164 {
    type Error = E164Error;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<E164> for String {
    fn from(value: E164) -> Self {
        value.0
    }
}

impl std::str::FromStr for E164 {
    type Err = E164Error;
    fn from_str(input: &str) -> Result<Self, Self::Err> {
        Self::parse(input)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_common_spellings() {
        for input in ["+49 30 123456", "0049 (30) 123-456", "4930123456", " +49.30.123456 "] {
            let number = E164::parse(input).unwrap();
            assert!(number.as_str().starts_with("+4930"), "{input} → {number}");
        }
        assert_eq!(E164::parse("+1 (555) 010-0199").unwrap().as_str(), "+15550100199");
        assert_eq!(E164::parse("+15550100199").unwrap().digits(), "15550100199");
    }

    #[test]
    fn rejects_what_cannot_be_dialed() {
        assert_eq!(E164::parse(""), Err(E164Error::Empty));
        assert_eq!(E164::parse("+49 30 12a456"), Err(E164Error::BadCharacter('a')));
        assert_eq!(E164::parse("030 123456"), Err(E164Error::NotInternational));
        assert_eq!(E164::parse("+1234"), Err(E164Error::BadLength(4)));
        assert_eq!(E164::parse("+1234567890123456"), Err(E164Error::BadLength(16)));
        assert_eq!(E164::parse("49+30123456"), Err(E164Error::BadCharacter('+')));
    }
}
