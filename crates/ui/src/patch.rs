//! Request bodies applied field by field onto a resource's current values:
//! one code path for create (onto defaults) and `PATCH` (onto what is
//! stored). Each field is checked as it is applied; every problem is
//! reported at once, under its field's name; keys nobody asked for are
//! reported as unknown.

use std::borrow::Cow;
use std::marker::PhantomData;

use chrono::{DateTime, Utc};
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde_json::{Map, Value};

use crate::error::{AppError, FieldErrors, Result};
use crate::input::JsonBody;

/// The schema of a `PATCH` body made of `T`'s fields: any of them, none
/// required, with no defaults (a field left out keeps its value). Named
/// `UpdateX` for a `CreateX`, else as `T` is.
pub(crate) struct Changes<T>(PhantomData<T>);

impl<T: JsonSchema> JsonSchema for Changes<T> {
    fn schema_name() -> Cow<'static, str> {
        let name = T::schema_name();
        match name.strip_prefix("Create") {
            Some(rest) => format!("Update{rest}").into(),
            None => name,
        }
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let mut schema = T::json_schema(generator);
        schema.remove("required");
        schema.insert("description".into(), "Any of these fields; those left out keep their values.".into());
        if let Some(properties) = schema.get_mut("properties").and_then(Value::as_object_mut) {
            for property in properties.values_mut().filter_map(Value::as_object_mut) {
                property.remove("default");
            }
        }
        schema
    }
}

pub(crate) struct Patch {
    map: Map<String, Value>,
    pub(crate) errors: FieldErrors,
}

impl Patch {
    pub(crate) fn from_body(body: &JsonBody) -> Result<Patch> {
        match body.parse::<Value>()? {
            Value::Object(map) => Ok(Patch { map, errors: FieldErrors::default() }),
            _ => Err(AppError::invalid("request body must be a JSON object")),
        }
    }

    /// A `PATCH` body: as [`Patch::from_body`], but one that changes
    /// nothing is refused.
    pub(crate) fn changes(body: &JsonBody) -> Result<Patch> {
        let patch = Patch::from_body(body)?;
        if patch.is_empty() {
            return Err(AppError::invalid("nothing to change"));
        }
        Ok(patch)
    }

    /// A `PATCH` of `{name?, strategy?}` onto the current pair (trunk groups,
    /// caller-ID pools): the new name and strategy.
    pub(crate) fn name_and_strategy(
        body: &JsonBody,
        current: (String, String),
        strategies: &[&str],
    ) -> Result<(String, String)> {
        let mut patch = Patch::changes(body)?;
        let (mut name, mut strategy) = current;
        patch.string("name", &mut name, 200);
        patch.choice("strategy", &mut strategy, strategies);
        patch.finish()?;
        Ok((name, strategy))
    }

