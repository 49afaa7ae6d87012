//! ITU-T G.711 µ-law (PCMU) and A-law (PCMA) companding.
//!
//! Encoding happens once per prompt (never per packet); decoding uses
//! 256-entry tables built at compile time.

/// RTP payload types of RFC 3551 §6 (static assignments).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum G711 {
    /// µ-law, payload type 0.
    Pcmu,
    /// A-law, payload type 8.
    Pcma,
}

impl G711 {
    pub const fn payload_type(self) -> u8 {
        match self {
            G711::Pcmu => 0,
            G711::Pcma => 8,
        }
    }

    pub const fn from_payload_type(payload_type: u8) -> Option<G711> {
        match payload_type {
            0 => Some(G711::Pcmu),
            8 => Some(G711::Pcma),
            _ => None,
        }
    }

    pub const fn encoding_name(self) -> &'static str {
        match self {
            G711::Pcmu => "PCMU",
            G711::Pcma => "PCMA",
        }
    }

    pub fn encode(self, sample: i16) -> u8 {
        match self {
            G711::Pcmu => linear_to_ulaw(sample),
            G711::Pcma => linear_to_alaw(sample),
        }
    }

    pub fn decode(self, byte: u8) -> i16 {
        match self {
            G711::Pcmu => ULAW_TO_LINEAR[usize::from(byte)],
            G711::Pcma => ALAW_TO_LINEAR[usize::from(byte)],
        }
    }
}

const ULAW_BIAS: i32 = 0x84;
const ULAW_CLIP: i32 = 32635;

/// G.711 µ-law encoder (the classic Sun reference algorithm).
pub fn linear_to_ulaw(sample: i16) -> u8 {
    let mut value = i32::from(sample);
    let sign = if value < 0 {
        value = -value;
        0x80
    } else {
        0
    };
    value = value.min(ULAW_CLIP) + ULAW_BIAS;
    let exponent = segment_of(value);
    let mantissa = (value >> (exponent + 3)) & 0x0f;
    !(sign | (exponent << 4) as u8 | mantissa as u8)
}

/// The segment (exponent) of a biased µ-law magnitude: the position of its
/// highest set bit above bit 7.
fn segment_of(biased: i32) -> i32 {
    let mut exponent = 7;
    let mut mask = 0x4000;
    while exponent > 0 && biased & mask == 0 {
        exponent -= 1;
        mask >>= 1;
    }
    exponent
}

/// G.711 A-law encoder.
pub fn linear_to_alaw(sample: i16) -> u8 {
    let mut value = i32::from(sample) >> 3; // A-law works on 13-bit magnitudes
    let sign = if value >= 0 {
        0xD5
    } else {
        value = -value - 1;
        0x55
    };
    const SEGMENT_END: [i32; 8] = [0x1F, 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF];
    let segment = SEGMENT_END.iter().position(|&end| value <= end).unwrap_or(8) as i32;
    if segment >= 8 {
        return (0x7F ^ sign) as u8;
    }
    let mut code = segment << 4;
    code |= if segment < 2 { (value >> 1) & 0x0F } else { (value >> segment) & 0x0F };
    (code ^ sign) as u8
}

const fn ulaw_to_linear(byte: u8) -> i16 {
    let byte = !byte;
    let sign = byte & 0x80;
    let exponent = ((byte >> 4) & 0x07) as i32;
    let mantissa = (byte & 0x0F) as i32;
    let magnitude = (((mantissa << 3) + ULAW_BIAS) << exponent) - ULAW_BIAS;
    if sign != 0 { -magnitude as i16 } else { magnitude as i16 }
}

const fn alaw_to_linear(byte: u8) -> i16 {
    let byte = byte ^ 0x55;
    let sign = byte & 0x80;
    let exponent = ((byte >> 4) & 0x07) as i32;
    let mantissa = (byte & 0x0F) as i32;
    let magnitude = if exponent == 0 { (mantissa << 4) + 8 } else { ((mantissa << 4) + 0x108) << (exponent - 1) };
    if sign != 0 { magnitude as i16 } else { -magnitude as i16 }
}

macro_rules! decode_table {
    ($decode:ident) => {{
        let mut table = [0i16; 256];
        let mut index = 0;
        while index < 256 {
            table[index] = $decode(index as u8);
            index += 1;
        }
        table
    }};
}

static ULAW_TO_LINEAR: [i16; 256] = decode_table!(ulaw_to_linear);
static ALAW_TO_LINEAR: [i16; 256] = decode_table!(alaw_to_linear);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_code_points() {
        // Silence encodes to the well-known idle patterns.
        assert_eq!(linear_to_ulaw(0), 0xFF);
        assert_eq!(linear_to_alaw(0), 0xD5);
        assert_eq!(linear_to_ulaw(i16::MAX), 0x80);
        assert_eq!(linear_to_ulaw(i16::MIN), 0x00);
        assert_eq!(G711::Pcmu.decode(0xFF), 0);
    }

    #[test]
    fn round_trip_error_is_within_the_segment_step() {
        for codec in [G711::Pcmu, G711::Pcma] {
            for sample in (i16::MIN..=i16::MAX).step_by(7) {
                let decoded = codec.decode(codec.encode(sample));
                let error = (i32::from(decoded) - i32::from(sample)).abs();
                // The quantisation step doubles per segment; at most 1/16 of
                // the magnitude plus the smallest step.
                let bound = (i32::from(sample).abs() / 16).max(16) + 16;
                assert!(error <= bound, "{codec:?} {sample} → {decoded} (error {error})");
            }
        }
    }

    #[test]
    fn decode_is_monotonic() {
        for codec in [G711::Pcmu, G711::Pcma] {
            let mut values: Vec<i16> = (0..=255u8).map(|byte| codec.decode(byte)).collect();
            values.sort();
            values.dedup();
            assert!(values.len() >= 255, "{codec:?} has {} distinct levels", values.len());
        }
    }
}
