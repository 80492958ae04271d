//! The unified social credit code (统一社会信用代码, GB 32100-2015) that identifies a construction
//! unit: 18 characters from `0-9A-HJ-NP-RTUW-Y`, the last a check character over the other 17.

use std::fmt;
use std::str::FromStr;

use crate::ArchiveError;

/// The 31 characters a code may use, in the order of their values (I, O, S, V and Z are left
/// out so that a code cannot be misread).
const CHARSET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

/// The weight of each of the first 17 characters: 3^i mod 31.
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// A unified social credit code whose check character is right.
///
/// ```
/// use undermap_archive::CreditCode;
/// let code: CreditCode = "91440300708461136t".parse().unwrap();
/// assert_eq!(code.as_str(), "91440300708461136T");
/// assert!("91440300708461136X".parse::<CreditCode>().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CreditCode(String);

impl CreditCode {
    /// The code, in upper case.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The administrative division it was registered in (characters 3–8).
    #[must_use]
    pub fn division(&self) -> &str {
        &self.0[2..8]
    }
}

fn value(c: u8) -> Option<u32> {
    CHARSET.iter().position(|&x| x == c).map(|p| p as u32)
}

/// The check character the first 17 characters call for.
///
/// ```
/// assert_eq!(undermap_archive::credit_code::check_character("91350100M000100Y4"), Some('3'));
/// ```
#[must_use]
pub fn check_character(first17: &str) -> Option<char> {
    let bytes = first17.as_bytes();
    if bytes.len() != 17 {
        return None;
    }
    let mut sum = 0;
    for (&b, w) in bytes.iter().zip(WEIGHTS) {
        sum += value(b.to_ascii_uppercase())? * w;
    }
    let check = (31 - sum % 31) % 31;
    Some(char::from(CHARSET[check as usize]))
}

impl FromStr for CreditCode {
    type Err = ArchiveError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let invalid = |reason: String| ArchiveError::InvalidCreditCode {
            value: text.chars().take(40).collect(),
            reason,
        };
        let code = text.trim().to_ascii_uppercase();
        if code.chars().count() != 18 {
            return Err(invalid(format!(
                "it has {} characters; a unified social credit code has 18",
                code.chars().count()
            )));
        }
        if let Some((i, c)) = code
            .char_indices()
            .find(|(_, c)| !c.is_ascii() || value(*c as u8).is_none())
        {
            return Err(invalid(format!(
                "character {} ({c:?}) is not one of 0-9, A-H, J-N, P-R, T-U, W-Y",
                i + 1
            )));
        }
        let expected = check_character(&code[..17]).unwrap_or('?');
        let given = code.as_bytes()[17] as char;
        if given != expected {
            return Err(invalid(format!(
                "the check character is {given:?} but the first 17 characters call for \
                 {expected:?} (GB 32100-2015); the code is mistyped"
            )));
        }
        Ok(Self(code))
    }
}

impl fmt::Display for CreditCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl serde::Serialize for CreditCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for CreditCode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn published_codes_pass() {
        for code in [
            "91350100M000100Y43",
            "91110000802100433B",
            "91440300708461136T",
        ] {
            assert_eq!(code.parse::<CreditCode>().unwrap().as_str(), code);
        }
    }

    #[test]
    fn mistakes_are_named() {
        let e = "91350100M000100Y44".parse::<CreditCode>().unwrap_err();
        assert!(e.to_string().contains("call for '3'"), "{e}");
        let e = "91350100M00010".parse::<CreditCode>().unwrap_err();
        assert!(e.to_string().contains("14 characters"), "{e}");
        let e = "9135010OM000100Y43".parse::<CreditCode>().unwrap_err();
        assert!(e.to_string().contains("character 8"), "{e}");
        assert!("91350100M000100Y4３".parse::<CreditCode>().is_err());
    }

    fn brute_force_check(first17: &str) -> char {
        // The definition as GB 32100 writes it: C18 = 31 - MOD(sum(Ci * Wi), 31), 31 -> 0.
        let sum: u32 = first17
            .bytes()
            .enumerate()
            .map(|(i, b)| value(b).unwrap() * 3u32.pow(i as u32) % 31)
            .sum();
        let c = 31 - sum % 31;
        char::from(CHARSET[if c == 31 { 0 } else { c as usize }])
    }

    proptest! {
        #[test]
        fn every_code_with_its_check_parses_and_every_other_check_fails(
            body in proptest::collection::vec(0usize..31, 17),
            wrong in 1usize..31,
        ) {
            let first: String = body.iter().map(|&i| char::from(CHARSET[i])).collect();
            let check = check_character(&first).unwrap();
            prop_assert_eq!(check, brute_force_check(&first));
            let good = format!("{first}{check}");
            prop_assert!(good.parse::<CreditCode>().is_ok());
            let other = CHARSET[(value(check as u8).unwrap() as usize + wrong) % 31];
            let bad = format!("{first}{}", char::from(other));
            prop_assert!(bad.parse::<CreditCode>().is_err());
        }

        #[test]
        fn one_changed_character_is_caught(
            body in proptest::collection::vec(0usize..31, 17),
            at in 0usize..17,
            by in 1usize..31,
        ) {
            // Every weight is prime to 31, so a single substitution always changes the check.
            let first: String = body.iter().map(|&i| char::from(CHARSET[i])).collect();
            let good = format!("{first}{}", check_character(&first).unwrap());
            let mut typo = good.clone().into_bytes();
            typo[at] = CHARSET[(body[at] + by) % 31];
            let typo = String::from_utf8(typo).unwrap();
            prop_assert!(typo.parse::<CreditCode>().is_err());
        }
    }
}
