//! Reading a script from JSON and checking it, with each problem tied to
//! its place (`steps[2].branches.1[0].prompt_id`) so an editor can show it
//! beside the field.

use serde_json::Value;

use crate::model::{OnMachine, Script, Step};
use crate::template::placeholders;

/// One problem in a script, at a JSON path relative to the script's body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub path: String,
    pub message: String,
}

fn error(path: impl Into<String>, message: impl Into<String>) -> FieldError {
    FieldError { path: path.into(), message: message.into() }
}

/// Steps in a script at most (every list, every branch).
pub const MAX_STEPS: usize = 200;
/// Menus inside menus at most.
pub const MAX_DEPTH: usize = 5;
/// The longest pause.
pub const MAX_PAUSE_MS: u32 = 30_000;
/// The longest `say` text, in characters.
pub const MAX_TEXT: usize = 2_000;

/// Reads a script. Each step is read on its own, so that every step that
/// cannot be read is reported (at its path, in plain words), not only the
/// first.
pub fn parse(body: &Value) -> Result<Script, Vec<FieldError>> {
    let Some(object) = body.as_object() else {
        return Err(vec![error("", "a script is a JSON object with its steps")]);
    };
    let mut errors = Vec::new();
    // The script without its step lists, then each step.
    let mut head = object.clone();
    let lists: Vec<(&str, Value)> =
        ["steps", "voicemail"].into_iter().filter_map(|key| head.remove(key).map(|value| (key, value))).collect();
    head.insert("steps".to_owned(), Value::Array(Vec::new()));
    let mut script: Script = match decode("", &Value::Object(head)) {
        Ok(script) => script,
        Err(problem) => {
            errors.push(problem);
            Script { voice: None, on_machine: Default::default(), voicemail: Vec::new(), steps: Vec::new() }
        }
    };
    if !lists.iter().any(|(key, _)| *key == "steps") {
        errors.push(error("steps", "is required: the steps a person hears"));
    }
    for (key, value) in lists {
        let Some(items) = value.as_array() else {
            errors.push(error(key, "must be a list of steps"));
            continue;
        };
        let mut steps = Vec::with_capacity(items.len());
        for (index, item) in items.iter().enumerate() {
            let at = format!("{key}[{index}]");
            let shape = step_shape(&at, item);
            if !shape.is_empty() {
                errors.extend(shape);
                continue;
            }
            match decode(&at, item) {
                Ok(step) => steps.push(step),
                Err(problem) => errors.push(problem),
            }
        }
        match key {
            "steps" => script.steps = steps,
            _ => script.voicemail = steps,
        }
    }
    if errors.is_empty() { Ok(script) } else { Err(errors) }
}

/// Decodes `value` (found at `at`), turning serde's wording into a
/// problem at the exact field.
fn decode<T: serde::de::DeserializeOwned>(at: &str, value: &Value) -> Result<T, FieldError> {
    serde_path_to_error::deserialize(value).map_err(|failure| {
        let inner = failure.path().to_string();
        let mut path = match (at, inner.as_str()) {
            (at, ".") => at.to_owned(),
            ("", inner) => inner.to_owned(),
            (at, inner) if inner.starts_with('[') => format!("{at}{inner}"),
            (at, inner) => format!("{at}.{inner}"),
        };
        let raw = failure.into_inner().to_string();
        let at_field = |path: &str, field: &str| match path {
            "" => field.to_owned(),
            path if path == field || path.ends_with(&format!(".{field}")) => path.to_owned(),
            path => format!("{path}.{field}"),
        };
        let message = if let Some(field) = between(&raw, "missing field `", "`") {
            path = at_field(&path, field);
            "is required".to_owned()
        } else if let Some(field) = between(&raw, "unknown field `", "`") {
            path = at_field(&path, field);
            "is not a known field".to_owned()
        } else if raw.starts_with("invalid type: null") {
            "is required".to_owned()
        } else if raw.starts_with("invalid type") || raw.starts_with("invalid value") {
            match raw.rsplit_once(", expected ") {
                Some((_, expected)) => format!("must be {}", plain(expected)),
                None => raw,
            }
        } else {
            raw
        };
        error(path, message)
    })
}

