//! The interpreter: a script compiled into a flat program, and a run of it
//! driven by call events (audio finished, a key, a timer, the machine
//! detector's verdict, a beep) that answers with effects (play this, stop,
//! set a timer, opt out, hang up). Pure: the Talker does the IO, tests drive
//! it with a list of events.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::model::{OnMachine, Script, Step};

/// A piece of audio a program plays. The Talker prepares each one (the
/// prompt's frames, the spoken text for this contact, the silence) before
/// dialing, in the order of [`Program::audio`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Audio {
    Prompt(i64),
    /// A `say` template, rendered with the contact's tags.
    Say(String),
    Pause(u32),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Op {
    Play(usize),
    Gather(Box<Menu>),
    OptOut,
    Hangup,
    Jump(usize),
    /// The end of the steps (or of the voicemail): hang up.
    End,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Menu {
    name: String,
    prompt: Vec<usize>,
    max_digits: usize,
    timeout: Duration,
    attempts: u8,
    finish_on_key: Option<char>,
    /// Keys → where their branch starts.
    branches: Vec<(String, usize)>,
    otherwise: usize,
    /// The op after the menu.
    after: usize,
}

/// A script compiled for running: ops with jumps instead of nesting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Program {
    ops: Vec<Op>,
    audio: Vec<Audio>,
    on_machine: OnMachine,
    voicemail: Option<usize>,
    voice: Option<String>,
}

/// A menu waiting for its branches to be laid out.
struct Pending<'s> {
    at: usize,
    branches: Vec<(&'s String, &'s [Step])>,
    otherwise: &'s [Step],
}

impl Program {
    /// Compiles a (checked) script.
    pub fn compile(script: &Script) -> Program {
        let mut program = Program {
            ops: Vec::new(),
            audio: Vec::new(),
            on_machine: script.on_machine,
            voicemail: None,
            voice: script.voice.clone(),
        };
        let mut pending = Vec::new();
        program.emit(&script.steps, None, &mut pending);
        if script.on_machine == OnMachine::LeaveMessage {
            program.voicemail = Some(program.emit(&script.voicemail, None, &mut pending));
        }
        while let Some(menu) = pending.pop() {
            let after = menu.at + 1;
            let branches: Vec<(String, usize)> = menu
                .branches
                .into_iter()
                .map(|(keys, steps)| (keys.clone(), program.emit(steps, Some(after), &mut pending)))
                .collect();
            let otherwise = program.emit(menu.otherwise, Some(after), &mut pending);
            if let Op::Gather(compiled) = &mut program.ops[menu.at] {
                compiled.branches = branches;
                compiled.otherwise = otherwise;
            }
        }
        program
    }

    /// Lays out `steps` from the end of the ops; returns where they start.
    /// `then`: where to go after them (`None`: the call ends).
    fn emit<'s>(&mut self, steps: &'s [Step], then: Option<usize>, pending: &mut Vec<Pending<'s>>) -> usize {
        let entry = self.ops.len();
        for step in steps {
            let op = match step {
                Step::Play { .. } | Step::Say { .. } | Step::Pause { .. } => Op::Play(self.audio_of(step)),
                Step::OptOut => Op::OptOut,
                Step::Hangup => Op::Hangup,
                Step::Gather {
                    name,
                    prompt,
                    max_digits,
                    timeout_secs,
                    attempts,
                    finish_on_key,
                    branches,
                    otherwise,
                } => {
                    let prompt = prompt.iter().map(|step| self.audio_of(step)).collect();
                    pending.push(Pending {
                        at: self.ops.len(),
                        branches: branches.iter().map(|(keys, steps)| (keys, steps.as_slice())).collect(),
                        otherwise,
                    });
                    Op::Gather(Box::new(Menu {
                        name: name.clone(),
                        prompt,
                        max_digits: usize::from((*max_digits).max(1)),
                        timeout: Duration::from_secs(u64::from((*timeout_secs).max(1))),
                        attempts: (*attempts).max(1),
                        finish_on_key: *finish_on_key,
                        branches: Vec::new(),
                        otherwise: 0,
                        after: 0,
                    }))
                }
            };
            self.ops.push(op);
        }
        // A menu resumes at the op after it.
        for (at, op) in self.ops.iter_mut().enumerate().skip(entry) {
            if let Op::Gather(menu) = op {
                menu.after = at + 1;
            }
        }
        self.ops.push(then.map_or(Op::End, Op::Jump));
        entry
    }

    fn audio_of(&mut self, step: &Step) -> usize {
        let audio = match step {
            Step::Play { prompt_id } => Audio::Prompt(*prompt_id),
            Step::Say { text } => Audio::Say(text.clone()),
            Step::Pause { ms } => Audio::Pause(*ms),
            // A checked menu prompt holds only audio; anything else is quiet.
            _ => Audio::Pause(1),
        };
        self.audio.push(audio);
        self.audio.len() - 1
    }

    /// The audio the program may play, indexed by [`Effect::Play`].
    pub fn audio(&self) -> &[Audio] {
        &self.audio
    }

    pub fn voice(&self) -> Option<&str> {
        self.voice.as_deref()
    }

    /// Whether the run should hear the answering-machine detector's verdict
    /// before playing anything.
    pub fn wants_amd(&self) -> bool {
        self.on_machine != OnMachine::Continue
    }

    /// Whether the run needs the media to listen for a voicemail beep.
    pub fn wants_beep(&self) -> bool {
        self.on_machine == OnMachine::LeaveMessage
    }
}

