//! Spoken prompts kept for reuse, bounded by their size: a campaign's fixed
//! sentences are spoken once per node, while per-contact sentences pass
//! through and are evicted oldest first.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use herald_media::Prompt;

pub(crate) struct SpokenCache {
    limit: usize,
    used: usize,
    entries: HashMap<String, Arc<Prompt>>,
    /// Keys, oldest first.
    order: VecDeque<String>,
}

/// Bytes a prompt holds: linear samples and two G.711 encodings.
fn size(prompt: &Prompt) -> usize {
    prompt.samples().len() * 4
}

impl SpokenCache {
    pub(crate) fn new(limit: usize) -> SpokenCache {
        SpokenCache { limit, used: 0, entries: HashMap::new(), order: VecDeque::new() }
    }

    pub(crate) fn get(&self, key: &str) -> Option<Arc<Prompt>> {
        self.entries.get(key).cloned()
    }

    pub(crate) fn insert(&mut self, key: String, prompt: Prompt) -> Arc<Prompt> {
        if let Some(existing) = self.entries.get(&key) {
            // Spoken twice at once: keep the first.
            return Arc::clone(existing);
        }
        let prompt = Arc::new(prompt);
        let bytes = size(&prompt);
        if bytes > self.limit {
            return prompt;
        }
        while self.used + bytes > self.limit {
            let Some(oldest) = self.order.pop_front() else { break };
            if let Some(evicted) = self.entries.remove(&oldest) {
                self.used -= size(&evicted);
            }
        }
        self.used += bytes;
        self.order.push_back(key.clone());
        self.entries.insert(key, Arc::clone(&prompt));
        prompt
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_oldest_entries_leave_when_the_bytes_run_out() {
        let second = || Prompt::from_samples(vec![0; 8000]);
        let mut cache = SpokenCache::new(2 * 32_000 + 100);
        cache.insert("a".into(), second());
        cache.insert("b".into(), second());
        assert!(cache.get("a").is_some() && cache.get("b").is_some());
        cache.insert("c".into(), second());
        assert!(cache.get("a").is_none(), "the oldest went");
        assert!(cache.get("b").is_some() && cache.get("c").is_some());
        // Too big to keep at all: returned, not cached.
        let big = cache.insert("d".into(), Prompt::from_samples(vec![0; 80_000]));
        assert_eq!(big.samples().len(), 80_000);
        assert!(cache.get("d").is_none() && cache.get("c").is_some());
    }
}
