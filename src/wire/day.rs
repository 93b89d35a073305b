//! Calendar days as people and programs write them: `dd/mm/yyyy` (as the CLI and the
//! reports print them) or `yyyy-mm-dd` (ISO 8601). Days are written back as ISO.

use chrono::NaiveDate;
use serde::{Deserialize, Deserializer};

/// The day `text` names, in either form; `None` when it is neither.
pub fn parse(text: &str) -> Option<NaiveDate> {
    let text = text.trim();
    NaiveDate::parse_from_str(text, "%d/%m/%Y")
        .or_else(|_| NaiveDate::parse_from_str(text, "%Y-%m-%d"))
        .ok()
        // chrono takes `%Y` of any width; keep to four-digit years.
        .filter(|d| (1000..=9999).contains(&chrono::Datelike::year(d)))
}

/// What to write instead of a text that is not a day.
pub fn hint(text: &str) -> String {
    format!("`{text}` không phải ngày; viết dd/mm/yyyy (ví dụ 01/10/2025) hoặc yyyy-mm-dd")
}

/// serde `deserialize_with` for a day field.
pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
    let text = String::deserialize(d)?;
    parse(&text).ok_or_else(|| serde::de::Error::custom(hint(&text)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_forms_name_the_same_day() {
        let d = NaiveDate::from_ymd_opt(2025, 10, 1).expect("day");
        assert_eq!(parse("01/10/2025"), Some(d));
        assert_eq!(parse("1/10/2025"), Some(d));
        assert_eq!(parse("2025-10-01"), Some(d));
        assert_eq!(parse("31/02/2025"), None);
        assert_eq!(parse("10/2025"), None);
        assert_eq!(parse("01/10/20255"), None);
    }
}