/// What happened on the call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// The prompt last asked for has been played.
    AudioDone,
    Digit(char),
    /// The last timer set has fired.
    Timer,
    Human,
    Machine,
    Beep,
}

/// What the Talker is to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// Play this audio (replacing whatever plays), then report
    /// [`Event::AudioDone`].
    Play(usize),
    /// Stop the audio (silence).
    StopAudio,
    /// Report [`Event::Timer`] after this long (replacing any timer).
    Timer(Duration),
    ClearTimer,
    /// Put the number on the opt-out blacklist.
    OptOut,
    /// Hang up; the run is over.
    Hangup,
}

/// What a run did, for the attempt's record.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunSummary {
    /// Each menu's accepted keys, by its name.
    pub answers: BTreeMap<String, String>,
    pub opted_out: bool,
    /// A machine answered (the detector said so).
    pub machine: bool,
    /// The voicemail was played to its end after the beep.
    pub voicemail_left: bool,
    /// The script ran to its end or to a hang-up step.
    pub completed: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    AwaitingVerdict,
    Playing,
    MenuPrompt { item: usize },
    MenuInput,
    AwaitingBeep,
    Done,
}

/// How long a run waits for what the media may never report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Waits {
    /// For the machine detector's verdict before playing as to a person.
    pub verdict: Duration,
    /// For a voicemail's beep before leaving the message anyway.
    pub beep: Duration,
}

/// One call's way through a program.
#[derive(Debug)]
pub struct Run<'p> {
    program: &'p Program,
    waits: Waits,
    pc: usize,
    phase: Phase,
    digits: String,
    tries: u8,
    in_voicemail: bool,
    summary: RunSummary,
}

impl<'p> Run<'p> {
    /// Starts a run on an answered call. With `detecting` (the media runs
    /// the machine detector) a script that treats machines differently
    /// waits for the verdict (up to `waits.verdict`) before playing.
    pub fn start(program: &'p Program, detecting: bool, waits: Waits) -> (Run<'p>, Vec<Effect>) {
        let mut run = Run {
            program,
            waits,
            pc: 0,
            phase: Phase::Playing,
            digits: String::new(),
            tries: 0,
            in_voicemail: false,
            summary: RunSummary::default(),
        };
        let mut effects = Vec::new();
        if detecting && program.wants_amd() {
            run.phase = Phase::AwaitingVerdict;
            effects.push(Effect::Timer(waits.verdict));
        } else {
            run.advance(&mut effects);
        }
        (run, effects)
    }

    pub fn into_summary(self) -> RunSummary {
        self.summary
    }

    /// Feeds one event; returns what to do.
    pub fn on(&mut self, event: Event) -> Vec<Effect> {
        let mut effects = Vec::new();
        match (self.phase, event) {
            (Phase::Done, _) => {}
            (_, Event::Machine) => self.on_machine(&mut effects),
            (Phase::AwaitingVerdict, Event::Human | Event::Timer) => {
                effects.push(Effect::ClearTimer);
                self.advance(&mut effects);
            }
            (Phase::AwaitingBeep, Event::Beep | Event::Timer) => {
                effects.push(Effect::ClearTimer);
                self.in_voicemail = true;
                self.pc = self.program.voicemail.unwrap_or(self.pc);
                self.advance(&mut effects);
            }
            (Phase::Playing, Event::AudioDone) => {
                self.pc += 1;
                self.advance(&mut effects);
            }
            (Phase::MenuPrompt { item }, Event::AudioDone) => {
                let menu = self.menu();
                match menu.prompt.get(item + 1) {
                    Some(&audio) => {
                        self.phase = Phase::MenuPrompt { item: item + 1 };
                        effects.push(Effect::Play(audio));
                    }
                    None => {
                        self.phase = Phase::MenuInput;
                        effects.push(Effect::Timer(menu.timeout));
                    }
                }
            }
            (Phase::MenuPrompt { .. }, Event::Digit(key)) => {
                // The first key interrupts the menu's prompt.
                effects.push(Effect::StopAudio);
                self.phase = Phase::MenuInput;
                self.key(key, &mut effects);
            }
            (Phase::MenuInput, Event::Digit(key)) => self.key(key, &mut effects),
            (Phase::MenuInput, Event::Timer) => self.input_over(&mut effects),
            // Keys outside a menu, a late verdict, a stray timer: nothing to do.
            _ => {}
        }
        effects
    }

