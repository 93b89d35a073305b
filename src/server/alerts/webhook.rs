//! Alert digests as a JSON POST: the same digest as the e-mail, with each listed notice
//! as fields a program can read.

use serde::Serialize;

use crate::domain::{Digest, Notice};
use crate::store::alerts::Subscription;

/// The body POSTed to a webhook.
#[derive(Debug, Serialize)]
pub(super) struct WebhookJson {
    /// Always `loa.alert_digest`.
    kind: &'static str,
    /// The subscription's id.
    subscription: i64,
    /// Root of the area subtree it covers.
    area: String,
    /// The area's name.
    area_name: String,
    /// When the digest was made, RFC 3339 UTC.
    generated_at: String,
    /// The e-mail's subject and text.
    subject: String,
    text: String,
    /// Problems that opened, listed one by one.
    opened: Vec<NoticeJson>,
    /// Problems that cleared.
    closed: Vec<NoticeJson>,
    /// Stations with new problems beyond those listed.
    more_opened: usize,
    /// Stations whose problems cleared beyond those listed.
    more_closed: usize,
}

/// One problem at one station.
#[derive(Debug, Serialize)]
struct NoticeJson {
    station: String,
    station_name: String,
    area_name: String,
    /// `silent`, `media_missing`, `chain_break`, `signature_failure`, `clock_off`.
    kind: &'static str,
    /// The kind in Vietnamese.
    label: &'static str,
    /// What was found when it opened.
    detail: String,
    /// When it opened or cleared, RFC 3339 UTC.
    at: String,
}

/// The body for `sub`'s digest `d` of `notices`.
pub(super) fn body(
    sub: &Subscription,
    area_name: &str,
    now_ms: i64,
    d: &Digest,
    notices: &[Notice],
) -> WebhookJson {
    let json = |n: &Notice| NoticeJson {
        station: n.station.clone(),
        station_name: n.station_name.clone(),
        area_name: n.area_name.clone(),
        kind: n.kind.as_str(),
        label: n.kind.label_vi(),
        detail: n.detail.clone(),
        at: crate::server::api::fleet::rfc3339(n.at_ms),
    };
    let listed = d.listed.iter().filter_map(|&i| notices.get(i));
    WebhookJson {
        kind: "loa.alert_digest",
        subscription: sub.id,
        area: sub.area_code.clone(),
        area_name: area_name.to_owned(),
        generated_at: crate::server::api::fleet::rfc3339(now_ms),
        subject: d.subject.clone(),
        text: d.text.clone(),
        opened: listed.clone().filter(|n| n.opened).map(json).collect(),
        closed: listed.filter(|n| !n.opened).map(json).collect(),
        more_opened: d.more_opened,
        more_closed: d.more_closed,
    }
}

/// POSTs `body` to `url`; any answer but 2xx is a failure.
pub(super) async fn post(
    client: &reqwest::Client,
    url: &str,
    body: &WebhookJson,
) -> anyhow::Result<()> {
    let res = client
        .post(url)
        .json(body)
        .send()
        .await
        .map_err(|e| anyhow::anyhow!("không gửi được tới webhook: {e}"))?;
    if !res.status().is_success() {
        anyhow::bail!("webhook trả lời {}", res.status());
    }
    Ok(())
}
