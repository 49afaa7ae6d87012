//! What calls need that comes from the database and changes rarely: trunks
//! and decoded prompts, cached per node.

use std::collections::{HashMap, HashSet};
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use herald_media::{Prompt, PromptCache};
use herald_store::{Store, Trunk};
use tokio::sync::Mutex as AsyncMutex;

use crate::pacing::TrunkPacer;

/// A trunk with the pacer of its INVITEs.
pub(crate) type PacedTrunk = (Arc<Trunk>, Arc<TrunkPacer>);

pub(crate) struct Resources {
    store: Store,
    trunks: Mutex<HashMap<i64, Arc<Trunk>>>,
    pacers: Mutex<HashMap<i64, Arc<TrunkPacer>>>,
    prompts: PromptCache,
    /// Serialises decoding so a burst of calls decodes a new prompt once.
    decoding: AsyncMutex<()>,
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum ResourceError {
    #[error("store: {0}")]
    Store(#[from] herald_store::Error),
    #[error("prompt {id} cannot be played: {source}")]
    Prompt { id: i64, source: herald_media::PromptError },
    #[error("trunk {0} does not exist")]
    NoTrunk(i64),
    #[error("the campaign has no trunk")]
    NoTrunkConfigured,
}

impl Resources {
    pub(crate) fn new(store: Store) -> Resources {
        Resources {
            store,
            trunks: Mutex::default(),
            pacers: Mutex::default(),
            prompts: PromptCache::default(),
            decoding: AsyncMutex::new(()),
        }
    }

    /// Reloads trunks; returns the addresses SIP may come from.
    pub(crate) async fn refresh_trunks(&self) -> Result<HashSet<IpAddr>, ResourceError> {
        let trunks = self.store.trunks().await?;
        let mut sources = HashSet::new();
        for trunk in &trunks {
            if let Ok(addresses) = tokio::net::lookup_host((trunk.host.as_str(), trunk.port as u16)).await {
                sources.extend(addresses.map(|address| address.ip()));
            }
        }
        let mut cache = self.trunks.lock().expect("trunk cache poisoned");
        cache.clear();
        let mut pacers = self.pacers.lock().expect("pacers poisoned");
        for trunk in trunks {
            pacers
                .entry(trunk.id)
                .or_insert_with(|| Arc::new(TrunkPacer::new(trunk.cps_limit)))
                .set_rate(trunk.cps_limit);
            cache.insert(trunk.id, Arc::new(trunk));
        }
        Ok(sources)
    }

    /// The trunk and its pacer, if cached; `Ok(None)` asks the caller to
    /// refresh (which also updates the SIP allow-list) and ask again.
    pub(crate) fn trunk(&self, trunk_id: Option<i64>) -> Result<Option<PacedTrunk>, ResourceError> {
        let trunk_id = trunk_id.ok_or(ResourceError::NoTrunkConfigured)?;
        Ok(self.cached_trunk(trunk_id))
    }

    /// Every enabled trunk, as last loaded.
    pub(crate) fn enabled_trunks(&self) -> Vec<Arc<Trunk>> {
        self.trunks.lock().expect("trunk cache poisoned").values().filter(|trunk| trunk.enabled).cloned().collect()
    }

    fn cached_trunk(&self, trunk_id: i64) -> Option<PacedTrunk> {
        let trunk = self.trunks.lock().expect("trunk cache poisoned").get(&trunk_id).cloned()?;
        let pacer = self.pacers.lock().expect("pacers poisoned").get(&trunk_id).cloned()?;
        Some((trunk, pacer))
    }

    /// The decoded prompt, decoding it on first use (off the async threads).
    pub(crate) async fn prompt(&self, prompt_id: Option<i64>) -> Result<Arc<Prompt>, ResourceError> {
        let key = match prompt_id {
            Some(id) => format!("prompt:{id}"),
            None => "default".to_owned(),
        };
        if let Some(prompt) = self.prompts.get(&key) {
            return Ok(prompt);
        }
        let _decoding = self.decoding.lock().await;
        if let Some(prompt) = self.prompts.get(&key) {
            return Ok(prompt);
        }
        let (bytes, extension, id) = match prompt_id {
            Some(id) => {
                let audio = self.store.prompt_audio(id).await?;
                let extension = audio.filename.rsplit_once('.').map(|(_, extension)| extension.to_owned());
                (audio.audio, extension, id)
            }
            None => (crate::DEFAULT_PROMPT_WAV.to_vec(), Some("wav".to_owned()), 0),
        };
        let decoded = tokio::task::spawn_blocking(move || Prompt::decode(bytes, extension.as_deref()))
            .await
            .expect("prompt decoding panicked")
            .map_err(|source| ResourceError::Prompt { id, source })?;
        Ok(self.prompts.insert(key, decoded))
    }
}
