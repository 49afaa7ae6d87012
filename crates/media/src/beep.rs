//! Voicemail beep detection, for calls that answering-machine detection
//! called a machine: the call script waits for the beep, then leaves its
//! message after it rather than over the greeting.
//!
//! A beep is one steady tone. Each 20 ms frame is asked three questions: is
//! it loud enough, where is its dominant frequency (counted from zero
//! crossings), and does almost all of its energy sit at that frequency (a
//! Goertzel filter tuned to it)? Frames that pass and agree on the frequency
//! make up a tone; one that lasts long enough is the beep. Speech fails the
//! purity test (its energy is spread over harmonics) and the stability test
//! (its pitch moves); noise fails both. Pure and allocation-free: it runs in
//! the media loop, one call per received packet.

use serde::{Deserialize, Serialize};

/// Samples per second of the linear audio this detector hears.
const SAMPLE_RATE_HZ: f32 = 8000.0;
const SAMPLES_PER_MS: u32 = 8;
/// Half-width of the dead band around zero, as a share of the frame's RMS:
/// a crossing counts only once the signal has swung past it, so line noise
/// riding on a tone near zero does not add crossings.
const HYSTERESIS_OF_RMS: f32 = 0.25;

/// The tunables. Answering-machine beeps are 400–2000 Hz (often 1000 Hz or
/// 1400 Hz) and last 100 ms to 1 s; some play two tones in sequence, and
/// either one lasting `min_ms` is the beep.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BeepConfig {
    /// A steady tone lasting this long is the beep.
    pub min_ms: u32,
    /// RMS level (16-bit) below which a frame is too quiet to be a beep.
    pub min_level: u32,
    /// Lowest dominant frequency that can be a beep.
    pub min_freq_hz: u32,
    /// Highest dominant frequency that can be a beep.
    pub max_freq_hz: u32,
    /// Share of a frame's energy, in percent, that must sit at its dominant
    /// frequency. A clean tone scores 95–100 (about 90 at 10 dB SNR); voiced
    /// speech stays below 80.
    pub min_purity_percent: u32,
    /// How far, in percent, a frame's frequency may be from the tone's first
    /// frame and still continue it.
    pub max_drift_percent: u32,
}

impl Default for BeepConfig {
    fn default() -> Self {
        BeepConfig {
            min_ms: 120,
            min_level: 500,
            min_freq_hz: 300,
            max_freq_hz: 3000,
            min_purity_percent: 85,
            max_drift_percent: 3,
        }
    }
}

#[derive(Debug, Clone)]
pub struct BeepDetector {
    config: BeepConfig,
    /// Frequency of the first frame of the tone now sounding, if any: later
    /// frames are held to it, so a slow glide cannot pass as one tone.
    tone_hz: Option<f32>,
    /// How long that tone has sounded, in samples.
    tone_samples: u32,
    heard: bool,
}

impl BeepDetector {
    pub fn new(config: BeepConfig) -> BeepDetector {
        BeepDetector { config, tone_hz: None, tone_samples: 0, heard: false }
    }

    /// Whether the beep has been heard.
    pub fn heard(&self) -> bool {
        self.heard
    }

    /// Feeds one packet's 8 kHz samples (normally 160, at most 480 for a
    /// 60 ms packet); returns true on the frame where the beep has lasted
    /// `min_ms`, and never again.
    pub fn push_frame(&mut self, samples: &[i16]) -> bool {
        if self.heard || samples.is_empty() {
            return false;
        }
        let Some(frequency) = single_tone_hz(samples, &self.config) else {
            self.tone_hz = None;
            self.tone_samples = 0;
            return false;
        };
        let frame_samples = samples.len() as u32;
        match self.tone_hz {
            Some(tone) if (frequency - tone).abs() * 100.0 <= self.config.max_drift_percent as f32 * tone => {
                self.tone_samples = self.tone_samples.saturating_add(frame_samples);
            }
            // Silence or another tone before: this frame starts a tone (the
            // second of a two-tone beep starts afresh).
            _ => {
                self.tone_hz = Some(frequency);
                self.tone_samples = frame_samples;
            }
        }
        self.heard = self.tone_samples >= self.config.min_ms.saturating_mul(SAMPLES_PER_MS);
        self.heard
    }
}

/// The frame's frequency if it is one loud, pure tone in the configured range.
fn single_tone_hz(samples: &[i16], config: &BeepConfig) -> Option<f32> {
    let count = samples.len() as f32;
    // Measured around the mean, so a DC offset on the line changes nothing.
    let mean = samples.iter().map(|&sample| i64::from(sample)).sum::<i64>() as f32 / count;
    let energy: f32 = samples.iter().map(|&sample| (f32::from(sample) - mean).powi(2)).sum();
    let min_level = config.min_level as f32;
    if energy < min_level * min_level * count {
        return None;
    }
    let rms = (energy / count).sqrt();
    let frequency = zero_crossing_hz(samples, mean, HYSTERESIS_OF_RMS * rms)?;
    if frequency < config.min_freq_hz as f32 || frequency > config.max_freq_hz as f32 {
        return None;
    }
    // Goertzel power relates to frame energy by N/2 for a pure tone.
    let tone_energy = goertzel_power(samples, mean, frequency) * 2.0 / count;
    if tone_energy * 100.0 < config.min_purity_percent as f32 * energy {
        return None;
    }
    Some(frequency)
}

