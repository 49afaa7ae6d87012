//! Terminal records, written in batches: the calls that end while one
//! write is in flight go to Postgres together in the next, as one statement
//! and one commit (`Store::finish_attempts`). At hundreds of calls a second
//! that is a handful of writes instead of one per call, and no call waits
//! longer than the write before its own.

use herald_store::{AttemptRecord, ContactNext, FinishResult, Store};
use tokio::sync::{mpsc, oneshot};
use tracing::debug;

/// The most records one statement carries.
const MAX_BATCH: usize = 256;
/// Calls whose record waits to be written before a new one must wait
/// (each call has at most one).
const QUEUE: usize = 4096;

/// A call's terminal record on its way to Postgres, and where the answer goes.
struct Finished {
    record: AttemptRecord,
    next: ContactNext,
    reply: oneshot::Sender<Result<FinishResult, String>>,
}

/// The handle calls write their records through. The writer task it starts
/// ends once every handle is gone (its queue closes).
pub(crate) struct Recorder {
    queue: mpsc::Sender<Finished>,
}

impl Recorder {
    pub(crate) fn start(store: Store, node_id: String) -> Recorder {
        let (queue, receiver) = mpsc::channel(QUEUE);
        tokio::spawn(write_batches(store, node_id, receiver));
        Recorder { queue }
    }

    /// Writes one attempt's terminal record (see `Store::finish_attempt`);
    /// an error is the batch's, to be retried.
    pub(crate) async fn finish(&self, record: &AttemptRecord, next: ContactNext) -> Result<FinishResult, String> {
        let (reply, answer) = oneshot::channel();
        let finished = Finished { record: record.clone(), next, reply };
        if self.queue.send(finished).await.is_err() {
            return Err("the record writer has stopped".to_owned());
        }
        answer.await.unwrap_or_else(|_| Err("the record writer has stopped".to_owned()))
    }
}

async fn write_batches(store: Store, node_id: String, mut receiver: mpsc::Receiver<Finished>) {
    let mut batch: Vec<Finished> = Vec::with_capacity(MAX_BATCH);
    while receiver.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let finished: Vec<(&AttemptRecord, ContactNext)> = batch.iter().map(|item| (&item.record, item.next)).collect();
        let results = store.finish_attempts(&node_id, &finished).await;
        drop(finished);
        debug!(records = batch.len(), "terminal records written");
        match results {
            Ok(results) => {
                for (item, result) in batch.drain(..).zip(results) {
                    let _ = item.reply.send(Ok(result));
                }
            }
            Err(error) => {
                let error = error.to_string();
                for item in batch.drain(..) {
                    let _ = item.reply.send(Err(error.clone()));
                }
            }
        }
    }
}