    fn on_machine(&mut self, effects: &mut Vec<Effect>) {
        if self.summary.machine {
            return;
        }
        self.summary.machine = true;
        match self.program.on_machine {
            OnMachine::Continue => {
                if self.phase == Phase::AwaitingVerdict {
                    effects.push(Effect::ClearTimer);
                    self.advance(effects);
                }
            }
            OnMachine::Hangup => {
                effects.extend([Effect::ClearTimer, Effect::Hangup]);
                self.phase = Phase::Done;
            }
            OnMachine::LeaveMessage => {
                effects.extend([Effect::StopAudio, Effect::Timer(self.waits.beep)]);
                self.phase = Phase::AwaitingBeep;
            }
        }
    }

    fn menu(&self) -> &'p Menu {
        match &self.program.ops[self.pc] {
            Op::Gather(menu) => menu,
            op => unreachable!("a menu phase at a {op:?}"),
        }
    }

    /// Runs ops from `pc` until one waits for an event.
    fn advance(&mut self, effects: &mut Vec<Effect>) {
        // A tree compiles to forward jumps only; the bound is a guard.
        for _ in 0..=self.program.ops.len() {
            match &self.program.ops[self.pc] {
                Op::Play(audio) => {
                    self.phase = Phase::Playing;
                    effects.push(Effect::Play(*audio));
                    return;
                }
                Op::OptOut => {
                    self.summary.opted_out = true;
                    effects.push(Effect::OptOut);
                    self.pc += 1;
                }
                Op::Jump(target) => self.pc = *target,
                Op::Gather(_) => {
                    self.tries = 0;
                    self.open_menu(effects);
                    return;
                }
                Op::Hangup | Op::End => {
                    self.summary.completed = true;
                    self.summary.voicemail_left = self.in_voicemail;
                    self.phase = Phase::Done;
                    effects.push(Effect::Hangup);
                    return;
                }
            }
        }
        self.phase = Phase::Done;
        effects.push(Effect::Hangup);
    }

    fn open_menu(&mut self, effects: &mut Vec<Effect>) {
        self.digits.clear();
        let menu = self.menu();
        match menu.prompt.first() {
            Some(&audio) => {
                self.phase = Phase::MenuPrompt { item: 0 };
                effects.push(Effect::Play(audio));
            }
            None => {
                self.phase = Phase::MenuInput;
                effects.push(Effect::Timer(menu.timeout));
            }
        }
    }

    fn key(&mut self, key: char, effects: &mut Vec<Effect>) {
        let menu = self.menu();
        if menu.finish_on_key == Some(key) {
            return self.input_over(effects);
        }
        self.digits.push(key);
        if self.digits.chars().count() >= menu.max_digits {
            self.input_over(effects);
        } else {
            // Wait for the next key as long again.
            effects.push(Effect::Timer(menu.timeout));
        }
    }

    /// The menu's input is complete (or timed out): take its branch, or
    /// try again, or give up to `otherwise`.
    fn input_over(&mut self, effects: &mut Vec<Effect>) {
        effects.push(Effect::ClearTimer);
        let menu = self.menu();
        let next = if self.digits.is_empty() {
            None
        } else if menu.branches.is_empty() {
            Some(menu.after)
        } else {
            menu.branches.iter().find(|(keys, _)| *keys == self.digits).map(|&(_, start)| start)
        };
        match next {
            Some(start) => {
                self.summary.answers.insert(menu.name.clone(), std::mem::take(&mut self.digits));
                self.pc = start;
                self.advance(effects);
            }
            None => {
                self.tries += 1;
                if self.tries < menu.attempts {
                    self.open_menu(effects);
                } else {
                    self.pc = menu.otherwise;
                    self.advance(effects);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const WAITS: Waits = Waits { verdict: Duration::from_secs(5), beep: Duration::from_secs(20) };

    fn program(body: serde_json::Value) -> Program {
        let script = crate::parse(&body).expect("parses");
        assert_eq!(crate::check(&script, &|_| true), Vec::new());
        Program::compile(&script)
    }

    /// Feeds events in order; returns every effect, after the start's.
    fn drive(program: &Program, detecting: bool, events: &[Event]) -> (Vec<Effect>, RunSummary) {
        let (mut run, mut effects) = Run::start(program, detecting, WAITS);
        for &event in events {
            effects.extend(run.on(event));
        }
        (effects, run.into_summary())
    }

    fn menu_script() -> Program {
        program(json!({
            "steps": [
                {"type": "say", "text": "Hello {{name}}"},
                {"type": "gather", "name": "confirm", "timeout_secs": 4,
                 "prompt": [{"type": "say", "text": "Press 1 or 2, or 9 to stop."}, {"type": "pause", "ms": 200}],
                 "branches": {
                     "1": [{"type": "say", "text": "Confirmed"}],
                     "9": [{"type": "opt_out"}, {"type": "say", "text": "Removed"}, {"type": "hangup"}]
                 },
                 "otherwise": [{"type": "say", "text": "Goodbye"}]},
                {"type": "play", "prompt_id": 5}
            ]
        }))
    }

    #[test]
    fn audio_is_listed_in_script_order() {
        let audio = menu_script().audio().to_vec();
        assert_eq!(
            audio,
            [
                Audio::Say("Hello {{name}}".into()),
                Audio::Say("Press 1 or 2, or 9 to stop.".into()),
                Audio::Pause(200),
                Audio::Prompt(5),
                Audio::Say("Confirmed".into()),
                Audio::Say("Removed".into()),
                Audio::Say("Goodbye".into()),
            ]
        );
    }

    #[test]
    fn a_key_interrupts_the_menu_and_takes_its_branch_then_the_script_goes_on() {
        let program = menu_script();
        let (effects, summary) =
            drive(&program, false, &[Event::AudioDone, Event::Digit('1'), Event::AudioDone, Event::AudioDone]);
        assert_eq!(
            effects,
            [
                Effect::Play(0),
                Effect::Play(1),
                Effect::StopAudio,
                Effect::ClearTimer,
                Effect::Play(4),
                Effect::Play(3),
                Effect::Hangup
            ]
        );
        assert_eq!(summary.answers.get("confirm").map(String::as_str), Some("1"));
        assert!(summary.completed && !summary.opted_out);
    }

    #[test]
    fn opting_out_records_it_and_hangs_up() {
        let program = menu_script();
        let events = [Event::AudioDone, Event::AudioDone, Event::AudioDone, Event::Digit('9'), Event::AudioDone];
        let (effects, summary) = drive(&program, false, &events);
        assert_eq!(
            &effects[3..],
            [
                Effect::Timer(Duration::from_secs(4)),
                Effect::ClearTimer,
                Effect::OptOut,
                Effect::Play(5),
                Effect::Hangup
            ]
        );
        assert!(summary.opted_out && summary.completed);
        assert_eq!(summary.answers.get("confirm").map(String::as_str), Some("9"));
    }

    #[test]
    fn no_input_and_wrong_keys_replay_the_menu_then_go_otherwise() {
        let program = menu_script();
        // Greeting, menu prompt, pause, silence (timeout); menu again, a
        // wrong key; out of attempts: otherwise, then the prompt after.
        let events = [
            Event::AudioDone,
            Event::AudioDone,
            Event::AudioDone,
            Event::Timer,
            Event::Digit('7'),
            Event::AudioDone,
            Event::AudioDone,
        ];
        let (effects, summary) = drive(&program, false, &events);
        assert_eq!(
            effects,
            [
                Effect::Play(0),
                Effect::Play(1),
                Effect::Play(2),
                Effect::Timer(Duration::from_secs(4)),
                Effect::ClearTimer,
                Effect::Play(1),
                Effect::StopAudio,
                Effect::ClearTimer,
                Effect::Play(6),
                Effect::Play(3),
                Effect::Hangup,
            ]
        );
        assert!(summary.answers.is_empty(), "wrong keys are not an answer: {summary:?}");
        assert!(summary.completed);
    }

    #[test]
    fn free_input_collects_up_to_max_digits_or_the_finishing_key() {
        let program = program(json!({"steps": [
            {"type": "gather", "name": "pin", "max_digits": 4, "finish_on_key": "#", "timeout_secs": 3},
            {"type": "say", "text": "Thanks"}
        ]}));
        let (_, summary) = drive(&program, false, &[Event::Digit('4'), Event::Digit('2'), Event::Digit('#')]);
        assert_eq!(summary.answers.get("pin").map(String::as_str), Some("42"));
        let (effects, summary) =
            drive(&program, false, &[Event::Digit('1'), Event::Digit('2'), Event::Digit('3'), Event::Digit('4')]);
        assert_eq!(summary.answers.get("pin").map(String::as_str), Some("1234"));
        assert_eq!(effects.last(), Some(&Effect::Play(0)));
        // A pause after some keys ends the input too.
        let (_, summary) = drive(&program, false, &[Event::Digit('5'), Event::Timer]);
        assert_eq!(summary.answers.get("pin").map(String::as_str), Some("5"));
    }

    fn machine_script(on_machine: &str) -> Program {
        program(json!({
            "on_machine": on_machine,
            "voicemail": [{"type": "say", "text": "Please call us back"}],
            "steps": [{"type": "say", "text": "Hello"}]
        }))
    }

    #[test]
    fn a_script_that_cares_waits_for_the_verdict_then_plays_to_a_person() {
        let program = machine_script("hangup");
        let (effects, summary) = drive(&program, true, &[Event::Human, Event::AudioDone]);
        assert_eq!(effects, [Effect::Timer(WAITS.verdict), Effect::ClearTimer, Effect::Play(0), Effect::Hangup]);
        assert!(summary.completed && !summary.machine);
        // No verdict in time: treated as a person.
        let (effects, _) = drive(&program, true, &[Event::Timer]);
        assert_eq!(effects[2], Effect::Play(0));
        // Without detection nothing waits.
        let (effects, _) = drive(&program, false, &[]);
        assert_eq!(effects, [Effect::Play(0)]);
    }

    #[test]
    fn machines_are_hung_up_on_or_left_a_message_after_the_beep() {
        let (effects, summary) = drive(&machine_script("hangup"), true, &[Event::Machine]);
        assert_eq!(effects, [Effect::Timer(WAITS.verdict), Effect::ClearTimer, Effect::Hangup]);
        assert!(summary.machine && !summary.completed);

        let program = machine_script("leave_message");
        let (effects, summary) = drive(&program, true, &[Event::Machine, Event::Beep, Event::AudioDone]);
        assert_eq!(
            effects,
            [
                Effect::Timer(WAITS.verdict),
                Effect::StopAudio,
                Effect::Timer(WAITS.beep),
                Effect::ClearTimer,
                Effect::Play(1),
                Effect::Hangup
            ]
        );
        assert!(summary.machine && summary.voicemail_left && summary.completed);
        // A machine that never beeps still gets the message.
        let (effects, summary) = drive(&program, true, &[Event::Machine, Event::Timer, Event::AudioDone]);
        assert_eq!(effects[4], Effect::Play(1));
        assert!(summary.voicemail_left);
        // A late verdict mid-message interrupts the steps for the voicemail.
        let (effects, summary) = drive(&program, true, &[Event::Timer, Event::Machine, Event::Beep, Event::AudioDone]);
        assert_eq!(
            &effects[3..],
            [Effect::StopAudio, Effect::Timer(WAITS.beep), Effect::ClearTimer, Effect::Play(1), Effect::Hangup]
        );
        assert!(summary.voicemail_left);
    }

    #[test]
    fn continue_ignores_machines_and_keys_outside_menus_do_nothing() {
        let program = machine_script("continue");
        let (effects, summary) =
            drive(&program, true, &[Event::Machine, Event::Digit('5'), Event::Beep, Event::AudioDone]);
        assert_eq!(effects, [Effect::Play(0), Effect::Hangup]);
        assert!(summary.machine && summary.completed && !summary.voicemail_left);
    }

    #[test]
    fn nested_menus_return_to_their_parents_continuation() {
        let program = program(json!({"steps": [
            {"type": "gather", "name": "first", "branches": {
                "1": [{"type": "gather", "name": "second", "branches": {"2": [{"type": "say", "text": "deep"}]}}]
            }},
            {"type": "say", "text": "after"}
        ]}));
        let (effects, summary) =
            drive(&program, false, &[Event::Digit('1'), Event::Digit('2'), Event::AudioDone, Event::AudioDone]);
        let plays: Vec<&Audio> = effects
            .iter()
            .filter_map(|effect| match effect {
                Effect::Play(index) => Some(&program.audio()[*index]),
                _ => None,
            })
            .collect();
        assert_eq!(plays, [&Audio::Say("deep".into()), &Audio::Say("after".into())]);
        assert_eq!(effects.last(), Some(&Effect::Hangup));
        assert_eq!(summary.answers.len(), 2);
    }
}
