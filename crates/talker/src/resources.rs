//! What calls need that comes from the database and changes rarely: trunks,
//! decoded prompts, call scripts and caller-ID pools, cached per node.

use std::collections::{HashMap, HashSet};
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use herald_media::{Prompt, PromptCache};
use herald_store::{Store, Trunk};
use tokio::sync::Mutex as AsyncMutex;
use tracing::debug;

pub(crate) struct Resources {
    store: Store,
    trunks: Mutex<HashMap<i64, Arc<Trunk>>>,
    prompts: PromptCache,
    /// Serialises decoding so a burst of calls decodes a new prompt once.
    decoding: AsyncMutex<()>,
    /// Caller-ID pools by id, with their numbers' use today.
    pools: Mutex<HashMap<i64, PoolCache>>,
    /// Serialises pool reads so a burst of calls reads a pool once.
    pool_loading: AsyncMutex<()>,
    /// Trunk groups by id, read at most every [`POOL_REFRESH`].
    groups: Mutex<HashMap<i64, (std::time::Instant, Arc<TrunkRoute>)>>,
    /// Call scripts by id, compiled, read again after [`POOL_REFRESH`] so
    /// that edits reach running campaigns.
    scripts: Mutex<HashMap<i64, (std::time::Instant, Arc<herald_scenario::Program>)>>,
}

/// A trunk group as calls route through it.
pub(crate) struct TrunkRoute {
    pub(crate) strategy: herald_policy::RouteStrategy,
    pub(crate) members: Vec<herald_policy::RouteMember>,
}

/// How long a pool's numbers and their use today are trusted before they
/// are read again. Between reads a node counts its own calls; a number with
/// a daily cap is also counted in Redis across the cluster (without Redis,
/// other nodes' calls show at the next read, so a cap may be passed by what
/// the cluster dials in this long).
const POOL_REFRESH: std::time::Duration = std::time::Duration::from_secs(15);

struct PoolCache {
    loaded_at: std::time::Instant,
    /// The (UTC) day the counts are of.
    day: chrono::NaiveDate,
    strategy: herald_policy::CallerIdStrategy,
    numbers: Vec<herald_policy::CallerIdState>,
    /// Each number's calls today as the database recorded them at the load.
    recorded_today: Vec<u32>,
    turn: u64,
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
    #[error("call script {id} cannot be played: {message}")]
    Script { id: i64, message: String },
    #[error("text-to-speech: {0}")]
    Speech(#[from] herald_speech::SpeechError),
}

impl Resources {
    pub(crate) fn new(store: Store) -> Resources {
        Resources {
            store,
            trunks: Mutex::default(),
            prompts: PromptCache::default(),
            decoding: AsyncMutex::new(()),
            pools: Mutex::default(),
            pool_loading: AsyncMutex::new(()),
            groups: Mutex::default(),
            scripts: Mutex::default(),
        }
    }

    /// The call script, compiled; checked again here, so a script that
    /// went bad (say, its prompt was replaced) is not played half.
    pub(crate) async fn script(&self, script_id: i64) -> Result<Arc<herald_scenario::Program>, ResourceError> {
        if let Some((loaded_at, program)) = self.scripts.lock().expect("scripts poisoned").get(&script_id)
            && loaded_at.elapsed() < POOL_REFRESH
        {
            return Ok(Arc::clone(program));
        }
        let stored = self.store.call_script(script_id).await?;
        let invalid = |message: String| ResourceError::Script { id: script_id, message };
        let script = herald_scenario::parse(&stored.body).map_err(|problems| {
            let problem = &problems[0];
            invalid(format!("{}: {}", problem.path, problem.message))
        })?;
        let existing = self.store.existing_prompts(&script.prompt_ids()).await?;
        let problems = herald_scenario::check(&script, &|id| existing.contains(&id));
        if let Some(problem) = problems.first() {
            return Err(invalid(format!("{}: {}", problem.path, problem.message)));
        }
        let program = Arc::new(herald_scenario::Program::compile(&script));
        self.scripts
            .lock()
            .expect("scripts poisoned")
            .insert(script_id, (std::time::Instant::now(), Arc::clone(&program)));
        Ok(program)
    }

