//! Alert e-mail through the configured SMTP server (lettre): STARTTLS by default,
//! implicit TLS, or plain for a local relay and the tests.

use std::time::Duration;

use anyhow::Context;
use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::server::config::{Config, SmtpTls};

/// How long one SMTP exchange may take.
const TIMEOUT: Duration = Duration::from_secs(20);

/// A configured sender.
pub(super) struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Mailer {
    /// The sender `config` describes; `None` without `smtp_host`.
    pub fn from_config(config: &Config) -> anyhow::Result<Option<Self>> {
        let Some(host) = config.smtp_host.as_deref().filter(|h| !h.trim().is_empty()) else {
            return Ok(None);
        };
        let from = config
            .smtp_from
            .as_deref()
            .context("có smtp_host nhưng thiếu smtp_from: viết địa chỉ gửi, ví dụ smtp_from = \"loa <canh-bao@stttt.example.vn>\"")?;
        let from: Mailbox = from.parse().with_context(|| {
            format!("smtp_from `{from}` không phải địa chỉ e-mail; viết dạng \"loa <canh-bao@stttt.example.vn>\"")
        })?;
        let builder = match config.smtp_tls {
            SmtpTls::Off => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host),
            SmtpTls::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host)
                .with_context(|| format!("smtp_host `{host}` không dùng được với STARTTLS"))?,
            SmtpTls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(host)
                .with_context(|| format!("smtp_host `{host}` không dùng được với TLS"))?,
        };
        let mut builder = builder.port(config.smtp_port).timeout(Some(TIMEOUT));
        if let (Some(user), Some(password)) = (&config.smtp_username, &config.smtp_password) {
            builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
        }
        Ok(Some(Self {
            transport: builder.build(),
            from,
        }))
    }

    /// Sends one plain-text message to `to`.
    pub async fn send(&self, to: &str, subject: &str, text: &str) -> anyhow::Result<()> {
        let to: Mailbox = to
            .parse()
            .with_context(|| format!("địa chỉ nhận `{to}` không hợp lệ"))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(text.to_owned())
            .context("không dựng được thư cảnh báo")?;
        self.transport
            .send(message)
            .await
            .context("máy chủ SMTP không nhận thư cảnh báo")?;
        Ok(())
    }
}
