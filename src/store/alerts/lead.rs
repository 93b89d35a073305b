//! The lead: one replica at a time checks and sends alerts.

use sqlx::Row;

use crate::store::{Backend, Store, StoreError};

/// The right to check and send alerts for this round, held by one replica at a time: a
/// PostgreSQL advisory lock inside a transaction (released at its end, or when the
/// replica's connection dies); on SQLite, one process owns the file, so always.
pub struct Lead {
    tx: Option<sqlx::Transaction<'static, sqlx::Any>>,
}

/// First key of the alert lock: "loal" in ASCII; the second is the schema's hash, so
/// deployments (and test runs) sharing one PostgreSQL in separate schemas do not wait
/// on each other.
const LEAD_KEY: i32 = 0x6c6f_616c;

/// Takes the lead unless another replica holds it (`None`).
pub async fn lead(store: &Store) -> Result<Option<Lead>, StoreError> {
    if store.backend() == Backend::Sqlite {
        return Ok(Some(Lead { tx: None }));
    }
    let mut tx = store.pool().begin().await?;
    let got: bool = sqlx::query("SELECT pg_try_advisory_xact_lock($1, hashtext(current_schema()))")
        .bind(LEAD_KEY)
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
    if got {
        Ok(Some(Lead { tx: Some(tx) }))
    } else {
        tx.rollback().await?;
        Ok(None)
    }
}

impl Lead {
    /// Gives the lead back.
    pub async fn release(self) -> Result<(), StoreError> {
        if let Some(tx) = self.tx {
            tx.commit().await?;
        }
        Ok(())
    }
}