/// What is wrong with a step's shape — its type, its fields, their JSON
/// types — each at its own path, nested menus included. (serde reads a
/// tagged step as a whole and would name only the step, and only the first
/// problem.)
fn step_shape(at: &str, step: &Value) -> Vec<FieldError> {
    let Some(object) = step.as_object() else {
        return vec![error(at, "a step is an object with a type")];
    };
    let kind = object.get("type").and_then(Value::as_str).unwrap_or_default();
    let (allowed, required): (&[&str], &[&str]) = match kind {
        "play" => (&["prompt_id"], &["prompt_id"]),
        "say" => (&["text"], &["text"]),
        "pause" => (&["ms"], &["ms"]),
        "gather" => (
            &["name", "prompt", "max_digits", "timeout_secs", "attempts", "finish_on_key", "branches", "otherwise"],
            &["name"],
        ),
        "opt_out" | "hangup" => (&[], &[]),
        "" => return vec![error(format!("{at}.type"), "is required: play, say, pause, gather, opt_out or hangup")],
        other => {
            let message = format!("{other:?} is not a step type: play, say, pause, gather, opt_out or hangup");
            return vec![error(format!("{at}.type"), message)];
        }
    };
    let mut problems = Vec::new();
    for field in required {
        if object.get(*field).is_none_or(Value::is_null) {
            problems.push(error(format!("{at}.{field}"), "is required"));
        }
    }
    for (field, value) in object.iter().filter(|(field, _)| *field != "type") {
        let path = format!("{at}.{field}");
        if !allowed.contains(&field.as_str()) {
            problems.push(error(path, "is not a known field"));
            continue;
        }
        let whole = |max: u64| value.as_u64().is_some_and(|number| number <= max);
        let problem = match field.as_str() {
            "prompt_id" if !value.is_null() && !value.is_i64() => Some("must be a prompt's id"),
            "ms" | "timeout_secs" if !value.is_null() && !whole(u64::from(u32::MAX)) => Some("must be a whole number"),
            "max_digits" | "attempts" if !whole(255) => Some("must be a whole number"),
            "text" | "name" if !value.is_null() && !value.is_string() => Some("must be text"),
            "finish_on_key" if !value.is_null() && value.as_str().is_none_or(|key| key.chars().count() != 1) => {
                Some("must be one key: 0-9, * or #")
            }
            "prompt" | "otherwise" => match value.as_array() {
                Some(steps) => {
                    for (index, nested) in steps.iter().enumerate() {
                        problems.extend(step_shape(&format!("{path}[{index}]"), nested));
                    }
                    None
                }
                None => Some("must be a list of steps"),
            },
            "branches" => match value.as_object() {
                Some(branches) => {
                    for (keys, steps) in branches {
                        match steps.as_array() {
                            Some(steps) => {
                                for (index, nested) in steps.iter().enumerate() {
                                    problems.extend(step_shape(&format!("{path}.{keys}[{index}]"), nested));
                                }
                            }
                            None => problems.push(error(format!("{path}.{keys}"), "must be a list of steps")),
                        }
                    }
                    None
                }
                None => Some("must be an object of keys and their steps, e.g. {\"1\": [...]}"),
            },
            _ => None,
        };
        if let Some(problem) = problem {
            problems.push(error(path, problem));
        }
    }
    problems
}

fn between<'a>(text: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let rest = text.split_once(start)?.1;
    Some(rest.split_once(end)?.0)
}

/// serde's name of an expected type, as a manager reads it.
fn plain(expected: &str) -> String {
    match expected {
        "i64" | "u32" | "u8" | "u64" | "i32" => "a whole number".to_owned(),
        "a string" | "a character" | "a sequence" | "a map" => expected.to_owned(),
        other if other.starts_with("u8") || other.starts_with("u32") => "a whole number".to_owned(),
        other => other.to_owned(),
    }
}

/// Everything wrong with a script; empty when it may be played.
/// `prompt_exists` says whether a prompt id names an uploaded prompt.
pub fn check(script: &Script, prompt_exists: &dyn Fn(i64) -> bool) -> Vec<FieldError> {
    let mut checker = Checker { prompt_exists, errors: Vec::new(), steps: 0 };
    if script.steps.is_empty() {
        checker.errors.push(error("steps", "a script needs at least one step"));
    }
    if let Some(voice) = &script.voice
        && (voice.is_empty() || voice.len() > 64 || !voice.chars().all(|c| c.is_ascii_graphic()))
    {
        checker.errors.push(error("voice", "a voice is a name such as en-us"));
    }
    checker.list("steps", &script.steps, 0, Context::Call);
    match script.on_machine {
        OnMachine::LeaveMessage if script.voicemail.is_empty() => {
            checker.errors.push(error("voicemail", "leave_message needs the voicemail steps to play after the beep"));
        }
        _ => checker.list("voicemail", &script.voicemail, 0, Context::Voicemail),
    }
    if checker.steps > MAX_STEPS {
        checker.errors.push(error("steps", format!("a script has at most {MAX_STEPS} steps ({} here)", checker.steps)));
    }
    checker.errors
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Context {
    Call,
    /// A menu's prompt: audio only.
    MenuPrompt,
    /// A voicemail: nobody presses keys.
    Voicemail,
}

struct Checker<'a> {
    prompt_exists: &'a dyn Fn(i64) -> bool,
    errors: Vec<FieldError>,
    steps: usize,
}

