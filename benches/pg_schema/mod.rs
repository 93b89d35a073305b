//! A throwaway schema on the PostgreSQL server of `LOA_BENCH_DATABASE_URL`: made fresh
//! for one measurement, reached through `search_path`, dropped when done. Shared by the
//! benchmarks that measure on PostgreSQL.

use sqlx::ConnectOptions;

/// A schema made for one measurement.
pub struct PgSchema {
    base: String,
    /// Its name.
    pub name: String,
}

impl PgSchema {
    /// Makes a new schema named `PREFIX_…` on the server at `base`.
    pub async fn create(base: &str, prefix: &str) -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let name = format!("{prefix}_{nanos:x}_{:x}", std::process::id());
        let mut conn = connect(base).await;
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {name}")))
            .execute(&mut conn)
            .await
            .expect("create the benchmark schema");
        Self {
            base: base.to_owned(),
            name,
        }
    }

    /// The URL whose connections work in this schema.
    pub fn url(&self) -> String {
        let sep = if self.base.contains('?') { '&' } else { '?' };
        format!("{}{sep}options=-c%20search_path%3D{}", self.base, self.name)
    }

    /// Drops the schema and all in it. Call after every pool on it is closed.
    pub async fn drop_all(self) {
        let mut conn = connect(&self.base).await;
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "DROP SCHEMA {} CASCADE",
            self.name
        )))
        .execute(&mut conn)
        .await
        .expect("drop the benchmark schema");
    }
}

async fn connect(base: &str) -> sqlx::PgConnection {
    let options: sqlx::postgres::PgConnectOptions = base
        .parse()
        .expect("LOA_BENCH_DATABASE_URL is a postgres:// URL");
    options
        .connect()
        .await
        .expect("connect to LOA_BENCH_DATABASE_URL")
}
