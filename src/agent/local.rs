//! The agent's own SQLite file (`agent.db` in its data dir): the airing outbox, the set
//! of items that already have a final record, and a few settings.
//!
//! Every airing is committed here before its audio starts and completed when it ends;
//! the hash chain is extended when a record becomes final, in the same transaction, so a
//! power cut can leave an open record but never a half-chained one. `synchronous=FULL`
//! because these PCs lose power: a committed airing must survive it. It knows nothing
//! of HTTP or audio.

use std::path::Path;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Row, SqlitePool};

use crate::domain::{AiringRecord, GENESIS_HASH, Outcome, Reason};
use crate::wire::AiringJson;

/// A local database problem.
#[derive(Debug, thiserror::Error)]
pub enum LocalError {
    /// SQLite said no.
    #[error("lỗi cơ sở dữ liệu cục bộ của trạm: {0}")]
    Sql(#[from] sqlx::Error),
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid TEXT NOT NULL UNIQUE,
    item_id TEXT NOT NULL,
    planned_start_ms INTEGER NOT NULL,
    actual_start_ms INTEGER,
    actual_end_ms INTEGER,
    outcome TEXT,
    reason TEXT NOT NULL DEFAULT '',
    clock_offset_ms INTEGER NOT NULL DEFAULT 0,
    prev_hash TEXT,
    hash TEXT,
    rejected TEXT
);
CREATE INDEX IF NOT EXISTS outbox_pending ON outbox (outcome, rejected, seq);
CREATE TABLE IF NOT EXISTS done (
    item_id TEXT PRIMARY KEY,
    planned_start_ms INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS done_by_start ON done (planned_start_ms);
";

/// The statements that make a record final besides its own (same transaction, one
/// round trip): the record becomes the chain's head and its item is done. Every query
/// that makes a record final takes the arguments of [`write_final`]: ?1 hash, ?2 item,
/// ?3 planned start, ?4 end, ?5 outcome, ?6 reason, ?7 previous hash, ?8 UUID, ?9 clock
/// offset. sqlx binds a statement's unnumbered slots below its highest number from the
/// arguments not yet used, and stops at the first beyond them: so these two come first
/// and use only the lowest numbers.
macro_rules! finish_chain {
    () => {
        "INSERT INTO kv (key, value) VALUES ('chain_head', ?1)
            ON CONFLICT (key) DO UPDATE SET value = excluded.value;
         INSERT INTO done (item_id, planned_start_ms) VALUES (?2, ?3)
            ON CONFLICT (item_id) DO NOTHING;"
    };
}

/// Closes an open record (its start and offset are already stored).
const CLOSE_OPEN: &str = concat!(
    finish_chain!(),
    "UPDATE outbox SET actual_end_ms = ?4, outcome = ?5, reason = ?6, prev_hash = ?7, hash = ?1
     WHERE uuid = ?8;"
);

/// Stores a record that is final at once (no audio started).
const INSERT_FINAL: &str = concat!(
    finish_chain!(),
    "INSERT INTO outbox (uuid, item_id, planned_start_ms, actual_end_ms, outcome, reason,
                         prev_hash, hash, clock_offset_ms)
     VALUES (?8, ?2, ?3, ?4, ?5, ?6, ?7, ?1, ?9);"
);

/// Runs `sql` ([`CLOSE_OPEN`] or [`INSERT_FINAL`]) for `record`, whose hash is `hash`,
/// in `tx`.
async fn write_final(
    sql: &'static str,
    record: &AiringRecord<'_>,
    hash: &str,
    tx: &mut sqlx::SqliteConnection,
) -> Result<(), LocalError> {
    sqlx::query(sql)
        .bind(hash)
        .bind(record.item_id)
        .bind(record.planned_start_ms)
        .bind(record.actual_end_ms)
        .bind(record.outcome.as_str())
        .bind(record.reason)
        .bind(record.prev_hash)
        .bind(record.uuid)
        .bind(record.clock_offset_ms)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

/// An airing that was open (its audio started) when the agent last stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenAiring {
    /// Its UUID.
    pub uuid: String,
    /// The item.
    pub item_id: String,
    /// When its audio started.
    pub actual_start_ms: i64,
}

/// The agent's database.
#[derive(Clone)]
pub struct Local {
    pool: SqlitePool,
}

impl Local {
    /// Opens (creating) `agent.db` in `data_dir`.
    pub async fn open(data_dir: &Path) -> Result<Self, LocalError> {
        let options = SqliteConnectOptions::new()
            .filename(data_dir.join("agent.db"))
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(std::time::Duration::from_secs(10));
        // One connection: the agent's writes are few and must stay in order. No ping
        // before each use: a local file cannot drop like a network link, and every
        // round trip to SQLite's thread wakes two threads on a station PC.
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .test_before_acquire(false)
            .connect_with(options)
            .await?;
        sqlx::raw_sql(SCHEMA).execute(&pool).await?;
        Ok(Self { pool })
    }

