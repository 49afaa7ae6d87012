//! Recorded prompts: their audio as uploaded, their listing without it, and
//! their audited upload ([`Store::add_prompt`], the one way a prompt is
//! written) and delete. It never decodes audio (the media
//! crate does, once, into its cache).

use serde::Serialize;

use crate::audit::{self, Actor};
use crate::changes::{Change, refused};
use crate::{Result, Store};

/// A prompt's audio, as uploaded.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PromptAudio {
    pub id: i64,
    pub name: String,
    pub filename: String,
    pub sha256: Vec<u8>,
    pub audio: Vec<u8>,
}

#[derive(Debug, Clone)]
pub struct NewPrompt {
    pub name: String,
    pub filename: String,
    pub content_type: String,
    pub audio: Vec<u8>,
    pub duration_ms: i32,
    pub sha256: Vec<u8>,
}

/// A prompt without its audio.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, schemars::JsonSchema)]
pub struct PromptInfo {
    pub id: i64,
    pub name: String,
    pub filename: String,
    pub content_type: String,
    pub duration_ms: i32,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

impl Store {
    /// Stores a prompt for Herald's own tools (`herald demo`, tests): an
    /// [`Store::add_prompt`] by `system:setup`; a taken name is an
    /// [`crate::Error::Conflict`]. Returns its id.
    pub async fn create_prompt(&self, prompt: &NewPrompt) -> Result<i64> {
        let created = self.add_prompt(prompt, &Actor::system("setup")).await?.done()?;
        Ok(created.id)
    }

    pub async fn prompt_audio(&self, prompt_id: i64) -> Result<PromptAudio> {
        sqlx::query_as::<_, PromptAudio>("SELECT id, name, filename, sha256, audio FROM prompts WHERE id = $1")
            .bind(prompt_id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(crate::Error::NotFound { entity: "prompt", id: prompt_id })
    }

    pub async fn prompts(&self) -> Result<Vec<PromptInfo>> {
        Ok(sqlx::query_as::<_, PromptInfo>(
            "SELECT id, name, filename, content_type, duration_ms, created_at FROM prompts ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await?)
    }

    pub async fn prompt(&self, prompt_id: i64) -> Result<PromptInfo> {
        sqlx::query_as::<_, PromptInfo>(
            "SELECT id, name, filename, content_type, duration_ms, created_at FROM prompts WHERE id = $1",
        )
        .bind(prompt_id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(crate::Error::NotFound { entity: "prompt", id: prompt_id })
    }

    /// The uploaded file and its content type.
    pub async fn prompt_file(&self, prompt_id: i64) -> Result<(String, Vec<u8>)> {
        sqlx::query_as::<_, (String, Vec<u8>)>("SELECT content_type, audio FROM prompts WHERE id = $1")
            .bind(prompt_id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(crate::Error::NotFound { entity: "prompt", id: prompt_id })
    }

    /// Stores an uploaded prompt, audited.
    pub async fn add_prompt(&self, prompt: &NewPrompt, actor: &Actor) -> Result<Change<PromptInfo>> {
        let mut transaction = self.pool.begin().await?;
        let created = sqlx::query_as::<_, PromptInfo>(
            "INSERT INTO prompts (name, filename, content_type, audio, duration_ms, sha256) \
             VALUES ($1, $2, $3, $4, $5, $6) \
             RETURNING id, name, filename, content_type, duration_ms, created_at",
        )
        .bind(&prompt.name)
        .bind(&prompt.filename)
        .bind(&prompt.content_type)
        .bind(&prompt.audio)
        .bind(prompt.duration_ms)
        .bind(&prompt.sha256)
        .fetch_one(&mut *transaction)
        .await;
        let created = match created {
            Ok(created) => created,
            Err(error) => return refused(error, Some("a prompt with this name already exists"), None),
        };
        let details = serde_json::json!({
            "name": created.name, "filename": created.filename, "bytes": prompt.audio.len(),
            "duration_ms": created.duration_ms,
        });
        audit::record(&mut transaction, actor, "create", "prompt", Some(created.id), details).await?;
        transaction.commit().await?;
        Ok(Change::Done(created))
    }

    pub async fn delete_prompt(&self, prompt_id: i64, actor: &Actor) -> Result<Change<()>> {
        self.delete_row("prompts", "prompt", prompt_id, actor, "a campaign or call script uses this prompt").await
    }

    /// Which of `prompt_ids` name stored prompts.
    pub async fn existing_prompts(&self, prompt_ids: &[i64]) -> Result<Vec<i64>> {
        let rows: Vec<(i64,)> =
            sqlx::query_as("SELECT id FROM prompts WHERE id = ANY($1)").bind(prompt_ids).fetch_all(&self.pool).await?;
        Ok(rows.into_iter().map(|(id,)| id).collect())
    }
}
