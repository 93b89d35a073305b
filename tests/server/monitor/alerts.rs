//! The alert task against a real SMTP server and a real webhook receiver: stations
//! falling silent in their window give one digest per subscription, a second round
//! sends nothing again (nor does a restarted task), and a station heard again gives a
//! recovery message. Rounds are driven one by one at chosen instants.

use chrono::{DateTime, TimeZone, Utc};
use loa::server::alerts::{AlertRun, Alerter};
use loa::server::config::SmtpTls;
use serde_json::{Value, json};

use super::sinks::{SmtpSink, WebhookSink};
use crate::both_backends;
use crate::server::{Db, TestApp, seed_dir, spawn_app_configured};

both_backends!(db: silence_is_told_once_in_a_digest_and_so_is_its_end);

/// `hh:mm` station-local tomorrow.
fn tomorrow(h: u32, m: u32) -> DateTime<Utc> {
    let tz = chrono_tz::Asia::Ho_Chi_Minh;
    let day = Utc::now().with_timezone(&tz).date_naive() + chrono::Days::new(1);
    tz.from_local_datetime(&day.and_hms_opt(h, m, 0).expect("time"))
        .single()
        .expect("local time")
        .with_timezone(&Utc)
}

/// Records a healthy heartbeat of `station` received at `at`.
async fn heard(app: &TestApp, station: &str, at: DateTime<Utc>) {
    let version = app.playlist_version(station).await;
    let body = json!({ "version": "test", "playlist_version": version }).to_string();
    loa::store::record_heartbeat(&app.state.store, station, at.timestamp_millis(), &body)
        .await
        .expect("heartbeat stored");
}

async fn round(alerter: &Alerter, at: DateTime<Utc>) -> AlertRun {
    alerter.run_once(at).await.expect("alert round")
}