    /// Closes the database.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// A setting.
    pub async fn get(&self, key: &str) -> Result<Option<String>, LocalError> {
        Ok(sqlx::query("SELECT value FROM kv WHERE key = ?")
            .bind(key)
            .fetch_optional(&self.pool)
            .await?
            .map(|r| r.get(0)))
    }

    /// Sets a setting.
    pub async fn set(&self, key: &str, value: &str) -> Result<(), LocalError> {
        sqlx::query("INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
            .bind(key)
            .bind(value)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Ids of every item that has a final record, planned at or after `since_ms`.
    pub async fn done_since(&self, since_ms: i64) -> Result<Vec<String>, LocalError> {
        Ok(
            sqlx::query("SELECT item_id FROM done WHERE planned_start_ms >= ?")
                .bind(since_ms)
                .fetch_all(&self.pool)
                .await?
                .into_iter()
                .map(|r| r.get(0))
                .collect(),
        )
    }

    /// Forgets done-markers of items planned before `before_ms` (long past any playlist).
    pub async fn prune_done(&self, before_ms: i64) -> Result<(), LocalError> {
        sqlx::query("DELETE FROM done WHERE planned_start_ms < ?")
            .bind(before_ms)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Records that an item's audio is starting now; returns the airing's UUID.
    pub async fn open_airing(
        &self,
        item_id: &str,
        planned_start_ms: i64,
        actual_start_ms: i64,
        clock_offset_ms: i64,
    ) -> Result<String, LocalError> {
        let uuid = uuid::Uuid::new_v4().to_string();
        sqlx::query(
            "INSERT INTO outbox (uuid, item_id, planned_start_ms, actual_start_ms, clock_offset_ms)
             VALUES (?, ?, ?, ?, ?)",
        )
        .bind(&uuid)
        .bind(item_id)
        .bind(planned_start_ms)
        .bind(actual_start_ms)
        .bind(clock_offset_ms)
        .execute(&self.pool)
        .await?;
        Ok(uuid)
    }

    /// Moves an open airing's start to when its audio was really heard (the sound card
    /// placed it late: it was being opened again after a stall).
    pub async fn correct_start(&self, uuid: &str, actual_start_ms: i64) -> Result<(), LocalError> {
        sqlx::query("UPDATE outbox SET actual_start_ms = ? WHERE uuid = ? AND outcome IS NULL")
            .bind(actual_start_ms)
            .bind(uuid)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Makes an open airing final: its end, outcome and reason, chained to the station's
    /// previous final airing.
    pub async fn close_airing(
        &self,
        uuid: &str,
        actual_end_ms: i64,
        outcome: Outcome,
        reason: Option<Reason>,
    ) -> Result<(), LocalError> {
        let reason = reason.map_or("", Reason::as_str);
        let mut tx = self.pool.begin().await?;
        let row = sqlx::query(
            "SELECT item_id, planned_start_ms, actual_start_ms, clock_offset_ms,
                    (SELECT value FROM kv WHERE key = 'chain_head')
             FROM outbox WHERE uuid = ? AND outcome IS NULL",
        )
        .bind(uuid)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            return Ok(());
        };
        let item_id: String = row.get(0);
        let planned: i64 = row.get(1);
        let start: Option<i64> = row.get(2);
        let offset: i64 = row.get(3);
        let prev = row
            .get::<Option<String>, _>(4)
            .unwrap_or_else(|| GENESIS_HASH.to_owned());
        let end = start.map(|s| actual_end_ms.max(s));
        let record = AiringRecord {
            uuid,
            item_id: &item_id,
            planned_start_ms: planned,
            actual_start_ms: start,
            actual_end_ms: end,
            outcome,
            reason,
            clock_offset_ms: offset,
            prev_hash: &prev,
        };
        write_final(CLOSE_OPEN, &record, &record.chain_hash(), &mut tx).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Deletes an open airing whose audio never started (its record was committed
    /// ahead of an item that then did not play).
    pub async fn discard_open(&self, uuid: &str) -> Result<(), LocalError> {
        sqlx::query("DELETE FROM outbox WHERE uuid = ? AND outcome IS NULL")
            .bind(uuid)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Records an item that never started (`missed`, or `failed` before any audio), final
    /// at once.
    pub async fn record_unplayed(
        &self,
        item_id: &str,
        planned_start_ms: i64,
        outcome: Outcome,
        reason: Option<Reason>,
        clock_offset_ms: i64,
    ) -> Result<(), LocalError> {
        let reason = reason.map_or("", Reason::as_str);
        let uuid = uuid::Uuid::new_v4().to_string();
        let mut tx = self.pool.begin().await?;
        let prev = chain_head(&mut tx).await?;
        let record = AiringRecord {
            uuid: &uuid,
            item_id,
            planned_start_ms,
            actual_start_ms: None,
            actual_end_ms: None,
            outcome,
            reason,
            clock_offset_ms,
            prev_hash: &prev,
        };
        write_final(INSERT_FINAL, &record, &record.chain_hash(), &mut tx).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Airings whose audio had started when the agent last stopped (a crash or a power
    /// cut), oldest first.
    pub async fn open_airings(&self) -> Result<Vec<OpenAiring>, LocalError> {
        Ok(sqlx::query(
            "SELECT uuid, item_id, actual_start_ms FROM outbox WHERE outcome IS NULL ORDER BY seq",
        )
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(|r| OpenAiring {
            uuid: r.get(0),
            item_id: r.get(1),
            actual_start_ms: r.get::<Option<i64>, _>(2).unwrap_or_default(),
        })
        .collect())
    }

    /// Up to `limit` final airings not yet acknowledged, oldest first.
    pub async fn pending(&self, limit: u32) -> Result<Vec<AiringJson>, LocalError> {
        Ok(sqlx::query(
            "SELECT uuid, item_id, planned_start_ms, actual_start_ms, actual_end_ms, outcome, reason,
                    clock_offset_ms, prev_hash, hash
             FROM outbox WHERE outcome IS NOT NULL AND rejected IS NULL ORDER BY seq LIMIT ?",
        )
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(|r| AiringJson {
            uuid: r.get(0),
            item_id: r.get(1),
            planned_start_ms: r.get(2),
            actual_start_ms: r.get(3),
            actual_end_ms: r.get(4),
            outcome: r.get(5),
            reason: r.get(6),
            clock_offset_ms: r.get(7),
            prev_hash: r.get(8),
            hash: r.get(9),
            // Signed as it is sent (see `agent::key::sign`).
            key_id: None,
            signature: None,
        })
        .collect())
    }

    /// Deletes airings the server acknowledged (stored, or already held).
    pub async fn acknowledged(&self, uuids: &[String]) -> Result<(), LocalError> {
        if uuids.is_empty() {
            return Ok(());
        }
        // One statement for the whole batch: the list goes in as a JSON array.
        let list = serde_json::to_string(uuids).unwrap_or_else(|_| "[]".to_owned());
        sqlx::query(
            "DELETE FROM outbox WHERE outcome IS NOT NULL
                AND uuid IN (SELECT value FROM json_each(?))",
        )
        .bind(list)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Keeps an airing the server refused, with its reason, out of further uploads.
    pub async fn rejected(&self, uuid: &str, why: &str) -> Result<(), LocalError> {
        sqlx::query("UPDATE outbox SET rejected = ? WHERE uuid = ?")
            .bind(why)
            .bind(uuid)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Final airings waiting for the server, and those it refused.
    pub async fn backlog(&self) -> Result<(u32, u32), LocalError> {
        let row = sqlx::query(
            "SELECT COALESCE(SUM(CASE WHEN rejected IS NULL THEN 1 ELSE 0 END), 0),
                    COALESCE(SUM(CASE WHEN rejected IS NOT NULL THEN 1 ELSE 0 END), 0)
             FROM outbox WHERE outcome IS NOT NULL",
        )
        .fetch_one(&self.pool)
        .await?;
        let count = |i: usize| u32::try_from(row.get::<i64, _>(i)).unwrap_or(u32::MAX);
        Ok((count(0), count(1)))
    }
}

async fn chain_head(tx: &mut sqlx::SqliteConnection) -> Result<String, LocalError> {
    Ok(sqlx::query("SELECT value FROM kv WHERE key = 'chain_head'")
        .fetch_optional(&mut *tx)
        .await?
        .map_or_else(|| GENESIS_HASH.to_owned(), |r| r.get(0)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Closing, recording unplayed and acknowledging: each record final once, chained to
    /// the one before, its item done, gone from the outbox once acknowledged.
    #[tokio::test]
    async fn final_records_chain_and_leave_when_acknowledged() {
        let dir = tempfile::tempdir().expect("temp dir");
        let local = Local::open(dir.path()).await.expect("agent.db");
        let first = local.open_airing("a", 1_000, 1_010, 7).await.expect("open");
        assert_eq!(local.pending(10).await.expect("pending"), vec![]);
        local
            .close_airing(&first, 4_000, Outcome::Aired, None)
            .await
            .expect("close");
        // A second close of the same record changes nothing.
        local
            .close_airing(&first, 9_000, Outcome::Partial, Some(Reason::AgentStopped))
            .await
            .expect("close again");
        local
            .record_unplayed("b", 5_000, Outcome::Missed, Some(Reason::MediaMissing), -3)
            .await
            .expect("unplayed");
        let sent = local.pending(10).await.expect("pending");
        assert_eq!(sent.len(), 2);
        let (a, b) = (&sent[0], &sent[1]);
        assert_eq!(
            (
                a.item_id.as_str(),
                a.planned_start_ms,
                a.actual_start_ms,
                a.actual_end_ms
            ),
            ("a", 1_000, Some(1_010), Some(4_000))
        );
        assert_eq!(
            (a.outcome.as_str(), a.reason.as_str(), a.clock_offset_ms),
            ("aired", "", 7)
        );
        assert_eq!(a.prev_hash, GENESIS_HASH);
        let expect_a = AiringRecord {
            uuid: &first,
            item_id: "a",
            planned_start_ms: 1_000,
            actual_start_ms: Some(1_010),
            actual_end_ms: Some(4_000),
            outcome: Outcome::Aired,
            reason: "",
            clock_offset_ms: 7,
            prev_hash: GENESIS_HASH,
        }
        .chain_hash();
        assert_eq!(a.hash, expect_a);
        assert_eq!(
            (
                b.item_id.as_str(),
                b.planned_start_ms,
                b.actual_start_ms,
                b.actual_end_ms
            ),
            ("b", 5_000, None, None)
        );
        assert_eq!(
            (b.outcome.as_str(), b.reason.as_str(), b.clock_offset_ms),
            ("missed", "media_missing", -3)
        );
        assert_eq!(b.prev_hash, expect_a);
        let mut done = local.done_since(0).await.expect("done");
        done.sort();
        assert_eq!(done, ["a", "b"]);
        assert_eq!(local.backlog().await.expect("backlog"), (2, 0));
        local
            .acknowledged(&[a.uuid.clone(), b.uuid.clone(), "unknown".to_owned()])
            .await
            .expect("acknowledged");
        assert_eq!(local.backlog().await.expect("backlog"), (0, 0));
        assert_eq!(local.pending(10).await.expect("pending"), vec![]);
    }
}