/// The frequency implied by the zero crossings: half-periods counted between
/// the first and last crossing, each crossing placed by linear interpolation
/// between the samples either side of it. `None` below one full period.
fn zero_crossing_hz(samples: &[i16], mean: f32, hysteresis: f32) -> Option<f32> {
    // +1 or -1 once the signal has left the dead band; 0 before.
    let mut polarity = 0i8;
    let mut previous = f32::from(samples[0]) - mean;
    let mut last_sign_change: Option<f32> = None;
    let mut first_crossing: Option<f32> = None;
    let mut last_crossing = 0.0f32;
    let mut crossings = 0u32;
    for (index, &sample) in samples.iter().enumerate().skip(1) {
        let value = f32::from(sample) - mean;
        if (previous < 0.0) != (value < 0.0) {
            last_sign_change = Some((index - 1) as f32 + previous / (previous - value));
        }
        previous = value;
        let side = if value > hysteresis {
            1
        } else if value < -hysteresis {
            -1
        } else {
            continue;
        };
        if side == polarity {
            continue;
        }
        // The swing that took it across the dead band crossed zero last at
        // the latest sign change.
        if polarity != 0
            && let Some(crossing) = last_sign_change
        {
            crossings += 1;
            first_crossing.get_or_insert(crossing);
            last_crossing = crossing;
        }
        polarity = side;
    }
    let span = last_crossing - first_crossing?;
    if crossings < 3 || span <= 0.0 {
        return None;
    }
    Some((crossings - 1) as f32 * SAMPLE_RATE_HZ / (2.0 * span))
}

