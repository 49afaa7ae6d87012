//! The script as managers write it (JSON, stored on the `call_scripts` row).

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A call script: its steps, and what to do when a machine answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Script {
    /// Text-to-speech voice for `say` steps (an espeak-ng voice such as
    /// `en-us`, or the HTTP engine's voice); `None`: the node's default.
    #[serde(default)]
    pub voice: Option<String>,
    /// What to do when answering-machine detection says a machine answered.
    #[serde(default)]
    pub on_machine: OnMachine,
    /// Played after the machine's beep when `on_machine` is `leave_message`.
    #[serde(default)]
    pub voicemail: Vec<Step>,
    /// What an answering person hears, in order; the call ends after the last.
    pub steps: Vec<Step>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum OnMachine {
    /// Play the steps as to a person (no waiting for detection).
    #[default]
    Continue,
    /// Hang up as soon as a machine is detected.
    Hangup,
    /// Wait for the machine's beep, then play `voicemail` and hang up.
    LeaveMessage,
}

/// One step of a script.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Step {
    /// Play an uploaded prompt.
    Play { prompt_id: i64 },
    /// Speak text; `{{tag}}` takes the contact's tag (`{{tag|fallback}}`,
    /// `{{tag:digits}}` to read a number digit by digit, `{{phone}}`).
    Say { text: String },
    /// Silence.
    Pause { ms: u32 },
    /// Play `prompt` and collect keypresses (the first key interrupts the
    /// prompt). The digits are kept on the attempt under `name`; with
    /// `branches`, the matching branch runs next; without, any input is
    /// accepted. No input or no matching branch replays the prompt, up to
    /// `attempts` times, then runs `otherwise`.
    Gather {
        name: String,
        #[serde(default)]
        prompt: Vec<Step>,
        #[serde(default = "one")]
        max_digits: u8,
        /// Waiting after the prompt, and between keys.
        #[serde(default = "five")]
        timeout_secs: u32,
        #[serde(default = "two")]
        attempts: u8,
        /// A key that ends the input early (not kept), e.g. `#`.
        #[serde(default)]
        finish_on_key: Option<char>,
        #[serde(default)]
        branches: BTreeMap<String, Vec<Step>>,
        #[serde(default)]
        otherwise: Vec<Step>,
    },
    /// Put the number on the global opt-out blacklist.
    OptOut,
    /// End the call now.
    Hangup,
}

impl Script {
    /// The prompts the script plays, nested menus and voicemail included.
    pub fn prompt_ids(&self) -> Vec<i64> {
        fn collect(steps: &[Step], into: &mut Vec<i64>) {
            for step in steps {
                match step {
                    Step::Play { prompt_id } => into.push(*prompt_id),
                    Step::Gather { prompt, branches, otherwise, .. } => {
                        collect(prompt, into);
                        branches.values().for_each(|steps| collect(steps, into));
                        collect(otherwise, into);
                    }
                    Step::Say { .. } | Step::Pause { .. } | Step::OptOut | Step::Hangup => {}
                }
            }
        }
        let mut ids = Vec::new();
        collect(&self.steps, &mut ids);
        collect(&self.voicemail, &mut ids);
        ids.sort_unstable();
        ids.dedup();
        ids
    }
}

fn one() -> u8 {
    1
}

fn two() -> u8 {
    2
}

fn five() -> u32 {
    5
}
