//! Talking to `loa serve`: enrollment, playlist with ETag, media with Range and
//! If-Match, airing batches, heartbeats, emergency acknowledgements and the event
//! stream. Every answer carrying the server's time updates the clock-offset estimate.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use futures::StreamExt;
use reqwest::StatusCode;
use reqwest::header::{AUTHORIZATION, ETAG, IF_MATCH, IF_NONE_MATCH, RANGE};

use super::clock::Clock;
use crate::wire::{
    AiringJson, AiringsBatch, AiringsResponse, EnrollRequest, EnrollResponse, HeartbeatJson,
    StationKeyRequest, StationKeyResponse,
};

/// A failed exchange with the server.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// No answer (network down, server down, timeout).
    #[error("không kết nối được máy chủ: {0}")]
    Unreachable(String),
    /// The server refused the station's credential: enroll again.
    #[error("máy chủ từ chối mã truy cập của trạm (HTTP {0}): cần đăng ký lại trạm")]
    Refused(u16),
    /// Another error status, with the server's message.
    #[error("máy chủ trả lỗi HTTP {status}: {message}")]
    Status {
        /// HTTP status.
        status: u16,
        /// The server's `error` message or body.
        message: String,
    },
}

impl From<reqwest::Error> for ClientError {
    fn from(e: reqwest::Error) -> Self {
        Self::Unreachable(e.to_string())
    }
}

/// The station clock's offset from the server's, estimated from round trips: of the
/// last few samples, the one with the shortest round trip (least queueing) wins.
#[derive(Debug, Default)]
pub struct ClockSync {
    samples: Mutex<Vec<(i64, i64)>>,
}

impl ClockSync {
    /// Station clock minus server clock, ms (0 before any exchange).
    pub fn offset_ms(&self) -> i64 {
        let samples = self.samples.lock().unwrap_or_else(|e| e.into_inner());
        samples
            .iter()
            .min_by_key(|(rtt, _)| *rtt)
            .map_or(0, |(_, off)| *off)
    }

    /// Adds a sample: sent at `t0`, answered at `t1` (station clock) with `server_ms`.
    pub fn observe(&self, t0: i64, t1: i64, server_ms: i64) {
        let mut samples = self.samples.lock().unwrap_or_else(|e| e.into_inner());
        if samples.len() >= 8 {
            samples.remove(0);
        }
        samples.push((t1 - t0, (t0 + t1) / 2 - server_ms));
    }
}

/// The station's connection to its server.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base: String,
    token: String,
    clock: Arc<dyn Clock>,
    sync: Arc<ClockSync>,
}

/// What a playlist fetch found.
pub enum PlaylistFetch {
    /// The ETag held is current.
    NotModified,
    /// A new playlist: its ETag (unquoted) and bytes.
    New(String, Bytes),
}

/// The HTTP client: certificates verified against the system's roots plus `extra_roots`
/// (a province's own CA, from `--ca-cert`).
fn http_client(extra_roots: &[reqwest::Certificate]) -> reqwest::Client {
    reqwest::Client::builder()
        .tls_certs_merge(extra_roots.iter().cloned())
        .connect_timeout(Duration::from_secs(10))
        .read_timeout(Duration::from_secs(60))
        .user_agent(concat!("loa-agent/", env!("CARGO_PKG_VERSION")))
        .build()
        .unwrap_or_default()
}

/// Exchanges a one-time enrollment code for the station's token, registering
/// `public_key` (hex) as the station's signing key.
pub async fn enroll(
    server: &str,
    code: &str,
    public_key: Option<&str>,
    extra_roots: &[reqwest::Certificate],
) -> Result<EnrollResponse, ClientError> {
    let url = format!("{}/api/v1/enroll", server.trim_end_matches('/'));
    let response = http_client(extra_roots)
        .post(url)
        .timeout(Duration::from_secs(30))
        .json(&EnrollRequest {
            code: code.to_owned(),
            public_key: public_key.map(str::to_owned),
        })
        .send()
        .await?;
    let response = check(response).await?;
    Ok(response.json().await?)
}

async fn check(response: reqwest::Response) -> Result<reqwest::Response, ClientError> {
    let status = response.status();
    if status.is_success() || status == StatusCode::NOT_MODIFIED {
        return Ok(response);
    }
    if status == StatusCode::UNAUTHORIZED {
        return Err(ClientError::Refused(status.as_u16()));
    }
    let body = response.text().await.unwrap_or_default();
    let message = serde_json::from_str::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| v.get("error").and_then(|e| e.as_str()).map(str::to_owned))
        .unwrap_or(body);
    Err(ClientError::Status {
        status: status.as_u16(),
        message,
    })
}

impl Client {
    /// A client for `server` (e.g. `http://127.0.0.1:8080`) with the station's token,
    /// trusting `extra_roots` beside the system's certificate authorities.
    pub fn new(
        server: &str,
        token: &str,
        extra_roots: &[reqwest::Certificate],
        clock: Arc<dyn Clock>,
        sync: Arc<ClockSync>,
    ) -> Self {
        Self {
            http: http_client(extra_roots),
            base: server.trim_end_matches('/').to_owned(),
            token: token.to_owned(),
            clock,
            sync,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}/api/v1{path}", self.base)
    }