    /// Every piece of audio a script may play to this contact, in the
    /// program's order: prompts decoded (cached), `say` text filled with the
    /// contact's tags and spoken (cached by text), pauses as silence.
    pub(crate) async fn script_audio(
        &self,
        program: &herald_scenario::Program,
        speech: &herald_speech::Speech,
        tags: &serde_json::Value,
        phone: &str,
    ) -> Result<Vec<Arc<Prompt>>, ResourceError> {
        let mut audio = Vec::with_capacity(program.audio().len());
        for piece in program.audio() {
            audio.push(match piece {
                herald_scenario::Audio::Prompt(id) => Box::pin(self.prompt(Some(*id))).await?,
                herald_scenario::Audio::Say(template) => {
                    let text = herald_scenario::render(template, tags, phone);
                    Box::pin(speech.prompt(&text, program.voice())).await?
                }
                herald_scenario::Audio::Pause(ms) => self.silence(*ms),
            });
        }
        Ok(audio)
    }

    fn silence(&self, ms: u32) -> Arc<Prompt> {
        let key = format!("pause:{ms}");
        self.prompts.get(&key).unwrap_or_else(|| {
            let samples = vec![0i16; (ms as usize * herald_media::prompt::SAMPLE_RATE as usize) / 1000];
            self.prompts.insert(key, Prompt::from_samples(samples))
        })
    }

    /// Reloads trunks; returns the addresses SIP may come from, and the trunks.
    pub(crate) async fn refresh_trunks(&self) -> Result<(HashSet<IpAddr>, Vec<Arc<Trunk>>), ResourceError> {
        let trunks = self.store.trunks().await?;
        let mut sources = HashSet::new();
        for trunk in &trunks {
            if let Ok(addresses) = tokio::net::lookup_host((trunk.host.as_str(), trunk.port as u16)).await {
                sources.extend(addresses.map(|address| address.ip()));
            }
        }
        let trunks: Vec<Arc<Trunk>> = trunks.into_iter().map(Arc::new).collect();
        let mut cache = self.trunks.lock().expect("trunk cache poisoned");
        cache.clear();
        cache.extend(trunks.iter().map(|trunk| (trunk.id, Arc::clone(trunk))));
        Ok((sources, trunks))
    }

    /// The trunk, if cached; `Ok(None)` asks the caller to refresh (which
    /// also updates the SIP allow-list) and ask again.
    pub(crate) fn trunk(&self, trunk_id: Option<i64>) -> Result<Option<Arc<Trunk>>, ResourceError> {
        let trunk_id = trunk_id.ok_or(ResourceError::NoTrunkConfigured)?;
        Ok(self.trunks.lock().expect("trunk cache poisoned").get(&trunk_id).cloned())
    }

    /// Every enabled trunk, as last loaded.
    pub(crate) fn enabled_trunks(&self) -> Vec<Arc<Trunk>> {
        self.trunks.lock().expect("trunk cache poisoned").values().filter(|trunk| trunk.enabled).cloned().collect()
    }

    /// The caller ID to present to `callee` from the pool, by the pool's
    /// strategy; `None` when every number is disabled, resting or at its
    /// daily cap. A capped number's call is counted in Redis (`coord`) so
    /// that the cap holds across the cluster; without Redis, this node's
    /// count and the last reload decide.
    pub(crate) async fn caller_id(
        &self,
        pool_id: i64,
        callee: &str,
        coord: Option<&herald_coord::Coord>,
    ) -> Result<Option<String>, ResourceError> {
        let fresh = |cache: &PoolCache| cache.loaded_at.elapsed() < POOL_REFRESH;
        if !self.pools.lock().expect("pools poisoned").get(&pool_id).is_some_and(fresh) {
            let _loading = self.pool_loading.lock().await;
            if !self.pools.lock().expect("pools poisoned").get(&pool_id).is_some_and(fresh) {
                self.load_pool(pool_id).await?;
            }
        }
        loop {
            let (number, capped) = {
                let mut pools = self.pools.lock().expect("pools poisoned");
                let Some(cache) = pools.get_mut(&pool_id) else { return Ok(None) };
                let Some(index) = herald_policy::choose_caller_id(cache.strategy, &cache.numbers, callee, cache.turn)
                else {
                    return Ok(None);
                };
                cache.turn = cache.turn.wrapping_add(1);
                let number = &mut cache.numbers[index];
                number.used_today += 1;
                let capped = number.daily_cap.map(|cap| (cap, cache.recorded_today[index], cache.day));
                (number.number.clone(), capped)
            };
            let (Some(coord), Some((cap, recorded, day))) = (coord, capped) else { return Ok(Some(number)) };
            match coord.take_caller_id(&number, &day.to_string(), recorded, cap).await {
                Ok(true) => return Ok(Some(number)),
                // Other nodes used it up: spent here too; choose again.
                Ok(false) => self.spend(pool_id, &number, cap),
                Err(error) => {
                    debug!(%error, "caller-ID counts unreachable: this node's count decides");
                    return Ok(Some(number));
                }
            }
        }
    }

