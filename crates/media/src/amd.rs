//! Answering-machine detection from the first seconds of received audio.
//!
//! The heuristic every PBX uses (Asterisk's `app_amd` is the well-known
//! one): people answer with a short word ("Hello?") and then wait;
//! machines either wait silently or talk long — a greeting of many words.
//! The detector classifies 20 ms frames as voice or silence by energy and
//! decides on: a long initial silence, a long greeting, too many words, or a
//! pause after a short greeting. Pure and allocation-free.

use serde::{Deserialize, Serialize};

/// The tunables, all in milliseconds except the threshold and word count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AmdConfig {
    /// Silence before anyone speaks longer than this: a machine (or a
    /// person who does not talk first — rare on an answered call).
    pub initial_silence_ms: u32,
    /// Talking longer than this without pause: a machine's greeting.
    pub greeting_ms: u32,
    /// Silence after a short greeting this long: a person waiting for us.
    pub after_greeting_silence_ms: u32,
    /// Voice shorter than this is noise, not a word.
    pub min_word_ms: u32,
    /// Silence longer than this ends a word.
    pub between_words_silence_ms: u32,
    /// More words than this before a pause: a machine.
    pub max_words: u32,
    /// Give up (not sure) after this much audio.
    pub total_analysis_ms: u32,
    /// RMS level (16-bit) above which a frame is voice.
    pub silence_threshold: u32,
}

impl Default for AmdConfig {
    fn default() -> Self {
        AmdConfig {
            initial_silence_ms: 2500,
            greeting_ms: 1500,
            after_greeting_silence_ms: 800,
            min_word_ms: 100,
            between_words_silence_ms: 50,
            max_words: 3,
            total_analysis_ms: 5000,
            silence_threshold: 256,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AmdVerdict {
    Human,
    Machine,
    NotSure,
}

/// Why the detector decided as it did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AmdReason {
    InitialSilence,
    LongGreeting,
    TooManyWords,
    SilenceAfterGreeting,
    AnalysisTimeout,
}

#[derive(Debug, Clone)]
pub struct AnsweringMachineDetector {
    config: AmdConfig,
    elapsed_ms: u32,
    /// Current run of voice or silence.
    in_voice: bool,
    run_ms: u32,
    /// Voice so far in the current greeting (words plus short gaps).
    greeting_ms: u32,
    words: u32,
    heard_voice: bool,
    decision: Option<(AmdVerdict, AmdReason)>,
}

impl AnsweringMachineDetector {
    pub fn new(config: AmdConfig) -> AnsweringMachineDetector {
        AnsweringMachineDetector {
            config,
            elapsed_ms: 0,
            in_voice: false,
            run_ms: 0,
            greeting_ms: 0,
            words: 0,
            heard_voice: false,
            decision: None,
        }
    }

    pub fn decision(&self) -> Option<(AmdVerdict, AmdReason)> {
        self.decision
    }

    /// Feeds one packet's samples (normally 20 ms); returns the decision
    /// once there is one.
    pub fn push_frame(&mut self, samples: &[i16]) -> Option<(AmdVerdict, AmdReason)> {
        if self.decision.is_some() {
            return self.decision;
        }
        // 8 samples per millisecond; a 20 ms frame is the usual packet.
        let frame_ms = (samples.len() as u32 / 8).max(1);
        self.elapsed_ms += frame_ms;
        let energy: f64 = samples.iter().map(|&sample| f64::from(sample).powi(2)).sum();
        let rms = (energy / samples.len().max(1) as f64).sqrt();
        let voice = rms > f64::from(self.config.silence_threshold);

        if voice == self.in_voice {
            self.run_ms += frame_ms;
        } else {
            // A run ended.
            if self.in_voice && self.run_ms >= self.config.min_word_ms {
                self.words += 1;
            }
            self.in_voice = voice;
            self.run_ms = frame_ms;
        }
        if voice {
            self.heard_voice = true;
            self.greeting_ms += frame_ms;
        }

        let config = self.config;
        self.decision = if !self.heard_voice && self.elapsed_ms >= config.initial_silence_ms {
            Some((AmdVerdict::Machine, AmdReason::InitialSilence))
        } else if self.greeting_ms > config.greeting_ms {
            Some((AmdVerdict::Machine, AmdReason::LongGreeting))
        } else if self.words + u32::from(voice && self.run_ms >= config.min_word_ms) > config.max_words {
            Some((AmdVerdict::Machine, AmdReason::TooManyWords))
        } else if self.heard_voice && !voice && self.run_ms >= config.after_greeting_silence_ms {
            Some((AmdVerdict::Human, AmdReason::SilenceAfterGreeting))
        } else if self.elapsed_ms >= config.total_analysis_ms {
            Some((AmdVerdict::NotSure, AmdReason::AnalysisTimeout))
        } else {
            None
        };
        self.decision
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(pattern: &[(bool, u32)]) -> Vec<[i16; 160]> {
        let mut out = Vec::new();
        for &(voice, millis) in pattern {
            for index in 0..millis / 20 {
                let mut frame = [0i16; 160];
                if voice {
                    for (sample_index, sample) in frame.iter_mut().enumerate() {
                        let t = (index as usize * 160 + sample_index) as f32 / 8000.0;
                        *sample = ((t * 300.0 * std::f32::consts::TAU).sin() * 4000.0) as i16;
                    }
                }
                out.push(frame);
            }
        }
        out
    }

    fn run(pattern: &[(bool, u32)]) -> Option<(AmdVerdict, AmdReason)> {
        let mut detector = AnsweringMachineDetector::new(AmdConfig::default());
        for frame in frames(pattern) {
            if let Some(decision) = detector.push_frame(&frame) {
                return Some(decision);
            }
        }
        None
    }

    #[test]
    fn hello_then_waiting_is_a_person() {
        assert_eq!(
            run(&[(false, 300), (true, 500), (false, 1500)]),
            Some((AmdVerdict::Human, AmdReason::SilenceAfterGreeting))
        );
    }

    #[test]
    fn a_long_greeting_is_a_machine() {
        assert_eq!(run(&[(false, 200), (true, 2000)]), Some((AmdVerdict::Machine, AmdReason::LongGreeting)));
    }

    #[test]
    fn many_short_words_are_a_machine() {
        let mut pattern = vec![(false, 200)];
        for _ in 0..5 {
            pattern.push((true, 200));
            pattern.push((false, 100));
        }
        assert_eq!(run(&pattern), Some((AmdVerdict::Machine, AmdReason::TooManyWords)));
    }

    #[test]
    fn long_initial_silence_is_a_machine() {
        assert_eq!(run(&[(false, 3000)]), Some((AmdVerdict::Machine, AmdReason::InitialSilence)));
    }
}