async fn subscribe(app: &TestApp, token: &str, body: Value, status: u16) -> Value {
    let res = app
        .client
        .post(app.url("/api/v1/alert-subscriptions"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("subscribe");
    assert_eq!(res.status(), status, "{body}");
    res.json().await.expect("json")
}

async fn silence_is_told_once_in_a_digest_and_so_is_its_end(db: Db) {
    let Some(smtp) = SmtpSink::start() else {
        return;
    };
    let hook = WebhookSink::start().await;
    let port = smtp.port;
    let Some(app) = spawn_app_configured(db, seed_dir(), |c| {
        c.alert_interval_s = 0;
        c.alert_max_stations = 1;
        c.smtp_host = Some("127.0.0.1".to_owned());
        c.smtp_port = port;
        c.smtp_from = Some("loa <canh-bao@loa.test>".to_owned());
        c.smtp_tls = SmtpTls::Off;
    })
    .await
    else {
        eprintln!("LOA_TEST_DATABASE_URL not set: PostgreSQL run skipped");
        return;
    };
    let admin = app.admin().await;
    let sub = subscribe(
        &app,
        &admin,
        json!({ "area": "19", "email": "can-bo@tinh.test", "webhook": hook.url }),
        201,
    )
    .await;
    assert_eq!(sub["origin"], "api");

    // Two stations heard before their evening window (17:00-18:00), then nothing.
    for station in ["05443", "05710"] {
        heard(&app, station, tomorrow(16, 50)).await;
    }
    let alerter = Alerter::new(app.state.clone())
        .await
        .expect("alerter")
        .watching_since(tomorrow(16, 0));
    let early = round(&alerter, tomorrow(17, 3)).await;
    assert_eq!(
        (early.led, early.opened, early.sent),
        (true, 0, 0),
        "3 minutes into the window"
    );
    assert!(smtp.messages().is_empty());

    let silent = round(&alerter, tomorrow(17, 10)).await;
    assert_eq!(
        (silent.opened, silent.sent, silent.failed),
        (2, 2, 0),
        "{silent:?}"
    );
    let mail = smtp.messages();
    assert_eq!(
        mail.len(),
        1,
        "one digest, not one message per station: {mail:?}"
    );
    assert_eq!(mail[0]["to"], json!(["can-bo@tinh.test"]));
    assert_eq!(mail[0]["subject"], "[loa] Thái Nguyên: 2 trạm có sự cố mới");
    let text = mail[0]["body"].as_str().expect("body");
    assert!(text.contains("Sự cố mới (2 trạm):"), "{text}");
    assert!(
        text.contains("- 05443 Trạm truyền thanh Phường Phan Đình Phùng (Phường Phan Đình Phùng): ") && text.contains("mất tín hiệu trong khung phát (không có tín hiệu 10 phút trong khung phát; lần cuối 16:50 "),
        "{text}"
    );
    assert!(
        text.contains("- … và 1 trạm khác (mất tín hiệu trong khung phát: 1)"),
        "{text}"
    );
    let posted = hook.bodies();
    assert_eq!(posted.len(), 1);
    assert_eq!(posted[0]["kind"], "loa.alert_digest");
    assert_eq!(posted[0]["opened"][0]["station"], "05443");
    assert_eq!(posted[0]["opened"][0]["kind"], "silent");
    assert_eq!(posted[0]["more_opened"], 1);
    assert_eq!(posted[0]["subject"], mail[0]["subject"]);

    // Still silent: nothing again, nor from a restarted task.
    let again = round(&alerter, tomorrow(17, 12)).await;
    assert_eq!((again.opened, again.sent), (0, 0), "{again:?}");
    let restarted = Alerter::new(app.state.clone())
        .await
        .expect("alerter")
        .watching_since(tomorrow(16, 0));
    let after_restart = round(&restarted, tomorrow(17, 13)).await;
    assert_eq!((after_restart.opened, after_restart.sent), (0, 0));
    assert_eq!(smtp.messages().len(), 1);

    // 05443 is heard again: a recovery message; 05710 stays open.
    heard(&app, "05443", tomorrow(17, 14)).await;
    let back = round(&restarted, tomorrow(17, 15)).await;
    assert_eq!((back.opened, back.closed, back.sent), (0, 1, 2), "{back:?}");
    let mail = smtp.messages();
    assert_eq!(mail.len(), 2);
    assert_eq!(mail[1]["subject"], "[loa] Thái Nguyên: 1 trạm đã hết sự cố");
    let text = mail[1]["body"].as_str().expect("body");
    assert!(
        text.contains("Đã khắc phục (1 trạm):\n- 05443 ")
            && text.contains("hết mất tín hiệu trong khung phát lúc 17:15 "),
        "{text}"
    );
    assert_eq!(hook.bodies()[1]["closed"][0]["station"], "05443");

    if db == Db::Postgres {
        // Another replica holding the lead: this one checks and sends nothing.
        let held = loa::store::alerts::lead(&app.state.store)
            .await
            .expect("lead")
            .expect("free");
        assert!(
            loa::store::alerts::lead(&app.state.store)
                .await
                .expect("try")
                .is_none()
        );
        let skipped = round(&restarted, tomorrow(17, 40)).await;
        assert!(!skipped.led);
        held.release().await.expect("release");
    }
    subscriptions_are_checked_and_scoped(&app, &admin).await;
}

async fn subscriptions_are_checked_and_scoped(app: &TestApp, admin: &str) {
    use loa::server::auth::Role;
    let bad = subscribe(
        app,
        admin,
        json!({ "area": "19", "email": "khong-phai" }),
        422,
    )
    .await;
    assert!(
        bad["problems"][0]
            .as_str()
            .expect("problem")
            .starts_with("email:"),
        "{bad}"
    );
    let none = subscribe(app, admin, json!({ "area": "19" }), 422).await;
    assert!(
        none["problems"][0]
            .as_str()
            .expect("problem")
            .contains("ít nhất một")
    );
    subscribe(
        app,
        admin,
        json!({ "area": "00000", "webhook": "https://h.test/x" }),
        422,
    )
    .await;

    let commune = app.staff("qtv-xa", Role::Admin, "05710").await;
    subscribe(
        app,
        &commune,
        json!({ "area": "05443", "email": "a@b.test" }),
        403,
    )
    .await;
    let own = subscribe(
        app,
        &commune,
        json!({ "area": "05710", "email": "xa@b.test" }),
        201,
    )
    .await;
    let seen = app
        .get_json(&commune, "/api/v1/alert-subscriptions", 200)
        .await;
    assert_eq!(
        seen.as_array().expect("list").len(),
        1,
        "not the province's: {seen}"
    );
    let all = app
        .get_json(admin, "/api/v1/alert-subscriptions", 200)
        .await;
    assert_eq!(all.as_array().expect("list").len(), 2);
    let province_sub = &all[0]["id"];
    let delete = |token: String, id: String| async move {
        app.client
            .delete(app.url(&format!("/api/v1/alert-subscriptions/{id}")))
            .bearer_auth(token)
            .send()
            .await
            .expect("delete")
            .status()
    };
    assert_eq!(delete(commune.clone(), province_sub.to_string()).await, 404);
    assert_eq!(delete(commune.clone(), own["id"].to_string()).await, 204);
    assert_eq!(delete(commune.clone(), own["id"].to_string()).await, 404);
    let viewer = app.staff("xem", Role::Viewer, "19").await;
    app.get_json(&viewer, "/api/v1/alert-subscriptions", 403)
        .await;
}
