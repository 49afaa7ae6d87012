//! Prompts: audio files decoded once (symphonia), mixed to mono, resampled to
//! 8 kHz (rubato), encoded to G.711 and cut into 20 ms frames. Every call
//! playing a prompt shares the same frames read-only.

use std::io::Cursor;
use std::sync::Arc;

use symphonia::core::codecs::audio::AudioDecoderOptions;
use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatOptions, TrackType};
use symphonia::core::io::{MediaSourceStream, MediaSourceStreamOptions};
use symphonia::core::meta::MetadataOptions;

use crate::g711::G711;

/// The telephony sample rate G.711 runs at.
pub const SAMPLE_RATE: u32 = 8000;
/// Samples (and G.711 bytes) in one 20 ms packet.
pub const FRAME_SAMPLES: usize = 160;
/// One 20 ms G.711 payload.
pub type Frame = [u8; FRAME_SAMPLES];

#[derive(Debug, thiserror::Error)]
pub enum PromptError {
    #[error("unsupported or unrecognised audio format: {0}")]
    Format(String),
    #[error("the file has no audio track")]
    NoAudioTrack,
    #[error("cannot decode the audio: {0}")]
    Decode(String),
    #[error("cannot resample from {rate} Hz: {message}")]
    Resample { rate: u32, message: String },
    #[error("the audio is empty")]
    Empty,
}

/// A prompt ready to play: 8 kHz linear samples and both G.711 encodings.
#[derive(Debug)]
pub struct Prompt {
    samples: Vec<i16>,
    pcmu: Vec<Frame>,
    pcma: Vec<Frame>,
}

impl Prompt {
    /// Decodes any WAV, MP3, OGG/Vorbis or FLAC file. `extension` (e.g.
    /// `"mp3"`) is a hint for formats that cannot be sniffed reliably.
    pub fn decode(bytes: Vec<u8>, extension: Option<&str>) -> Result<Prompt, PromptError> {
        let (mono, rate) = decode_to_mono(bytes, extension)?;
        let resampled = resample_to_8k(&mono, rate)?;
        Ok(Prompt::from_samples(
            resampled.iter().map(|&sample| (sample.clamp(-1.0, 1.0) * 32767.0).round() as i16).collect(),
        ))
    }

    /// A prompt from 8 kHz linear samples (tests, tones, TTS output).
    pub fn from_samples(samples: Vec<i16>) -> Prompt {
        let encode = |codec: G711| -> Vec<Frame> {
            samples
                .chunks(FRAME_SAMPLES)
                .map(|chunk| {
                    let mut frame = [codec.encode(0); FRAME_SAMPLES];
                    for (slot, &sample) in frame.iter_mut().zip(chunk) {
                        *slot = codec.encode(sample);
                    }
                    frame
                })
                .collect()
        };
        let pcmu = encode(G711::Pcmu);
        let pcma = encode(G711::Pcma);
        Prompt { samples, pcmu, pcma }
    }

    pub fn frames(&self, codec: G711) -> &[Frame] {
        match codec {
            G711::Pcmu => &self.pcmu,
            G711::Pcma => &self.pcma,
        }
    }

    pub fn samples(&self) -> &[i16] {
        &self.samples
    }

    pub fn duration_ms(&self) -> u64 {
        (self.pcmu.len() * 20) as u64
    }
}

fn decode_to_mono(bytes: Vec<u8>, extension: Option<&str>) -> Result<(Vec<f32>, u32), PromptError> {
    let source = MediaSourceStream::new(Box::new(Cursor::new(bytes)), MediaSourceStreamOptions::default());
    let mut hint = Hint::new();
    if let Some(extension) = extension {
        hint.with_extension(extension);
    }
    let mut format = symphonia::default::get_probe()
        .probe(&hint, source, FormatOptions::default(), MetadataOptions::default())
        .map_err(|error| PromptError::Format(error.to_string()))?;
    let track = format.default_track(TrackType::Audio).ok_or(PromptError::NoAudioTrack)?;
    let track_id = track.id;
    let parameters =
        track.codec_params.as_ref().and_then(|parameters| parameters.audio()).ok_or(PromptError::NoAudioTrack)?;
    let mut decoder = symphonia::default::get_codecs()
        .make_audio_decoder(parameters, &AudioDecoderOptions::default())
        .map_err(|error| PromptError::Format(error.to_string()))?;

    let mut mono = Vec::new();
    let mut interleaved: Vec<f32> = Vec::new();
    let mut rate = parameters.sample_rate.unwrap_or(0);
    loop {
        let packet = match format.next_packet() {
            Ok(Some(packet)) => packet,
            Ok(None) => break,
            Err(error) => return Err(PromptError::Decode(error.to_string())),
        };
        if packet.track_id != track_id {
            continue;
        }
        let buffer = match decoder.decode(&packet) {
            Ok(buffer) => buffer,
            // A corrupt packet is skipped, as players do.
            Err(symphonia::core::errors::Error::DecodeError(_)) => continue,
            Err(error) => return Err(PromptError::Decode(error.to_string())),
        };
        rate = buffer.spec().rate();
        let channels = buffer.spec().channels().count().max(1);
        interleaved.resize(buffer.samples_interleaved(), 0.0);
        buffer.copy_to_slice_interleaved(&mut interleaved);
        for frame in interleaved.chunks_exact(channels) {
            mono.push(frame.iter().sum::<f32>() / channels as f32);
        }
    }
    if mono.is_empty() || rate == 0 {
        return Err(PromptError::Empty);
    }
    Ok((mono, rate))
}

fn resample_to_8k(mono: &[f32], rate: u32) -> Result<Vec<f32>, PromptError> {
    use rubato::audioadapter_buffers::direct::InterleavedSlice;
    use rubato::{Async, FixedAsync, Resampler, SincInterpolationParameters, SincInterpolationType, WindowFunction};

    if rate == SAMPLE_RATE {
        return Ok(mono.to_vec());
    }
    let resample_error = |message: String| PromptError::Resample { rate, message };
    let parameters = SincInterpolationParameters {
        sinc_len: 128,
        f_cutoff: Some(0.92),
        oversampling_factor: 128,
        interpolation: SincInterpolationType::Linear,
        window: WindowFunction::BlackmanHarris2,
    };
    let ratio = f64::from(SAMPLE_RATE) / f64::from(rate);
    let mut resampler = Async::<f32>::new_sinc(ratio, 1.0, &parameters, 1024, 1, FixedAsync::Input)
        .map_err(|error| resample_error(error.to_string()))?;
    let input = InterleavedSlice::new(mono, 1, mono.len()).map_err(|error| resample_error(error.to_string()))?;
    let output = resampler.process_all(&input, mono.len(), None).map_err(|error| resample_error(error.to_string()))?;
    Ok(output.take_data())
}

/// Shares decoded prompts between calls, keyed by whatever identifies the
/// source (a prompt id and checksum, or TTS text and voice).
#[derive(Debug, Default)]
pub struct PromptCache {
    prompts: std::sync::Mutex<std::collections::HashMap<String, Arc<Prompt>>>,
}

impl PromptCache {
    pub fn get(&self, key: &str) -> Option<Arc<Prompt>> {
        self.prompts.lock().expect("prompt cache poisoned").get(key).cloned()
    }

    pub fn insert(&self, key: String, prompt: Prompt) -> Arc<Prompt> {
        let prompt = Arc::new(prompt);
        self.prompts.lock().expect("prompt cache poisoned").insert(key, Arc::clone(&prompt));
        prompt
    }
}
