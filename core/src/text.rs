//! Text from outside: what CareCircle refuses in any string it is given. Control characters
//! (NUL above all, which PostgreSQL cannot store) are refused everywhere; line breaks and tabs
//! are kept, since notes and complaints are written in lines.

use crate::error::{Error, Result};

/// Is `c` a control character CareCircle refuses? Line feed, carriage return and tab are allowed.
pub fn refused_char(c: char) -> bool {
    c.is_control() && !matches!(c, '\n' | '\r' | '\t')
}

/// Refuses a string with a control character in it.
pub fn check_text(what: &'static str, s: &str) -> Result<()> {
    if s.chars().any(refused_char) {
        return Err(Error::invalid(what, "contains a control character"));
    }
    Ok(())
}

/// Refuses any string (keys too) anywhere in a JSON value with a control character in it.
pub fn check_json(v: &serde_json::Value) -> Result<()> {
    match v {
        serde_json::Value::String(s) => check_text("text", s),
        serde_json::Value::Array(items) => items.iter().try_for_each(check_json),
        serde_json::Value::Object(map) => map.iter().try_for_each(|(k, v)| check_text("text", k).and_then(|()| check_json(v))),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_refused_line_breaks_kept() {
        assert!(check_text("note", "a\u{0}b").is_err());
        assert!(check_text("note", "a\u{7}b").is_err());
        assert!(check_text("note", "line one\nline two\ttab").is_ok());
        assert!(check_json(&serde_json::json!({"a": ["x", {"b\u{1}": 1}]})).is_err());
        assert!(check_json(&serde_json::json!({"a": ["x", {"b": "中文"}]})).is_ok());
    }
}
