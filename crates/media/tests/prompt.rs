//! Decoding real audio files of every supported format into 8 kHz G.711 frames.

use herald_media::{G711, Prompt};

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

/// The RMS level of each 20 ms frame: a fingerprint of the speech that
/// survives resampling and lossy coding.
fn envelope(prompt: &Prompt) -> Vec<f64> {
    prompt
        .samples()
        .chunks(160)
        .map(|frame| (frame.iter().map(|&s| f64::from(s).powi(2)).sum::<f64>() / frame.len() as f64).sqrt())
        .collect()
}

fn best_correlation(a: &[f64], b: &[f64]) -> f64 {
    // Encoders add a little delay (MP3 especially): try small shifts.
    (-6i32..=6)
        .map(|shift| {
            let pairs: Vec<(f64, f64)> = a
                .iter()
                .enumerate()
                .filter_map(|(index, &x)| {
                    let other = index as i32 + shift;
                    (other >= 0).then(|| b.get(other as usize).map(|&y| (x, y))).flatten()
                })
                .collect();
            let count = pairs.len() as f64;
            let (mean_x, mean_y) =
                (pairs.iter().map(|p| p.0).sum::<f64>() / count, pairs.iter().map(|p| p.1).sum::<f64>() / count);
            let covariance: f64 = pairs.iter().map(|(x, y)| (x - mean_x) * (y - mean_y)).sum();
            let variance_x: f64 = pairs.iter().map(|(x, _)| (x - mean_x).powi(2)).sum();
            let variance_y: f64 = pairs.iter().map(|(_, y)| (y - mean_y).powi(2)).sum();
            covariance / (variance_x * variance_y).sqrt()
        })
        .fold(f64::MIN, f64::max)
}

#[test]
fn every_format_decodes_to_the_same_speech() {
    let reference = Prompt::decode(fixture("hello.wav"), Some("wav")).unwrap();
    // 1.25 s of speech at 16 kHz mono → 8 kHz: 63 frames of 20 ms.
    assert!((1200..=1300).contains(&reference.duration_ms()), "{} ms", reference.duration_ms());
    let reference_envelope = envelope(&reference);
    let loudest = reference_envelope.iter().cloned().fold(0.0, f64::max);
    assert!(loudest > 1000.0, "the reference prompt is nearly silent ({loudest})");

    for (name, extension) in [("hello.flac", "flac"), ("hello.ogg", "ogg"), ("hello.mp3", "mp3")] {
        let prompt = Prompt::decode(fixture(name), Some(extension)).unwrap_or_else(|error| panic!("{name}: {error}"));
        let duration = prompt.duration_ms();
        assert!((1180..=1400).contains(&duration), "{name}: {duration} ms");
        let correlation = best_correlation(&reference_envelope, &envelope(&prompt));
        assert!(correlation > 0.9, "{name}: envelope correlation {correlation:.3}");
    }
}

#[test]
fn frames_are_the_g711_encoding_of_the_samples() {
    let prompt = Prompt::decode(fixture("hello.wav"), None).unwrap();
    for codec in [G711::Pcmu, G711::Pcma] {
        let frames = prompt.frames(codec);
        assert_eq!(frames.len(), prompt.samples().len().div_ceil(160));
        for (frame, samples) in frames.iter().zip(prompt.samples().chunks(160)) {
            for (&byte, &sample) in frame.iter().zip(samples) {
                assert_eq!(byte, codec.encode(sample));
            }
        }
    }
}

#[test]
fn garbage_is_a_clear_error() {
    let error = Prompt::decode(b"this is not audio at all".to_vec(), None).unwrap_err();
    assert!(error.to_string().contains("format"), "{error}");
}