    /// Marks a pool's number as at its cap for the rest of the reload.
    fn spend(&self, pool_id: i64, number: &str, cap: u32) {
        let mut pools = self.pools.lock().expect("pools poisoned");
        if let Some(state) =
            pools.get_mut(&pool_id).and_then(|cache| cache.numbers.iter_mut().find(|known| known.number == number))
        {
            state.used_today = state.used_today.max(cap);
        }
    }

    /// The trunk group's route, read again after [`POOL_REFRESH`].
    pub(crate) async fn trunk_route(&self, group_id: i64) -> Result<Arc<TrunkRoute>, ResourceError> {
        if let Some(route) = self.cached_route(group_id) {
            return Ok(route);
        }
        let detail = self.store.trunk_group(group_id).await?;
        let route = Arc::new(TrunkRoute {
            strategy: herald_policy::RouteStrategy::parse(&detail.group.strategy)
                .unwrap_or(herald_policy::RouteStrategy::Ordered),
            members: detail
                .members
                .into_iter()
                .map(|member| herald_policy::RouteMember {
                    trunk_id: member.trunk_id,
                    position: member.position,
                    weight: u32::try_from(member.weight).unwrap_or(1),
                    prefixes: member.prefixes,
                })
                .collect(),
        });
        self.groups.lock().expect("groups poisoned").insert(group_id, (std::time::Instant::now(), Arc::clone(&route)));
        Ok(route)
    }

    /// The group's route if read lately (no waiting: the claim loop uses it).
    pub(crate) fn cached_route(&self, group_id: i64) -> Option<Arc<TrunkRoute>> {
        let groups = self.groups.lock().expect("groups poisoned");
        groups
            .get(&group_id)
            .filter(|(loaded_at, _)| loaded_at.elapsed() < POOL_REFRESH)
            .map(|(_, route)| Arc::clone(route))
    }

    /// Reads a pool's numbers and their calls today. A number's count never
    /// goes down on a reload: the database counts finished calls only, and
    /// this node's calls in progress are in the local count.
    async fn load_pool(&self, pool_id: i64) -> Result<(), ResourceError> {
        let detail = self.store.caller_id_pool(pool_id).await?;
        let now = chrono::Utc::now();
        let strategy = herald_policy::CallerIdStrategy::parse(&detail.pool.strategy)
            .unwrap_or(herald_policy::CallerIdStrategy::RoundRobin);
        let day = now.date_naive();
        let mut pools = self.pools.lock().expect("pools poisoned");
        // Yesterday's counts do not carry over.
        let previous = pools.remove(&pool_id).filter(|cache| cache.day == day);
        let counted = |number: &str| {
            previous
                .as_ref()
                .and_then(|cache| cache.numbers.iter().find(|known| known.number == number))
                .map_or(0, |known| known.used_today)
        };
        let numbers = detail
            .numbers
            .iter()
            .map(|number| herald_policy::CallerIdState {
                number: number.number.clone(),
                enabled: number.enabled,
                resting: number.rested_until.is_some_and(|until| until > now),
                used_today: u32::try_from(number.used_today).unwrap_or(u32::MAX).max(counted(&number.number)),
                daily_cap: number.daily_cap.map(|cap| u32::try_from(cap).unwrap_or(0)),
            })
            .collect();
        let recorded_today =
            detail.numbers.iter().map(|number| u32::try_from(number.used_today).unwrap_or(u32::MAX)).collect();
        let turn = previous.map_or(0, |cache| cache.turn);
        pools.insert(
            pool_id,
            PoolCache { loaded_at: std::time::Instant::now(), day, strategy, numbers, recorded_today, turn },
        );
        Ok(())
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
