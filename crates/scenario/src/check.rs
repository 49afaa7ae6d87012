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

/// Reads a script; `Err` is the first thing JSON decoding refused, at its path.
pub fn parse(body: &Value) -> Result<Script, FieldError> {
    serde_path_to_error::deserialize(body).map_err(|failure| {
        let path = failure.path().to_string();
        let path = if path == "." { String::new() } else { path };
        error(path, failure.into_inner().to_string())
    })
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

    #[test]
    fn decoding_errors_name_their_place() {
        let refused = parse(&json!({"steps": [{"type": "play", "prompt_id": 1}, {"type": "sing"}]})).unwrap_err();
        assert!(refused.path.starts_with("steps[1]"), "{refused:?}");
        assert!(refused.message.contains("sing"), "{refused:?}");
        let refused = parse(&json!({"steps": [], "on_machine": "shout"})).unwrap_err();
        assert_eq!(refused.path, "on_machine");
        let refused = parse(&json!({"stepz": []})).unwrap_err();
        assert!(refused.message.contains("stepz"), "{refused:?}");
    }
}
