//! Text-to-speech through the real espeak-ng (`scripts/infra.sh up`
//! installs Debian's package), and through an OpenAI-compatible HTTP server
//! played by a small local one.

use std::time::Duration;

use herald_speech::{EspeakNg, HttpSpeech, Speech, SpeechError, TextToSpeech, wav};

fn espeak() -> Speech {
    Speech::new(Some(Box::new(EspeakNg::new("espeak-ng"))), "en-us", 2, Duration::from_secs(10), 1 << 20)
}

/// The share of 20 ms frames that carry sound.
fn voiced_share(samples: &[i16]) -> f64 {
    let frames: Vec<&[i16]> = samples.chunks(160).collect();
    let voiced = frames
        .iter()
        .filter(|frame| {
            let energy: f64 = frame.iter().map(|&s| f64::from(s) * f64::from(s)).sum::<f64>() / frame.len() as f64;
            energy.sqrt() > 300.0
        })
        .count();
    voiced as f64 / frames.len() as f64
}

#[tokio::test]
async fn espeak_speaks_text_as_an_8k_prompt_and_caches_it() {
    let speech = espeak();
    let short = speech.prompt("Hello", None).await.expect("espeak-ng speaks");
    let long = speech.prompt("Hello Ada, your appointment is on Tuesday at ten.", Some("en-gb")).await.unwrap();
    assert!(short.duration_ms() > 200, "{} ms", short.duration_ms());
    assert!(long.duration_ms() > short.duration_ms() * 3, "{} vs {} ms", long.duration_ms(), short.duration_ms());
    assert!(voiced_share(long.samples()) > 0.4, "mostly speech: {}", voiced_share(long.samples()));
    let again = speech.prompt("  Hello ", None).await.unwrap();
    assert!(std::sync::Arc::ptr_eq(&short, &again), "the same text and voice come from the cache");
    // The preview WAV is the prompt as the call carries it.
    let file = wav(&short);
    assert_eq!(&file[..4], b"RIFF");
    assert_eq!(file.len(), 44 + short.samples().len() * 2);
}

#[tokio::test]
async fn bad_requests_and_missing_programs_say_what_is_wrong() {
    let speech = espeak();
    assert!(matches!(speech.prompt("   ", None).await, Err(SpeechError::Empty)));
    // Text that looks like an option is still just text.
    assert!(speech.prompt("--help me", None).await.is_ok());
    let missing = Speech::new(Some(Box::new(EspeakNg::new("/nonexistent/espeak"))), "en", 1, Duration::from_secs(5), 0);
    let error = missing.prompt("Hello", None).await.unwrap_err();
    assert!(matches!(error, SpeechError::Spawn { .. }), "{error}");
    assert!(error.to_string().contains("espeak-ng"), "{error}");
    let off = Speech::new(None, "en", 1, Duration::from_secs(5), 0);
    assert!(matches!(off.prompt("Hello", None).await, Err(SpeechError::Disabled)));
}

/// A stand-in for an OpenAI-compatible speech server: it answers each POST
/// with espeak-ng's audio for the `input` it was sent, after checking the
/// request's shape and bearer token.
#[tokio::test]
async fn the_http_engine_posts_openai_style_requests() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let server = tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut request = Vec::new();
        let mut buffer = [0u8; 4096];
        loop {
            let read = socket.read(&mut buffer).await.unwrap();
            request.extend_from_slice(&buffer[..read]);
            let text = String::from_utf8_lossy(&request);
            if let Some(head_end) = text.find("\r\n\r\n") {
                let length: usize = text
                    .lines()
                    .find_map(|line| {
                        line.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().parse().unwrap())
                    })
                    .unwrap_or(0);
                if request.len() >= head_end + 4 + length {
                    break;
                }
            }
        }
        let text = String::from_utf8_lossy(&request).into_owned();
        let body: serde_json::Value = serde_json::from_str(&text[text.find("\r\n\r\n").unwrap() + 4..]).unwrap();
        let audio = EspeakNg::new("espeak-ng").synthesize(body["input"].as_str().unwrap(), "en-us").await.unwrap();
        let head = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: audio/wav\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
            audio.len()
        );
        socket.write_all(head.as_bytes()).await.unwrap();
        socket.write_all(&audio).await.unwrap();
        (text, body)
    });
    let engine = HttpSpeech::new(&url, "tts-1", Some("sekret".into()));
    let speech = Speech::new(Some(Box::new(engine)), "alloy", 1, Duration::from_secs(10), 1 << 20);
    let prompt = speech.prompt("Good morning", None).await.expect("the server speaks");
    assert!(prompt.duration_ms() > 300);
    let (request, body) = server.await.unwrap();
    assert!(request.starts_with("POST /v1/audio/speech HTTP/1.1"), "{request}");
    assert!(request.to_ascii_lowercase().contains("authorization: bearer sekret"), "{request}");
    assert_eq!(
        body,
        serde_json::json!({"model": "tts-1", "input": "Good morning", "voice": "alloy", "response_format": "wav"})
    );
}
