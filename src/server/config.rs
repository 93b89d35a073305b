//! Server configuration: defaults, then an optional TOML file, then `LOA_*` environment
//! variables, then command-line flags (each overriding the one before).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// Everything `loa serve` can be told.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// Where the embedded database and the media folder live.
    pub data_dir: PathBuf,
    /// `postgres://…` to use PostgreSQL; the embedded SQLite file otherwise.
    pub database_url: Option<String>,
    /// Schedule sets imported into an empty database (`schedules/`).
    pub seed: Option<PathBuf>,
    /// Days compiled ahead for each station.
    pub horizon_days: u32,
    /// How long an enrollment code stays valid, in minutes.
    pub enroll_code_minutes: u32,
    /// How long a console session lasts, in hours.
    pub session_hours: u32,
    /// Failed logins per account in 15 minutes before each further attempt waits a
    /// growing delay (four times as many per client address).
    pub max_login_failures: u32,
    /// Take the client address from the last `X-Forwarded-For` entry (only behind a
    /// reverse proxy that sets it; off by default, the socket's peer is used).
    pub trust_proxy: bool,
    /// Most open event streams per station.
    pub max_streams_per_station: u32,
    /// Most open event streams in total on this replica.
    pub max_streams: u32,
    /// How far ahead of the server's clock an airing's instants may be, in minutes.
    pub airing_clock_tolerance_minutes: u32,
    /// Largest accepted upload in megabytes.
    pub max_upload_mb: u32,
    /// Target loudness of stations created without one, LUFS.
    pub default_target_lufs: f64,
    /// When set, `GET /metrics` answers only `Authorization: Bearer <this>` (for a
    /// server on the internet); open otherwise.
    pub metrics_token: Option<String>,
    /// PEM certificate chain: with `tls_key`, `loa serve` speaks HTTPS itself.
    pub tls_cert: Option<PathBuf>,
    /// PEM private key of `tls_cert`.
    pub tls_key: Option<PathBuf>,
    /// Seconds between background checks of every stored airing's signature and
    /// chain (`loa verify`'s check, written for reports); 0 turns them off.
    pub verify_interval_s: u64,
    /// A station is silent (fleet status) after this many minutes without a heartbeat.
    pub fleet_silent_minutes: u32,
    /// A station's clock is off when it differs from the server's by more than this, ms.
    pub fleet_clock_off_ms: u32,
    /// A station's outbox is backed up when it holds more airings than this.
    pub fleet_backlog: u32,
    /// Chain breaks and refused signatures of the last this many days count as problems.
    pub fleet_problem_days: u32,
    /// Seconds between two alert checks; 0 turns the alert task off.
    pub alert_interval_s: u32,
    /// Alert on a station silent during its windows for more than this many minutes.
    pub alert_silent_minutes: u32,
    /// Most stations listed in one alert message; the rest are counted.
    pub alert_max_stations: u32,
    /// Subscriptions kept in the configuration (beside those made through the API).
    pub alert_subscriptions: Vec<AlertSubscriptionConfig>,
    /// SMTP server for alert e-mail; no e-mail is sent without it.
    pub smtp_host: Option<String>,
    /// Its port.
    pub smtp_port: u16,
    /// Sender address of alert e-mail, e.g. `loa <canh-bao@stttt.example.vn>`.
    pub smtp_from: Option<String>,
    /// `starttls` (default), `tls` (implicit TLS, port 465) or `off` (plain, tests only).
    pub smtp_tls: SmtpTls,
    /// SMTP login, if the server needs one.
    pub smtp_username: Option<String>,
    /// SMTP password (or `LOA_SMTP_PASSWORD`).
    pub smtp_password: Option<String>,
}

/// How alert e-mail reaches the SMTP server.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    /// Plain connection upgraded with STARTTLS (required).
    #[default]
    Starttls,
    /// TLS from the first byte.
    Tls,
    /// No encryption: only for a local relay or tests.
    Off,
}