    /// Sends `request`, timing it for the clock offset.
    async fn send(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<reqwest::Response, ClientError> {
        let t0 = self.clock.now_ms();
        let response = request
            .header(AUTHORIZATION, format!("Bearer {}", self.token))
            .send()
            .await?;
        let t1 = self.clock.now_ms();
        if let Some(server_ms) = response
            .headers()
            .get("x-loa-server-time")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<i64>().ok())
        {
            self.sync.observe(t0, t1, server_ms);
        }
        check(response).await
    }

    /// Fetches the playlist unless `etag` (unquoted) is still current.
    pub async fn playlist(&self, etag: Option<&str>) -> Result<PlaylistFetch, ClientError> {
        let mut request = self
            .http
            .get(self.url("/playlist"))
            .timeout(Duration::from_secs(60));
        if let Some(etag) = etag {
            request = request.header(IF_NONE_MATCH, format!("\"{etag}\""));
        }
        let response = self.send(request).await?;
        if response.status() == StatusCode::NOT_MODIFIED {
            return Ok(PlaylistFetch::NotModified);
        }
        let etag = response
            .headers()
            .get(ETAG)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.trim_start_matches("W/").trim_matches('"').to_owned())
            .unwrap_or_default();
        Ok(PlaylistFetch::New(etag, response.bytes().await?))
    }

    /// Starts fetching media `sha256` from byte `from` (0 for all of it). The server
    /// answers 412 if the file it holds under that name is not the one begun.
    pub async fn media(&self, sha256: &str, from: u64) -> Result<reqwest::Response, ClientError> {
        let mut request = self
            .http
            .get(self.url(&format!("/media/{sha256}")))
            .header(IF_MATCH, format!("\"{sha256}\""));
        if from > 0 {
            request = request.header(RANGE, format!("bytes={from}-"));
        }
        self.send(request).await
    }

    /// Sends a batch of airings.
    pub async fn airings(&self, airings: Vec<AiringJson>) -> Result<AiringsResponse, ClientError> {
        let request = self
            .http
            .post(self.url("/airings"))
            .timeout(Duration::from_secs(60))
            .json(&AiringsBatch { airings });
        Ok(self.send(request).await?.json().await?)
    }

    /// Registers the station's signing key (`public_key`, hex); the server answers 409
    /// when the station has another current key.
    pub async fn register_key(&self, public_key: &str) -> Result<StationKeyResponse, ClientError> {
        let request = self
            .http
            .post(self.url("/station-key"))
            .timeout(Duration::from_secs(30))
            .json(&StationKeyRequest {
                public_key: public_key.to_owned(),
            });
        Ok(self.send(request).await?.json().await?)
    }

    /// Sends a heartbeat.
    pub async fn heartbeat(&self, hb: &HeartbeatJson) -> Result<(), ClientError> {
        let request = self
            .http
            .post(self.url("/heartbeat"))
            .timeout(Duration::from_secs(30))
            .json(hb);
        self.send(request).await.map(|_| ())
    }

    /// Tells the server an emergency bulletin was played.
    pub async fn ack_emergency(&self, id: &str) -> Result<(), ClientError> {
        let request = self
            .http
            .post(self.url(&format!("/emergencies/{id}/ack")))
            .timeout(Duration::from_secs(30));
        self.send(request).await.map(|_| ())
    }

    /// Opens the event stream, resuming after `last_id`; yields events until the
    /// connection ends.
    pub async fn events(
        &self,
        last_id: Option<i64>,
    ) -> Result<impl futures::Stream<Item = SseEvent> + use<>, ClientError> {
        let mut request = self.http.get(self.url("/events"));
        if let Some(id) = last_id {
            request = request.header("last-event-id", id.to_string());
        }
        let response = self.send(request).await?;
        let mut parser = SseParser::default();
        Ok(response
            .bytes_stream()
            .take_while(|chunk| std::future::ready(chunk.is_ok()))
            .flat_map(move |chunk| {
                let events = chunk.map(|c| parser.feed(&c)).unwrap_or_default();
                futures::stream::iter(events)
            }))
    }
}

/// One server-sent event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SseEvent {
    /// `id:`, if given.
    pub id: Option<i64>,
    /// `event:` (`message` when absent).
    pub kind: String,
    /// `data:` lines joined by newlines.
    pub data: String,
}

/// An incremental `text/event-stream` parser.
#[derive(Default)]
pub struct SseParser {
    pending: Vec<u8>,
    id: Option<i64>,
    kind: String,
    data: Vec<String>,
}

impl SseParser {
    /// Feeds bytes; returns the events they complete.
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<SseEvent> {
        self.pending.extend_from_slice(bytes);
        let mut out = Vec::new();
        while let Some(nl) = self.pending.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = self.pending.drain(..=nl).collect();
            let line = String::from_utf8_lossy(&line);
            let line = line.trim_end_matches(['\n', '\r']);
            if line.is_empty() {
                if !self.data.is_empty() || !self.kind.is_empty() {
                    out.push(SseEvent {
                        id: self.id.take(),
                        kind: if self.kind.is_empty() {
                            "message".to_owned()
                        } else {
                            std::mem::take(&mut self.kind)
                        },
                        data: std::mem::take(&mut self.data).join("\n"),
                    });
                }
                continue;
            }
            if line.starts_with(':') {
                continue;
            }
            let (field, value) = line.split_once(':').unwrap_or((line, ""));
            let value = value.strip_prefix(' ').unwrap_or(value);
            match field {
                "id" => self.id = value.parse().ok(),
                "event" => self.kind = value.to_owned(),
                "data" => self.data.push(value.to_owned()),
                _ => {}
            }
        }
        out
    }
}
