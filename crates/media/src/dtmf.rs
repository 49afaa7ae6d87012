//! In-band DTMF detection (ITU-T Q.23/Q.24 tone pairs) with the Goertzel
//! algorithm, for carriers that send keypresses as audio rather than RFC 4733
//! events. Pure and allocation-free: feed it 8 kHz samples as they arrive.

/// Row (low group) and column (high group) frequencies, Q.23.
const ROWS: [f32; 4] = [697.0, 770.0, 852.0, 941.0];
const COLUMNS: [f32; 4] = [1209.0, 1336.0, 1477.0, 1633.0];
const KEYS: [[char; 4]; 4] = [['1', '2', '3', 'A'], ['4', '5', '6', 'B'], ['7', '8', '9', 'C'], ['*', '0', '#', 'D']];

/// Samples per analysis block: 205 at 8 kHz puts every DTMF frequency near
/// a Goertzel bin centre (the classic choice).
const BLOCK: usize = 205;
/// Q.24: a digit lasts at least 40 ms; two consecutive blocks (≈ 51 ms)
/// must agree before it counts.
const BLOCKS_TO_CONFIRM: u8 = 2;
/// Minimum block energy (sum of squares, 16-bit samples) to consider a tone.
const MIN_ENERGY: f32 = 205.0 * 400.0 * 400.0;
/// The two tones must carry this share of the block's energy.
const MIN_TONE_SHARE: f32 = 0.6;
/// Q.24 twist: the tones' levels may differ by at most about 8 dB.
const MAX_TWIST: f32 = 6.3;
/// Each tone must beat the others of its group by 6 dB.
const MIN_GROUP_MARGIN: f32 = 4.0;

#[derive(Debug, Clone)]
pub struct InbandDtmfDetector {
    coefficients: [f32; 8],
    block: [f32; BLOCK],
    filled: usize,
    /// The digit seen in the last block(s), and for how many blocks.
    candidate: Option<char>,
    candidate_blocks: u8,
    /// The digit reported and not yet released (no repeat until a gap).
    held: Option<char>,
}

impl Default for InbandDtmfDetector {
    fn default() -> Self {
        let mut coefficients = [0.0; 8];
        for (slot, frequency) in coefficients.iter_mut().zip(ROWS.iter().chain(COLUMNS.iter())) {
            let bin = (BLOCK as f32 * frequency / 8000.0).round();
            *slot = 2.0 * (2.0 * std::f32::consts::PI * bin / BLOCK as f32).cos();
        }
        InbandDtmfDetector {
            coefficients,
            block: [0.0; BLOCK],
            filled: 0,
            candidate: None,
            candidate_blocks: 0,
            held: None,
        }
    }
}

impl InbandDtmfDetector {
    /// Feeds samples; calls `on_digit` once per keypress, when it is
    /// confirmed.
    pub fn push(&mut self, samples: &[i16], mut on_digit: impl FnMut(char)) {
        for &sample in samples {
            self.block[self.filled] = f32::from(sample);
            self.filled += 1;
            if self.filled == BLOCK {
                self.filled = 0;
                let digit = self.analyse_block();
                if let Some(digit) = self.debounce(digit) {
                    on_digit(digit);
                }
            }
        }
    }

    fn debounce(&mut self, digit: Option<char>) -> Option<char> {
        if digit == self.candidate {
            self.candidate_blocks = self.candidate_blocks.saturating_add(1);
        } else {
            self.candidate = digit;
            self.candidate_blocks = 1;
        }
        match self.candidate {
            None => {
                self.held = None;
                None
            }
            Some(digit) if self.candidate_blocks >= BLOCKS_TO_CONFIRM && self.held != Some(digit) => {
                self.held = Some(digit);
                Some(digit)
            }
            Some(_) => None,
        }
    }

    fn analyse_block(&self) -> Option<char> {
        let energy: f32 = self.block.iter().map(|sample| sample * sample).sum();
        if energy < MIN_ENERGY {
            return None;
        }
        let mut powers = [0.0f32; 8];
        for (power, coefficient) in powers.iter_mut().zip(self.coefficients) {
            // Goertzel: one second-order IIR per frequency.
            let (mut previous, mut before_previous) = (0.0f32, 0.0f32);
            for &sample in &self.block {
                let current = sample + coefficient * previous - before_previous;
                before_previous = previous;
                previous = current;
            }
            *power = previous * previous + before_previous * before_previous - coefficient * previous * before_previous;
        }
        let (row, row_power) = strongest(&powers[..4])?;
        let (column, column_power) = strongest(&powers[4..])?;
        // Goertzel power relates to block energy by N/2 for a pure tone.
        let tone_energy = (row_power + column_power) * 2.0 / BLOCK as f32;
        if tone_energy < MIN_TONE_SHARE * energy {
            return None;
        }
        let twist = row_power.max(column_power) / row_power.min(column_power).max(f32::MIN_POSITIVE);
        if twist > MAX_TWIST {
            return None;
        }
        Some(KEYS[row][column])
    }
}

/// The strongest of a group, if it clearly beats the others.
fn strongest(powers: &[f32]) -> Option<(usize, f32)> {
    let (index, &best) = powers.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1))?;
    let margin_ok = powers.iter().enumerate().all(|(other, &power)| other == index || best >= MIN_GROUP_MARGIN * power);
    margin_ok.then_some((index, best))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(digit: char, millis: usize, amplitude: f32) -> Vec<i16> {
        let (row, column) = KEYS
            .iter()
            .enumerate()
            .find_map(|(row, keys)| keys.iter().position(|&key| key == digit).map(|column| (row, column)))
            .unwrap();
        (0..millis * 8)
            .map(|index| {
                let t = index as f32 / 8000.0;
                let value = (2.0 * std::f32::consts::PI * ROWS[row] * t).sin()
                    + (2.0 * std::f32::consts::PI * COLUMNS[column] * t).sin();
                (value * amplitude) as i16
            })
            .collect()
    }

    fn detect(samples: &[i16]) -> String {
        let mut detector = InbandDtmfDetector::default();
        let mut digits = String::new();
        // Feed in 20 ms packets, as the media loop does.
        for chunk in samples.chunks(160) {
            detector.push(chunk, |digit| digits.push(digit));
        }
        digits
    }

    #[test]
    fn every_key_is_recognised_once_per_press() {
        let mut samples = Vec::new();
        for digit in "0123456789*#ABCD".chars() {
            samples.extend(tone(digit, 80, 6000.0));
            samples.extend(std::iter::repeat_n(0i16, 8 * 60));
        }
        assert_eq!(detect(&samples), "0123456789*#ABCD");
    }

    #[test]
    fn repeated_presses_of_one_key_count_separately() {
        let mut samples = tone('5', 100, 6000.0);
        samples.extend(std::iter::repeat_n(0i16, 8 * 60));
        samples.extend(tone('5', 100, 6000.0));
        assert_eq!(detect(&samples), "55");
    }

    #[test]
    fn speech_like_and_quiet_signals_are_ignored() {
        // A single tone (no pair), a too-short pair, and faint noise.
        let single: Vec<i16> = (0..8000)
            .map(|index| ((index as f32 * 697.0 * std::f32::consts::TAU / 8000.0).sin() * 8000.0) as i16)
            .collect();
        assert_eq!(detect(&single), "");
        assert_eq!(detect(&tone('7', 20, 6000.0)), "");
        assert_eq!(detect(&tone('7', 200, 20.0)), "");
    }
}
