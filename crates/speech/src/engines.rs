//! The speech engines.

use std::process::Stdio;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::{SpeechError, Synthesis, TextToSpeech};

/// espeak-ng, run once per text (`espeak-ng -v <voice> --stdout`, the text
/// on standard input so that no text is read as an option).
#[derive(Debug, Clone)]
pub struct EspeakNg {
    program: String,
}

impl EspeakNg {
    pub fn new(program: &str) -> EspeakNg {
        EspeakNg { program: program.to_owned() }
    }

    async fn speak(&self, text: &str, voice: &str) -> Result<Vec<u8>, SpeechError> {
        if voice.starts_with('-') || voice.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(SpeechError::Engine(format!("{voice:?} is not a voice name")));
        }
        let spawn_error =
            |error: std::io::Error| SpeechError::Spawn { program: self.program.clone(), message: error.to_string() };
        let mut child = tokio::process::Command::new(&self.program)
            .args(["-v", voice, "--stdout"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            // Dropped on a timeout: the process goes with it.
            .kill_on_drop(true)
            .spawn()
            .map_err(spawn_error)?;
        let mut stdin = child.stdin.take().expect("stdin is piped");
        let mut stdout = child.stdout.take().expect("stdout is piped");
        let mut stderr = child.stderr.take().expect("stderr is piped");
        let input = async {
            // A line per sentence: espeak-ng reads until end of input.
            let written = stdin.write_all(text.as_bytes()).await;
            drop(stdin);
            written
        };
        let mut audio = Vec::new();
        let mut complaint = String::new();
        let (written, read, _) =
            tokio::join!(input, stdout.read_to_end(&mut audio), stderr.read_to_string(&mut complaint));
        let status = child.wait().await.map_err(spawn_error)?;
        written.and(read).map_err(|error| SpeechError::Engine(error.to_string()))?;
        if !status.success() || audio.len() <= 44 {
            let complaint = complaint.trim();
            return Err(SpeechError::Engine(if complaint.is_empty() {
                format!("{} exited with {status}", self.program)
            } else {
                complaint.to_owned()
            }));
        }
        fix_streamed_wav_sizes(&mut audio);
        Ok(audio)
    }
}

/// A WAV written to a pipe cannot seek back to fill in its sizes, so
/// espeak-ng leaves placeholders there; put the real ones in.
fn fix_streamed_wav_sizes(wav: &mut [u8]) {
    if wav.len() < 44 || &wav[..4] != b"RIFF" || &wav[8..12] != b"WAVE" {
        return;
    }
    let riff = u32::try_from(wav.len() - 8).unwrap_or(u32::MAX);
    wav[4..8].copy_from_slice(&riff.to_le_bytes());
    // Walk the chunks to the data chunk and size it to the end.
    let mut at = 12;
    while at + 8 <= wav.len() {
        let length = u32::from_le_bytes([wav[at + 4], wav[at + 5], wav[at + 6], wav[at + 7]]) as usize;
        if &wav[at..at + 4] == b"data" {
            let data = u32::try_from(wav.len() - at - 8).unwrap_or(u32::MAX);
            wav[at + 4..at + 8].copy_from_slice(&data.to_le_bytes());
            return;
        }
        at += 8 + length + (length & 1);
    }
}

impl TextToSpeech for EspeakNg {
    fn name(&self) -> &'static str {
        "espeak-ng"
    }

    fn synthesize<'a>(&'a self, text: &'a str, voice: &'a str) -> Synthesis<'a> {
        Box::pin(self.speak(text, voice))
    }
}

/// An OpenAI-compatible speech server: `POST <url>/v1/audio/speech` with
/// `{model, input, voice, response_format: "wav"}`, answering with audio.
#[derive(Debug, Clone)]
pub struct HttpSpeech {
    client: reqwest::Client,
    endpoint: String,
    model: String,
    api_key: Option<String>,
}

impl HttpSpeech {
    pub fn new(url: &str, model: &str, api_key: Option<String>) -> HttpSpeech {
        HttpSpeech {
            client: reqwest::Client::new(),
            endpoint: format!("{}/v1/audio/speech", url.trim_end_matches('/')),
            model: model.to_owned(),
            api_key,
        }
    }

    async fn speak(&self, text: &str, voice: &str) -> Result<Vec<u8>, SpeechError> {
        let body = serde_json::json!({ "model": self.model, "input": text, "voice": voice, "response_format": "wav" });
        let mut request = self
            .client
            .post(&self.endpoint)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body.to_string());
        if let Some(key) = &self.api_key {
            request = request.bearer_auth(key);
        }
        let engine_error = |error: reqwest::Error| SpeechError::Engine(error.without_url().to_string());
        let response = request.send().await.map_err(engine_error)?;
        let status = response.status();
        let bytes = response.bytes().await.map_err(engine_error)?;
        if !status.is_success() {
            let said = String::from_utf8_lossy(&bytes[..bytes.len().min(200)]).into_owned();
            return Err(SpeechError::Engine(format!("{} answered {status}: {said}", self.endpoint)));
        }
        Ok(bytes.to_vec())
    }
}

impl TextToSpeech for HttpSpeech {
    fn name(&self) -> &'static str {
        "http"
    }

    fn synthesize<'a>(&'a self, text: &'a str, voice: &'a str) -> Synthesis<'a> {
        Box::pin(self.speak(text, voice))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streamed_wav_sizes_are_filled_in() {
        let mut wav = Vec::new();
        wav.extend_from_slice(b"RIFF\xff\xff\xff\x7fWAVEfmt ");
        wav.extend_from_slice(&16u32.to_le_bytes());
        wav.extend_from_slice(&[0; 16]);
        wav.extend_from_slice(b"data\xff\xff\xff\x7f");
        wav.extend_from_slice(&[1, 2, 3, 4]);
        fix_streamed_wav_sizes(&mut wav);
        assert_eq!(u32::from_le_bytes(wav[4..8].try_into().unwrap()), wav.len() as u32 - 8);
        assert_eq!(u32::from_le_bytes(wav[40..44].try_into().unwrap()), 4);
    }
}