/// Goertzel: the power of the frame at one frequency (any frequency, not only
/// a DFT bin), with one second-order IIR.
fn goertzel_power(samples: &[i16], mean: f32, frequency: f32) -> f32 {
    let coefficient = 2.0 * (std::f32::consts::TAU * frequency / SAMPLE_RATE_HZ).cos();
    let (mut previous, mut before_previous) = (0.0f32, 0.0f32);
    for &sample in samples {
        let current = (f32::from(sample) - mean) + coefficient * previous - before_previous;
        before_previous = previous;
        previous = current;
    }
    previous * previous + before_previous * before_previous - coefficient * previous * before_previous
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prompt::Prompt;

    const FRAME: usize = 160;

    fn tone(frequency: f32, millis: usize, amplitude: f32) -> Vec<i16> {
        (0..millis * 8)
            .map(|index| {
                let t = index as f32 / SAMPLE_RATE_HZ;
                ((std::f32::consts::TAU * frequency * t).sin() * amplitude) as i16
            })
            .collect()
    }

    fn silence(millis: usize) -> Vec<i16> {
        vec![0; millis * 8]
    }

    fn fixture(name: &str) -> Vec<i16> {
        let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
        let bytes = std::fs::read(&path).unwrap_or_else(|error| panic!("{path}: {error}"));
        Prompt::decode(bytes, Some("wav")).unwrap().samples().to_vec()
    }

    /// The index of the frame on which the detector reports the beep, if it
    /// does; also checks that it reports it only once.
    fn beep_frame(samples: &[i16], frame_len: usize) -> Option<usize> {
        let mut detector = BeepDetector::new(BeepConfig::default());
        let mut found = None;
        for (index, frame) in samples.chunks(frame_len).enumerate() {
            if detector.push_frame(frame) {
                assert_eq!(found, None, "the beep was reported twice");
                found = Some(index);
            }
        }
        assert_eq!(detector.heard(), found.is_some());
        found
    }

    #[test]
    fn pure_tones_trigger_within_min_ms_and_one_frame() {
        let min_ms = BeepConfig::default().min_ms as usize;
        for frequency in [440.0, 1000.0, 1400.0, 2000.0] {
            // Aligned with the frames, and starting mid-frame.
            for lead_samples in [0, 77] {
                let mut samples = vec![0; lead_samples];
                samples.extend(tone(frequency, 500, 8000.0));
                let frame = beep_frame(&samples, FRAME).unwrap_or_else(|| panic!("{frequency} Hz not heard"));
                let heard_at = (frame + 1) * FRAME;
                assert!(
                    heard_at <= lead_samples + (min_ms * 8) + FRAME,
                    "{frequency} Hz heard only at sample {heard_at}"
                );
                assert!(heard_at >= lead_samples + min_ms * 8, "{frequency} Hz heard too early, at {heard_at}");
            }
        }
    }

    #[test]
    fn packets_of_10_and_60_ms_are_timed_by_their_length() {
        let samples = tone(1000.0, 500, 8000.0);
        assert_eq!(beep_frame(&samples, 80), Some(11));
        assert_eq!(beep_frame(&samples, 480), Some(1));
    }

    #[test]
    fn a_60_ms_blip_does_not_trigger() {
        let mut samples = silence(200);
        samples.extend(tone(1000.0, 60, 8000.0));
        samples.extend(silence(500));
        assert_eq!(beep_frame(&samples, FRAME), None);
    }

    #[test]
    fn silence_does_not_trigger() {
        assert_eq!(beep_frame(&silence(3000), FRAME), None);
    }

    /// Uniform white noise within ±`amplitude` (RMS `amplitude / √3`), from
    /// Numerical Recipes' LCG so every run hears the same noise.
    fn noise(millis: usize, amplitude: i32) -> Vec<i16> {
        let mut state = 12345u32;
        (0..millis * 8)
            .map(|_| {
                state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                let unit = i32::from((state >> 16) as u16 as i16);
                (unit * amplitude / 32768) as i16
            })
            .collect()
    }

    #[test]
    fn white_noise_does_not_trigger() {
        assert_eq!(beep_frame(&noise(3000, 16000), FRAME), None);
    }

    #[test]
    fn a_tone_in_line_noise_still_triggers() {
        // 10 dB SNR: tone RMS 5657, noise RMS 1789. Without the dead band
        // around zero, the noise adds crossings and 440 Hz goes unheard.
        for frequency in [440.0, 1000.0, 2000.0] {
            let samples: Vec<i16> = tone(frequency, 500, 8000.0)
                .iter()
                .zip(noise(500, 3099))
                .map(|(&tone, noise)| tone.saturating_add(noise))
                .collect();
            assert!(beep_frame(&samples, FRAME).is_some(), "{frequency} Hz in noise not heard");
        }
    }

    #[test]
    fn a_tone_below_min_level_does_not_trigger() {
        // Amplitude 600 is RMS 424, under the default 500.
        assert_eq!(beep_frame(&tone(1000.0, 1000, 600.0), FRAME), None);
        assert!(beep_frame(&tone(1000.0, 1000, 800.0), FRAME).is_some());
    }

    #[test]
    fn two_tones_in_sequence_trigger_on_the_one_long_enough() {
        let mut samples = tone(1400.0, 80, 8000.0);
        samples.extend(tone(2000.0, 300, 8000.0));
        let frame = beep_frame(&samples, FRAME).unwrap();
        // Not before the second tone has lasted min_ms on its own.
        assert!((frame + 1) * FRAME >= (80 + 120) * 8, "heard at frame {frame}");

        // Two short tones are not one long one.
        let mut samples = tone(1400.0, 80, 8000.0);
        samples.extend(tone(2000.0, 80, 8000.0));
        samples.extend(silence(200));
        assert_eq!(beep_frame(&samples, FRAME), None);
    }

    #[test]
    fn speech_like_harmonics_with_varying_pitch_do_not_trigger() {
        // A voiced sound: the harmonics of a pitch gliding 120 → 220 → 120 Hz
        // over two seconds, shaped by formants near 700 and 1200 Hz.
        let total = 2000 * 8;
        let mut phase = 0.0f32;
        let samples: Vec<i16> = (0..total)
            .map(|index| {
                let progress = index as f32 / total as f32;
                let pitch = 120.0 + 100.0 * (std::f32::consts::PI * progress).sin();
                phase += std::f32::consts::TAU * pitch / SAMPLE_RATE_HZ;
                let mut value = 0.0;
                for harmonic in 1..=20 {
                    let frequency = pitch * harmonic as f32;
                    if frequency > 3400.0 {
                        break;
                    }
                    let formant = |centre: f32, width: f32| 1.0 / (1.0 + ((frequency - centre) / width).powi(2));
                    let gain = formant(700.0, 150.0) + 0.5 * formant(1200.0, 200.0) + 0.05;
                    value += gain * (phase * harmonic as f32).sin();
                }
                (value * 3000.0) as i16
            })
            .collect();
        assert_eq!(beep_frame(&samples, FRAME), None);
    }

    #[test]
    fn recorded_greeting_and_hello_do_not_trigger() {
        assert_eq!(beep_frame(&fixture("voicemail_greeting.wav"), FRAME), None);
        assert_eq!(beep_frame(&fixture("hello_live.wav"), FRAME), None);
    }

    #[test]
    fn a_beep_after_the_recorded_greeting_triggers_after_it() {
        let greeting = fixture("voicemail_greeting.wav");
        let mut samples = greeting.clone();
        samples.extend(tone(1000.0, 400, 8000.0));
        let frame = beep_frame(&samples, FRAME).unwrap();
        assert!(frame * FRAME >= greeting.len(), "heard at frame {frame}, greeting ends at sample {}", greeting.len());
    }

    #[test]
    fn the_greeting_then_beep_fixture_triggers_in_its_beep() {
        let greeting_len = fixture("voicemail_greeting.wav").len();
        let frame = beep_frame(&fixture("greeting_then_beep.wav"), FRAME).unwrap();
        // 300 ms of silence, then the beep; heard within min_ms and a frame.
        let beep_start = greeting_len + 300 * 8;
        assert!((frame + 1) * FRAME >= beep_start + 120 * 8, "heard at frame {frame}");
        assert!((frame + 1) * FRAME <= beep_start + 120 * 8 + FRAME, "heard at frame {frame}");
    }
}