/// One alert subscription written in the configuration file.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct AlertSubscriptionConfig {
    /// Root of the area subtree whose stations it covers.
    pub area: String,
    /// Address to e-mail.
    pub email: Option<String>,
    /// URL to POST the JSON digest to.
    pub webhook: Option<String>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: PathBuf::from("loa-data"),
            database_url: None,
            seed: Some(PathBuf::from("schedules")),
            horizon_days: 14,
            enroll_code_minutes: 60 * 24,
            session_hours: 12,
            max_login_failures: 5,
            trust_proxy: false,
            max_streams_per_station: 2,
            max_streams: 5000,
            airing_clock_tolerance_minutes: 60,
            max_upload_mb: 100,
            default_target_lufs: -16.0,
            metrics_token: None,
            tls_cert: None,
            tls_key: None,
            // A year of a province (2 million records) is a few minutes of one core;
            // a country's (30 million), about an hour: daily, and replicas take turns.
            verify_interval_s: 86_400,
            fleet_silent_minutes: 5,
            fleet_clock_off_ms: 1000,
            fleet_backlog: 50,
            fleet_problem_days: 7,
            alert_interval_s: 60,
            alert_silent_minutes: 5,
            alert_max_stations: 20,
            alert_subscriptions: Vec::new(),
            smtp_host: None,
            smtp_port: 587,
            smtp_from: None,
            smtp_tls: SmtpTls::Starttls,
            smtp_username: None,
            smtp_password: None,
        }
    }
}

impl Config {
    /// Reads `file` (if given) over the defaults, then applies `LOA_LISTEN`,
    /// `LOA_DATA_DIR`, `LOA_DATABASE_URL`, `LOA_SEED`, `LOA_HORIZON_DAYS`,
    /// `LOA_METRICS_TOKEN`, `LOA_SMTP_PASSWORD`.
    pub fn load(file: Option<&Path>) -> anyhow::Result<Self> {
        use anyhow::Context;
        let mut config = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("không đọc được {}", path.display()))?;
                toml::from_str(&text)
                    .with_context(|| format!("tệp cấu hình {} không hợp lệ", path.display()))?
            }
            None => Self::default(),
        };
        let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        if let Some(v) = env("LOA_LISTEN") {
            config.listen = v
                .parse()
                .with_context(|| format!("LOA_LISTEN `{v}` không phải địa chỉ IP:cổng"))?;
        }
        if let Some(v) = env("LOA_DATA_DIR") {
            config.data_dir = v.into();
        }
        if let Some(v) = env("LOA_DATABASE_URL") {
            config.database_url = Some(v);
        }
        if let Some(v) = env("LOA_SEED") {
            config.seed = Some(v.into());
        }
        if let Some(v) = env("LOA_METRICS_TOKEN") {
            config.metrics_token = Some(v);
        }
        if let Some(v) = env("LOA_SMTP_PASSWORD") {
            config.smtp_password = Some(v);
        }
        if let Some(v) = env("LOA_HORIZON_DAYS") {
            config.horizon_days = v
                .parse()
                .with_context(|| format!("LOA_HORIZON_DAYS `{v}` không phải số"))?;
        }
        Ok(config)
    }

    /// The fleet status thresholds in force.
    pub fn fleet_thresholds(&self) -> crate::domain::Thresholds {
        crate::domain::Thresholds {
            silent_after_ms: i64::from(self.fleet_silent_minutes) * 60_000,
            clock_off_ms: i64::from(self.fleet_clock_off_ms),
            outbox_backlog: self.fleet_backlog,
        }
    }

    /// The database URL in force.
    pub fn database_url(&self) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| crate::store::Store::sqlite_url(&self.data_dir))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_overrides_defaults_and_unknown_keys_are_refused() {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("loa.toml");
        std::fs::write(&file, "listen = \"0.0.0.0:9000\"\nhorizon_days = 21\n").expect("write");
        let config = Config::load(Some(&file)).expect("valid file");
        assert_eq!(config.listen, "0.0.0.0:9000".parse().expect("addr"));
        assert_eq!(config.horizon_days, 21);
        assert_eq!(config.session_hours, Config::default().session_hours);

        std::fs::write(&file, "horizon_dayz = 21\n").expect("write");
        let err = format!("{:#}", Config::load(Some(&file)).expect_err("unknown key"));
        assert!(err.contains("horizon_dayz"), "{err}");
        assert!(err.contains("không hợp lệ"), "{err}");
    }

    #[test]
    fn the_embedded_database_lives_in_the_data_dir() {
        let config = Config {
            data_dir: PathBuf::from("/srv/loa"),
            ..Config::default()
        };
        assert_eq!(config.database_url(), "sqlite:///srv/loa/loa.db?mode=rwc");
        let pg = Config {
            database_url: Some("postgres://db/loa".to_owned()),
            ..Config::default()
        };
        assert_eq!(pg.database_url(), "postgres://db/loa");
    }
}