    /// Reports each of `keys` missing from the body (creation).
    pub(crate) fn require(&mut self, keys: &[&str]) {
        for key in keys {
            if self.map.get(*key).is_none_or(Value::is_null) {
                self.errors.add(key, "is required");
            }
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    fn take(&mut self, key: &str) -> Option<Value> {
        self.map.remove(key)
    }

    /// A non-empty string of at most `max` characters (trimmed).
    pub(crate) fn string(&mut self, key: &str, target: &mut String, max: usize) {
        match self.take(key) {
            None => {}
            Some(Value::String(text)) => {
                let text = text.trim();
                if text.is_empty() {
                    self.errors.add(key, "must not be empty");
                } else if text.chars().count() > max {
                    self.errors.add(key, format!("must be at most {max} characters"));
                } else {
                    *target = text.to_owned();
                }
            }
            Some(_) => self.errors.add(key, "must be a string"),
        }
    }

    /// A string, or `null` / `""` for none.
    pub(crate) fn optional_string(&mut self, key: &str, target: &mut Option<String>, max: usize) {
        match self.take(key) {
            None => {}
            Some(Value::Null) => *target = None,
            Some(Value::String(text)) => {
                let text = text.trim();
                if text.chars().count() > max {
                    self.errors.add(key, format!("must be at most {max} characters"));
                } else {
                    *target = (!text.is_empty()).then(|| text.to_owned());
                }
            }
            Some(_) => self.errors.add(key, "must be a string or null"),
        }
    }

    /// One of `allowed`.
    pub(crate) fn choice(&mut self, key: &str, target: &mut String, allowed: &[&str]) {
        match self.take(key) {
            None => {}
            Some(Value::String(text)) if allowed.contains(&text.as_str()) => *target = text,
            Some(_) => self.errors.add(key, format!("must be one of {}", allowed.join(", "))),
        }
    }

    pub(crate) fn integer(&mut self, key: &str, target: &mut i32, min: i32, max: i32) {
        let mut value = Some(*target);
        self.optional_integer_inner(key, &mut value, min, max, false);
        if let Some(value) = value {
            *target = value;
        }
    }

    /// An integer in `min..=max`, or `null` for none.
    pub(crate) fn optional_integer(&mut self, key: &str, target: &mut Option<i32>, min: i32, max: i32) {
        self.optional_integer_inner(key, target, min, max, true);
    }

    fn optional_integer_inner(&mut self, key: &str, target: &mut Option<i32>, min: i32, max: i32, nullable: bool) {
        match self.take(key) {
            None => {}
            Some(Value::Null) if nullable => *target = None,
            Some(value) => match value.as_i64().and_then(|number| i32::try_from(number).ok()) {
                Some(number) if (min..=max).contains(&number) => *target = Some(number),
                _ => self.errors.add(key, format!("must be a whole number from {min} to {max}")),
            },
        }
    }

    pub(crate) fn number(&mut self, key: &str, target: &mut f64, min_exclusive: f64, max: f64) {
        let mut value = Some(*target);
        self.optional_number_inner(key, &mut value, min_exclusive, max, false);
        if let Some(value) = value {
            *target = value;
        }
    }

    pub(crate) fn optional_number(&mut self, key: &str, target: &mut Option<f64>, min_exclusive: f64, max: f64) {
        self.optional_number_inner(key, target, min_exclusive, max, true);
    }

    fn optional_number_inner(&mut self, key: &str, target: &mut Option<f64>, low: f64, max: f64, nullable: bool) {
        match self.take(key) {
            None => {}
            Some(Value::Null) if nullable => *target = None,
            Some(value) => match value.as_f64() {
                Some(number) if number > low && number <= max => *target = Some(number),
                _ => self.errors.add(key, format!("must be a number above {low} and at most {max}")),
            },
        }
    }

    pub(crate) fn boolean(&mut self, key: &str, target: &mut bool) {
        match self.take(key) {
            None => {}
            Some(Value::Bool(value)) => *target = value,
            Some(_) => self.errors.add(key, "must be true or false"),
        }
    }

    /// A positive id, or `null`.
    pub(crate) fn optional_id(&mut self, key: &str, target: &mut Option<i64>) {
        match self.take(key) {
            None => {}
            Some(Value::Null) => *target = None,
            Some(value) => match value.as_i64() {
                Some(id) if id > 0 => *target = Some(id),
                _ => self.errors.add(key, "must be an id (a positive whole number) or null"),
            },
        }
    }

    /// A JSON object, checked by `check` (which says what is wrong).
    pub(crate) fn object(
        &mut self,
        key: &str,
        target: &mut Value,
        check: impl FnOnce(&Value) -> std::result::Result<(), String>,
    ) {
        match self.take(key) {
            None => {}
            Some(value @ Value::Object(_)) => match check(&value) {
                Ok(()) => *target = value,
                Err(message) => self.errors.add(key, message),
            },
            Some(_) => self.errors.add(key, "must be a JSON object"),
        }
    }

    /// A field set when the resource was made that no change may touch:
    /// reported (with `why`) if sent.
    pub(crate) fn fixed(&mut self, key: &str, why: &str) {
        if self.take(key).is_some() {
            self.errors.add(key, why);
        }
    }

    /// An RFC 3339 instant, or `null`.
    pub(crate) fn optional_instant(&mut self, key: &str, target: &mut Option<DateTime<Utc>>) {
        match self.take(key) {
            None => {}
            Some(Value::Null) => *target = None,
            Some(Value::String(text)) => match DateTime::parse_from_rfc3339(&text) {
                Ok(instant) => *target = Some(instant.with_timezone(&Utc)),
                Err(_) => self.errors.add(key, "must be an RFC 3339 date and time, e.g. 2026-12-01T09:00:00Z"),
            },
            Some(_) => self.errors.add(key, "must be an RFC 3339 date and time or null"),
        }
    }

    /// Everything left was not asked for: report it, then fail if anything
    /// was wrong.
    pub(crate) fn finish(mut self) -> Result<()> {
        for key in std::mem::take(&mut self.map).keys() {
            self.errors.add(key, "is not a known field");
        }
        self.errors.check()
    }
}