impl Checker<'_> {
    fn list(&mut self, path: &str, steps: &[Step], depth: usize, context: Context) {
        for (index, step) in steps.iter().enumerate() {
            self.step(&format!("{path}[{index}]"), step, depth, context);
        }
    }

    fn step(&mut self, path: &str, step: &Step, depth: usize, context: Context) {
        self.steps += 1;
        match step {
            Step::Play { prompt_id } => {
                if !(self.prompt_exists)(*prompt_id) {
                    self.errors.push(error(format!("{path}.prompt_id"), format!("no prompt {prompt_id}")));
                }
            }
            Step::Say { text } => {
                if text.trim().is_empty() {
                    self.errors.push(error(format!("{path}.text"), "say what? the text is empty"));
                } else if text.chars().count() > MAX_TEXT {
                    self.errors.push(error(format!("{path}.text"), format!("at most {MAX_TEXT} characters")));
                } else if let Err(problem) = placeholders(text) {
                    self.errors.push(error(format!("{path}.text"), problem));
                }
            }
            Step::Pause { ms } => {
                if *ms == 0 || *ms > MAX_PAUSE_MS {
                    self.errors.push(error(format!("{path}.ms"), format!("a pause lasts 1 to {MAX_PAUSE_MS} ms")));
                }
            }
            Step::OptOut | Step::Hangup if context == Context::MenuPrompt => {
                self.errors.push(error(path, "a menu's prompt holds only play, say and pause steps"));
            }
            Step::OptOut | Step::Hangup => {}
            Step::Gather { .. } if context != Context::Call => {
                let why = match context {
                    Context::Voicemail => "nobody presses keys on a voicemail",
                    _ => "a menu's prompt holds only play, say and pause steps",
                };
                self.errors.push(error(path, why));
            }
            Step::Gather { name, prompt, max_digits, timeout_secs, attempts, finish_on_key, branches, otherwise } => {
                if name.is_empty()
                    || name.len() > 64
                    || !name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
                {
                    self.errors.push(error(
                        format!("{path}.name"),
                        "a name of lowercase letters, digits and _ (the answer is kept under it)",
                    ));
                }
                if !(1..=20).contains(max_digits) {
                    self.errors.push(error(format!("{path}.max_digits"), "1 to 20 keys"));
                }
                if !(1..=60).contains(timeout_secs) {
                    self.errors.push(error(format!("{path}.timeout_secs"), "1 to 60 seconds"));
                }
                if !(1..=5).contains(attempts) {
                    self.errors.push(error(format!("{path}.attempts"), "1 to 5 attempts"));
                }
                if let Some(key) = finish_on_key
                    && !is_key(*key)
                {
                    self.errors.push(error(format!("{path}.finish_on_key"), "a key: 0-9, * or #"));
                }
                if depth + 1 >= MAX_DEPTH {
                    self.errors.push(error(path, format!("menus nest at most {MAX_DEPTH} deep")));
                    return;
                }
                self.list(&format!("{path}.prompt"), prompt, depth + 1, Context::MenuPrompt);
                for (keys, steps) in branches {
                    let keys_ok = !keys.is_empty()
                        && keys.chars().count() <= usize::from(*max_digits)
                        && keys.chars().all(is_key)
                        && finish_on_key.is_none_or(|finish| !keys.contains(finish));
                    if !keys_ok {
                        self.errors.push(error(
                            format!("{path}.branches.{keys}"),
                            format!("a branch is 1 to {max_digits} keys (0-9, *, #), without the finishing key"),
                        ));
                    }
                    self.list(&format!("{path}.branches.{keys}"), steps, depth + 1, Context::Call);
                }
                self.list(&format!("{path}.otherwise"), otherwise, depth + 1, Context::Call);
            }
        }
    }
}

