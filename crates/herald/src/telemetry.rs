//! Logging setup: `tracing` with the configured filter and format, written
//! by a thread of its own.
//!
//! The services never wait for their logs: each line goes into a bounded
//! queue that one thread writes to stderr. If stderr stalls (a full pipe to
//! a log collector, a disk that stops answering), the services keep
//! renewing leases and placing calls; lines that do not fit are dropped
//! and counted, and the count is written when the writer catches up.
//! (Seen in the chaos suite: with logs written in place, every Talker's
//! runtime stopped for 27 s while its log file's disk stalled, and their
//! leases expired.)

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};

use herald_config::{LogConfig, LogFormat};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

/// Lines that may wait for the writer thread.
const QUEUE_LINES: usize = 16_384;

/// What the writer thread is given.
enum Message {
    Line(Vec<u8>),
    /// Answer once every line queued before is written.
    Flush(std::sync::mpsc::Sender<()>),
}

/// Installs the global subscriber; the returned guard writes out what is
/// queued when dropped (at the end of `main`). The SIP stack logs every
/// packet at `info`, so it is held to `warn` unless the filter names it.
/// Tools log to stderr at `warn` so their stdout stays clean for output
/// (e.g. JSON).
pub(crate) fn init(config: &LogConfig, tool: bool) -> LogGuard {
    let mut filter = if tool && config.level == "info" { "warn".to_owned() } else { config.level.clone() };
    if !filter.contains("rsipstack") {
        filter.push_str(",rsipstack=warn");
    }
    let filter = EnvFilter::try_new(&filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let (sender, receiver) = sync_channel::<Message>(QUEUE_LINES);
    let dropped = Arc::new(AtomicU64::new(0));
    let spawned = std::thread::Builder::new().name("herald-log".into()).spawn({
        let dropped = Arc::clone(&dropped);
        move || write_lines(receiver, &dropped)
    });
    if let Err(error) = spawned {
        eprintln!("herald: cannot start the log writer thread: {error}");
    }
    let writer = QueueWriter { sender: sender.clone(), dropped };
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(writer);
    match config.format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
    LogGuard { sender }
}

/// Writes the queued lines, for as long as the process runs.
fn write_lines(receiver: Receiver<Message>, dropped: &AtomicU64) {
    let stderr = std::io::stderr();
    for message in receiver {
        match message {
            Message::Line(line) => {
                let mut out = stderr.lock();
                let _ = out.write_all(&line);
                let lost = dropped.swap(0, Ordering::Relaxed);
                if lost > 0 {
                    let _ = writeln!(out, "herald: {lost} log lines dropped: stderr could not keep up");
                }
            }
            Message::Flush(done) => {
                let _ = done.send(());
            }
        }
    }
}

/// Held by `main`: on drop, waits (a little) until the queued lines are out.
pub(crate) struct LogGuard {
    sender: SyncSender<Message>,
}

impl Drop for LogGuard {
    fn drop(&mut self) {
        let (done, written) = std::sync::mpsc::channel();
        if self.sender.send(Message::Flush(done)).is_ok() {
            let _ = written.recv_timeout(std::time::Duration::from_secs(2));
        }
    }
}

/// Hands each formatted line to the writer thread, never waiting.
#[derive(Clone)]
struct QueueWriter {
    sender: SyncSender<Message>,
    dropped: Arc<AtomicU64>,
}

/// One event's formatted text, queued when dropped.
struct Line {
    writer: QueueWriter,
    bytes: Vec<u8>,
}

impl<'a> MakeWriter<'a> for QueueWriter {
    type Writer = Line;

    fn make_writer(&'a self) -> Line {
        Line { writer: self.clone(), bytes: Vec::with_capacity(256) }
    }
}

impl Write for Line {
    fn write(&mut self, buffer: &[u8]) -> std::io::Result<usize> {
        self.bytes.extend_from_slice(buffer);
        Ok(buffer.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for Line {
    fn drop(&mut self) {
        if self.bytes.is_empty() {
            return;
        }
        match self.writer.sender.try_send(Message::Line(std::mem::take(&mut self.bytes))) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => {
                self.writer.dropped.fetch_add(1, Ordering::Relaxed);
            }
            // No writer thread: write in place.
            Err(TrySendError::Disconnected(Message::Line(bytes))) => {
                let _ = std::io::stderr().write_all(&bytes);
            }
            Err(TrySendError::Disconnected(Message::Flush(_))) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A writer that cannot keep up never holds the logging thread up: the
    /// line that does not fit is dropped and counted.
    #[test]
    fn a_full_queue_drops_lines_instead_of_waiting() {
        // A queue of one line and no thread reading it: stderr stalled.
        let (sender, receiver) = sync_channel::<Message>(1);
        let writer = QueueWriter { sender, dropped: Arc::new(AtomicU64::new(0)) };
        for line in ["first\n", "second\n", "third\n"] {
            let mut out = writer.make_writer();
            out.write_all(line.as_bytes()).unwrap();
        }
        assert_eq!(writer.dropped.load(Ordering::Relaxed), 2);
        let Ok(Message::Line(kept)) = receiver.try_recv() else { panic!("the first line is queued") };
        assert_eq!(kept, b"first\n");
    }
}
