//! Text-to-speech behind a trait ([`TextToSpeech`]): espeak-ng run on the
//! machine ([`EspeakNg`]), or an OpenAI-compatible `/v1/audio/speech`
//! server ([`HttpSpeech`]). [`Speech`] decodes what an engine says into a
//! [`Prompt`] (8 kHz G.711 frames, like an uploaded prompt), bounds how many
//! syntheses run at once, and keeps recent results keyed by text and voice.

mod cache;
mod engines;

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use herald_config::{SpeechConfig, SpeechEngine};
use herald_media::{Prompt, PromptError};
use tokio::sync::Semaphore;

pub use engines::{EspeakNg, HttpSpeech};

use crate::cache::SpokenCache;

#[derive(Debug, thiserror::Error)]
pub enum SpeechError {
    #[error("text-to-speech is off on this node (speech.engine = \"none\")")]
    Disabled,
    #[error("there is no text to speak")]
    Empty,
    #[error("cannot run {program}: {message} (install Debian's espeak-ng, or set speech.engine)")]
    Spawn { program: String, message: String },
    #[error("the speech engine failed: {0}")]
    Engine(String),
    #[error("the speech engine took longer than {0:?}")]
    Timeout(Duration),
    #[error("the speech engine's audio cannot be decoded: {0}")]
    Audio(#[from] PromptError),
}

/// A future an engine returns (boxed, so engines can live behind `dyn`).
pub type Synthesis<'a> = Pin<Box<dyn Future<Output = Result<Vec<u8>, SpeechError>> + Send + 'a>>;

/// A speech engine: text and a voice in, an audio file (any format
/// [`Prompt::decode`] reads; WAV in practice) out.
pub trait TextToSpeech: Send + Sync {
    /// For logs and errors.
    fn name(&self) -> &'static str;
    fn synthesize<'a>(&'a self, text: &'a str, voice: &'a str) -> Synthesis<'a>;
}

/// Spoken prompts for calls and previews: one engine, a bound on
/// concurrent syntheses, a timeout, and a cache.
pub struct Speech {
    engine: Option<Box<dyn TextToSpeech>>,
    default_voice: String,
    permits: Semaphore,
    timeout: Duration,
    cache: Mutex<SpokenCache>,
}

impl std::fmt::Debug for Speech {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("Speech")
            .field("engine", &self.engine.as_ref().map(|engine| engine.name()))
            .field("default_voice", &self.default_voice)
            .finish_non_exhaustive()
    }
}

impl Speech {
    /// The engine the configuration names. `api_key` is read from the
    /// environment variable `speech.http_api_key_env` names.
    pub fn from_config(config: &SpeechConfig) -> Speech {
        let engine: Option<Box<dyn TextToSpeech>> = match config.engine {
            SpeechEngine::EspeakNg => Some(Box::new(EspeakNg::new(&config.espeak_program))),
            SpeechEngine::Http => {
                let api_key = (!config.http_api_key_env.is_empty())
                    .then(|| std::env::var(&config.http_api_key_env).ok())
                    .flatten();
                Some(Box::new(HttpSpeech::new(&config.http_url, &config.http_model, api_key)))
            }
            SpeechEngine::None => None,
        };
        Speech::new(
            engine,
            &config.voice,
            config.max_concurrent as usize,
            Duration::from_secs(config.timeout_secs),
            config.cache_mib as usize * 1024 * 1024,
        )
    }

    pub fn new(
        engine: Option<Box<dyn TextToSpeech>>,
        default_voice: &str,
        max_concurrent: usize,
        timeout: Duration,
        cache_bytes: usize,
    ) -> Speech {
        Speech {
            engine,
            default_voice: default_voice.to_owned(),
            permits: Semaphore::new(max_concurrent.max(1)),
            timeout,
            cache: Mutex::new(SpokenCache::new(cache_bytes)),
        }
    }

    pub fn enabled(&self) -> bool {
        self.engine.is_some()
    }

    /// `text` spoken in `voice` (or the default voice), ready to play.
    pub async fn prompt(&self, text: &str, voice: Option<&str>) -> Result<Arc<Prompt>, SpeechError> {
        let engine = self.engine.as_deref().ok_or(SpeechError::Disabled)?;
        let text = text.trim();
        if text.is_empty() {
            return Err(SpeechError::Empty);
        }
        let voice = voice.filter(|voice| !voice.is_empty()).unwrap_or(&self.default_voice);
        let key = format!("{voice}\u{0}{text}");
        if let Some(prompt) = self.cache.lock().expect("speech cache poisoned").get(&key) {
            return Ok(prompt);
        }
        let audio = {
            let _permit = self.permits.acquire().await.map_err(|_| SpeechError::Disabled)?;
            tokio::time::timeout(self.timeout, engine.synthesize(text, voice))
                .await
                .map_err(|_| SpeechError::Timeout(self.timeout))??
        };
        // Decoding and resampling is CPU work: off the async threads.
        let prompt = tokio::task::spawn_blocking(move || Prompt::decode(audio, Some("wav")))
            .await
            .map_err(|error| SpeechError::Engine(error.to_string()))??;
        Ok(self.cache.lock().expect("speech cache poisoned").insert(key, prompt))
    }
}

/// A prompt's 8 kHz samples as a 16-bit PCM WAV file: what the call will
/// sound like, for a browser to play.
pub fn wav(prompt: &Prompt) -> Vec<u8> {
    let samples = prompt.samples();
    let data_len = u32::try_from(samples.len() * 2).unwrap_or(u32::MAX);
    let mut wav = Vec::with_capacity(44 + samples.len() * 2);
    wav.extend_from_slice(b"RIFF");
    wav.extend_from_slice(&(36 + data_len).to_le_bytes());
    wav.extend_from_slice(b"WAVEfmt ");
    wav.extend_from_slice(&16u32.to_le_bytes());
    wav.extend_from_slice(&1u16.to_le_bytes()); // PCM
    wav.extend_from_slice(&1u16.to_le_bytes()); // mono
    wav.extend_from_slice(&8000u32.to_le_bytes());
    wav.extend_from_slice(&16000u32.to_le_bytes()); // bytes per second
    wav.extend_from_slice(&2u16.to_le_bytes()); // block align
    wav.extend_from_slice(&16u16.to_le_bytes());
    wav.extend_from_slice(b"data");
    wav.extend_from_slice(&data_len.to_le_bytes());
    for sample in samples {
        wav.extend_from_slice(&sample.to_le_bytes());
    }
    wav
}