fn is_key(key: char) -> bool {
    key.is_ascii_digit() || key == '*' || key == '#'
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn problems(body: Value) -> Vec<(String, String)> {
        let script = parse(&body).expect("parses");
        check(&script, &|id| id == 7).into_iter().map(|problem| (problem.path, problem.message)).collect()
    }

    #[test]
    fn a_good_script_passes() {
        let body = json!({
            "on_machine": "leave_message",
            "voicemail": [{"type": "say", "text": "Please call us back, {{first_name|}}."}],
            "steps": [
                {"type": "play", "prompt_id": 7},
                {"type": "gather", "name": "confirm", "prompt": [{"type": "say", "text": "Press 1."}],
                 "branches": {"1": [{"type": "say", "text": "Thanks"}], "9": [{"type": "opt_out"}, {"type": "hangup"}]},
                 "otherwise": [{"type": "pause", "ms": 300}]}
            ]
        });
        assert_eq!(problems(body), Vec::<(String, String)>::new());
    }

    #[test]
    fn every_problem_is_reported_at_its_place() {
        let body = json!({
            "on_machine": "leave_message",
            "voice": "",
            "steps": [
                {"type": "play", "prompt_id": 8},
                {"type": "say", "text": "  "},
                {"type": "say", "text": "Hi {{name"},
                {"type": "pause", "ms": 0},
                {"type": "gather", "name": "Bad Name", "max_digits": 2, "timeout_secs": 0, "attempts": 9,
                 "finish_on_key": "x",
                 "prompt": [{"type": "hangup"}],
                 "branches": {"123": [{"type": "play", "prompt_id": 1}], "1": []}}
            ]
        });
        let paths: Vec<String> = problems(body).into_iter().map(|(path, _)| path).collect();
        assert_eq!(
            paths,
            [
                "voice",
                "steps[0].prompt_id",
                "steps[1].text",
                "steps[2].text",
                "steps[3].ms",
                "steps[4].name",
                "steps[4].timeout_secs",
                "steps[4].attempts",
                "steps[4].finish_on_key",
                "steps[4].prompt[0]",
                "steps[4].branches.123",
                "steps[4].branches.123[0].prompt_id",
                "voicemail",
            ]
        );
    }

    #[test]
    fn voicemails_take_no_keys_and_scripts_need_steps() {
        let body = json!({
            "on_machine": "hangup",
            "voicemail": [{"type": "gather", "name": "x"}],
            "steps": []
        });
        let found = problems(body);
        assert_eq!(found[0].0, "steps");
        assert_eq!(found[1], ("voicemail[0]".to_owned(), "nobody presses keys on a voicemail".to_owned()));
    }

    #[test]
    fn menus_nest_only_so_deep() {
        let mut steps = json!([{"type": "say", "text": "bottom"}]);
        for _ in 0..6 {
            steps = json!([{"type": "gather", "name": "m", "branches": {"1": steps}}]);
        }
        let found = problems(json!({"steps": steps}));
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].1.contains("nest"), "{found:?}");
    }

    fn refusals(body: Value) -> Vec<(String, String)> {
        parse(&body).unwrap_err().into_iter().map(|problem| (problem.path, problem.message)).collect()
    }

    #[test]
    fn every_step_that_cannot_be_read_is_reported_in_plain_words() {
        let found = refusals(json!({"steps": [
            {"type": "play", "prompt_id": 1},
            {"type": "sing"},
            {"type": "play", "prompt_id": null},
            {"type": "pause"},
            {"type": "say", "text": "hi", "voice": "x"},
            {"type": "pause", "ms": "long"},
        ], "voicemail": [{"type": "hangup", "now": true}]}));
        let paths: Vec<&str> = found.iter().map(|(path, _)| path.as_str()).collect();
        assert_eq!(
            paths,
            ["steps[1].type", "steps[2].prompt_id", "steps[3].ms", "steps[4].voice", "steps[5].ms", "voicemail[0].now"],
            "{found:?}"
        );
        assert!(found[0].1.contains("sing"), "{found:?}");
        assert_eq!(found[1].1, "is required");
        assert_eq!(found[2].1, "is required");
        assert_eq!(found[3].1, "is not a known field");
        assert_eq!(found[4].1, "must be a whole number", "{found:?}");
        // Inside menus too, every problem at its place.
        let found = refusals(json!({"steps": [{"type": "gather", "name": "m", "max_digits": -1,
            "prompt": [{"type": "say"}], "branches": {"1": [{"type": "play", "prompt_id": "x"}], "2": 7}}]}));
        let paths: Vec<&str> = found.iter().map(|(path, _)| path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "steps[0].branches.1[0].prompt_id",
                "steps[0].branches.2",
                "steps[0].max_digits",
                "steps[0].prompt[0].text"
            ],
            "{found:?}"
        );
    }

    #[test]
    fn the_scripts_own_fields_are_read_too() {
        assert_eq!(refusals(json!({"steps": [], "on_machine": "shout"}))[0].0, "on_machine");
        assert_eq!(
            refusals(json!({"stepz": []})),
            [
                ("stepz".to_owned(), "is not a known field".to_owned()),
                ("steps".to_owned(), "is required: the steps a person hears".to_owned())
            ]
        );
        assert_eq!(refusals(json!({"steps": 3}))[0], ("steps".to_owned(), "must be a list of steps".to_owned()));
        assert_eq!(refusals(json!([]))[0].0, "");
    }
}
