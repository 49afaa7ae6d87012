//! `{{tag}}` templates in `say` text, filled from the contact's tags.
//!
//! `{{name}}` is the tag's value (a string, or a number as written),
//! `{{name|fallback}}` uses the fallback when the tag is missing or empty,
//! `{{name:digits}}` reads a value digit by digit ("1 2 3 4"), and
//! `{{phone}}` is the number called. A missing tag without a fallback is
//! spoken as nothing.

use serde_json::Value;

/// A placeholder in a template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Placeholder<'t> {
    name: &'t str,
    digits: bool,
    fallback: Option<&'t str>,
}

/// Splits a template into literal text and placeholders; `Err` says what is
/// malformed.
fn pieces(template: &str) -> Result<Vec<Result<&str, Placeholder<'_>>>, String> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        if start > 0 {
            out.push(Ok(&rest[..start]));
        }
        let after = &rest[start + 2..];
        let end = after.find("}}").ok_or_else(|| "a `{{` is never closed with `}}`".to_owned())?;
        out.push(Err(placeholder(after[..end].trim())?));
        rest = &after[end + 2..];
    }
    if rest.contains("}}") {
        return Err("a `}}` has no `{{` before it".to_owned());
    }
    if !rest.is_empty() {
        out.push(Ok(rest));
    }
    Ok(out)
}

fn placeholder(inside: &str) -> Result<Placeholder<'_>, String> {
    let (head, fallback) = match inside.split_once('|') {
        Some((head, fallback)) => (head.trim(), Some(fallback.trim())),
        None => (inside, None),
    };
    let (name, digits) = match head.split_once(':') {
        Some((name, "digits")) => (name.trim(), true),
        Some((_, format)) => return Err(format!("unknown format `{format}` (only `digits`)")),
        None => (head, false),
    };
    let valid = !name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | ' '));
    if !valid {
        return Err(format!("`{{{{{inside}}}}}` is not a tag name"));
    }
    Ok(Placeholder { name, digits, fallback })
}

/// The tag names a template uses, or what is malformed in it.
pub fn placeholders(template: &str) -> Result<Vec<&str>, String> {
    Ok(pieces(template)?.into_iter().filter_map(|piece| piece.err().map(|placeholder| placeholder.name)).collect())
}

/// Fills a (checked) template with the contact's tags and phone number.
pub fn render(template: &str, tags: &Value, phone: &str) -> String {
    let Ok(pieces) = pieces(template) else {
        // Unchecked text: say it as written rather than nothing.
        return template.to_owned();
    };
    let mut out = String::with_capacity(template.len() + 16);
    for piece in pieces {
        match piece {
            Ok(text) => out.push_str(text),
            Err(placeholder) => {
                let value = if placeholder.name == "phone" {
                    Some(phone.to_owned())
                } else {
                    match tags.get(placeholder.name) {
                        Some(Value::String(text)) => Some(text.trim().to_owned()),
                        Some(Value::Number(number)) => Some(number.to_string()),
                        Some(Value::Bool(flag)) => Some(flag.to_string()),
                        _ => None,
                    }
                };
                let value = value.filter(|value| !value.is_empty());
                match (value, placeholder.fallback) {
                    (Some(value), _) if placeholder.digits => push_digits(&mut out, &value),
                    (Some(value), _) => out.push_str(&value),
                    (None, Some(fallback)) => out.push_str(fallback),
                    (None, None) => {}
                }
            }
        }
    }
    out
}

/// "+1 555-0100" → "1 5 5 5 0 1 0 0": a speech engine reads each digit.
fn push_digits(out: &mut String, value: &str) {
    let mut first = true;
    for digit in value.chars().filter(char::is_ascii_alphanumeric) {
        if !first {
            out.push(' ');
        }
        out.push(digit);
        first = false;
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn tags_fallbacks_digits_and_phone_are_filled() {
        let tags = json!({"first_name": "Ada", "amount": 42.5, "empty": " ", "account": "12-34"});
        let said = render(
            "Hi {{first_name}}, you owe {{ amount }} on {{account:digits}}; {{empty|friend}} {{missing|there}} {{missing}}at {{phone}}.",
            &tags,
            "+15550100",
        );
        assert_eq!(said, "Hi Ada, you owe 42.5 on 1 2 3 4; friend there at +15550100.");
    }

    #[test]
    fn malformed_templates_are_refused_with_a_reason() {
        assert!(placeholders("Hello {{name").unwrap_err().contains("never closed"));
        assert!(placeholders("Hello name}}").unwrap_err().contains("no `{{`"));
        assert!(placeholders("Hello {{}}").unwrap_err().contains("not a tag name"));
        assert!(placeholders("{{x:upper}}").unwrap_err().contains("unknown format"));
        assert_eq!(placeholders("{{a}} and {{b|c}} {{d:digits}}").unwrap(), vec!["a", "b", "d"]);
        assert_eq!(placeholders("plain text").unwrap(), Vec::<&str>::new());
    }
}
