//! The permission matrix: every console endpoint × role × (own district, other
//! district) → the expected status, on the 3-tier Bắc Kạn tree.
//!
//! Accounts: the province administrator, and for districts 058 (Thành phố Bắc Kạn) and
//! 061 (Ba Bể) an editor, an approver and a viewer. Objects outside the caller's
//! subtree look absent (404) when named by id; writes naming an area outside it are
//! refused (403); lists hold only what lies inside. Roles are checked before scope, so
//! a viewer's write is 403 wherever it points.

use std::sync::atomic::{AtomicUsize, Ordering};

use reqwest::Method;
use serde_json::{Value, json};

use super::TestApp;
use super::campaigns::{api, campaign};
use crate::both_backends;

both_backends!(crate::server::bac_kan_dir;
    every_console_endpoint_by_role_and_district,
);

/// What each district holds for the matrix to point at.
struct District {
    code: &'static str,
    /// A commune in it, for new stations and accounts.
    commune: &'static str,
    station: &'static str,
    campaign: String,
    segment: String,
    pending: String,
    emergency: String,
    editor: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Role {
    Viewer,
    Editor,
    Approver,
    Admin,
}

struct Actor {
    name: String,
    role: Role,
    token: String,
    /// Index of its district in the list; `None` for the province.
    district: Option<usize>,
}

#[derive(Debug, Clone, Copy)]
enum Endpoint {
    Areas,
    Stations,
    StationGet,
    StationCreate,
    StationUpdate,
    Campaigns,
    CampaignGet,
    CampaignCreate,
    CampaignUpdate,
    CampaignDelete,
    EnrollCode,
    RevokeTokens,
    Accounts,
    AccountCreate,
    AccountDisable,
    Audit,
    Segments,
    SegmentGet,
    SegmentAudio,
    SegmentUpload,
    SegmentApprove,
    Emergencies,
    EmergencyGet,
    EmergencySend,
}

const ENDPOINTS: [Endpoint; 24] = {
    use Endpoint::*;
    [
        Areas,
        Stations,
        StationGet,
        StationCreate,
        StationUpdate,
        Campaigns,
        CampaignGet,
        CampaignCreate,
        CampaignUpdate,
        CampaignDelete,
        EnrollCode,
        RevokeTokens,
        Accounts,
        AccountCreate,
        AccountDisable,
        Audit,
        Segments,
        SegmentGet,
        SegmentAudio,
        SegmentUpload,
        SegmentApprove,
        Emergencies,
        EmergencyGet,
        EmergencySend,
    ]
};

/// The status `role` should get at `endpoint` aimed at its own district or another.
fn expected(endpoint: Endpoint, role: Role, own: bool) -> u16 {
    use Endpoint::*;
    // Reads: anyone, inside their subtree.
    let read_list = 200;
    let read_one = if own { 200 } else { 404 };
    // A write by role `need`: 403 below it; else what scope decides.
    let write = |need: Role, ok: u16, outside: u16| {
        if role < need {
            403
        } else if own {
            ok
        } else {
            outside
        }
    };
    match endpoint {
        Areas | Stations | Campaigns | Segments | Emergencies => read_list,
        StationGet | CampaignGet | SegmentGet | SegmentAudio | EmergencyGet => read_one,
        StationCreate | CampaignCreate | SegmentUpload => write(Role::Editor, 201, 403),
        StationUpdate | CampaignUpdate | CampaignDelete => write(Role::Editor, 200, 404),
        SegmentApprove => write(Role::Approver, 200, 404),
        EmergencySend => write(Role::Approver, 201, 403),
        EnrollCode | AccountCreate => write(Role::Admin, 201, 403),
        RevokeTokens | AccountDisable => write(Role::Admin, 200, 404),
        Accounts | Audit => write(Role::Admin, 200, 403),
    }
}

/// A short WAV (1 s, 8 kHz mono sine) whose bytes differ for every `n`, so each upload
/// is a new segment rather than the same audio again.
fn wav(n: usize) -> Vec<u8> {
    let rate = 8000u32;
    let samples: Vec<i16> = (0..rate)
        .map(|i| {
            let f = 300.0 + n as f64 * 7.0;
            let t = f64::from(i) / f64::from(rate);
            (8000.0 * (2.0 * std::f64::consts::PI * f * t).sin()) as i16
        })
        .collect();
    let data_len = samples.len() as u32 * 2;
    let mut out = Vec::with_capacity(44 + data_len as usize);
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(36 + data_len).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&rate.to_le_bytes());
    out.extend_from_slice(&(rate * 2).to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&16u16.to_le_bytes());
    out.extend_from_slice(b"data");
    out.extend_from_slice(&data_len.to_le_bytes());
    for s in samples {
        out.extend_from_slice(&s.to_le_bytes());
    }
    out
}

static UNIQUE: AtomicUsize = AtomicUsize::new(0);

fn unique() -> usize {
    UNIQUE.fetch_add(1, Ordering::Relaxed)
}

async fn upload(app: &TestApp, token: &str, id: &str, area: &str) -> (u16, Value) {
    let form = reqwest::multipart::Form::new()
        .text("id", id.to_owned())
        .text("title", format!("Bản tin {id}"))
        .text("area", area.to_owned())
        .part(
            "file",
            reqwest::multipart::Part::bytes(wav(unique())).file_name(format!("{id}.wav")),
        );
    let res = app
        .client
        .post(app.url("/api/v1/segments"))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .expect("upload");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// Calls `endpoint` as `actor` aimed at `d`, doing any setup a mutation needs first
/// (as that district's editor or the province), and returns (status, body).
async fn perform(
    app: &TestApp,
    province: &str,
    actor: &Actor,
    endpoint: Endpoint,
    d: &District,
) -> (u16, Value) {
    use Endpoint::*;
    let t = actor.token.as_str();
    let n = unique();
    match endpoint {
        Areas => api(app, Method::GET, "/api/v1/areas", t, None).await,
        Stations => api(app, Method::GET, "/api/v1/stations", t, None).await,
        StationGet => {
            api(
                app,
                Method::GET,
                &format!("/api/v1/stations/{}", d.station),
                t,
                None,
            )
            .await
        }
        StationCreate => {
            let body = json!({ "code": format!("moi-{n}"), "area": d.commune });
            api(app, Method::POST, "/api/v1/stations", t, Some(body)).await
        }
        StationUpdate => {
            // Each Bắc Kạn station serves the commune of the same code.
            let body = json!({ "area": d.station, "name": format!("Trạm {n}") });
            api(
                app,
                Method::PUT,
                &format!("/api/v1/stations/{}", d.station),
                t,
                Some(body),
            )
            .await
        }
        Campaigns => api(app, Method::GET, "/api/v1/campaigns", t, None).await,
        CampaignGet => {
            api(
                app,
                Method::GET,
                &format!("/api/v1/campaigns/{}", d.campaign),
                t,
                None,
            )
            .await
        }
        CampaignCreate => {
            let body = campaign(&format!("moi-{n}"), &[d.code]);
            api(app, Method::POST, "/api/v1/campaigns", t, Some(body)).await
        }
        CampaignUpdate => {
            let mut body = campaign(&d.campaign, &[d.code]);
            body["name"] = json!(format!("Sửa lần {n}"));
            api(
                app,
                Method::PUT,
                &format!("/api/v1/campaigns/{}", d.campaign),
                t,
                Some(body),
            )
            .await
        }
        CampaignDelete => {
            let id = format!("xoa-{n}");
            let (status, _) = api(
                app,
                Method::POST,
                "/api/v1/campaigns",
                &d.editor,
                Some(campaign(&id, &[d.code])),
            )
            .await;
            assert_eq!(status, 201, "setup: campaign {id}");
            api(
                app,
                Method::DELETE,
                &format!("/api/v1/campaigns/{id}"),
                t,
                None,
            )
            .await
        }
        EnrollCode => {
            api(
                app,
                Method::POST,
                &format!("/api/v1/stations/{}/enroll-code", d.station),
                t,
                None,
            )
            .await
        }
        RevokeTokens => {
            api(
                app,
                Method::POST,
                &format!("/api/v1/stations/{}/revoke-tokens", d.station),
                t,
                None,
            )
            .await
        }
        Accounts => api(app, Method::GET, "/api/v1/accounts", t, None).await,
        AccountCreate => {
            let body = json!({
                "username": format!("moi.{n}"), "password": "mat-khau-moi", "role": "viewer", "area": d.commune
            });
            api(app, Method::POST, "/api/v1/accounts", t, Some(body)).await
        }
        AccountDisable => {
            let name = format!("khoa.{n}");
            let body = json!({ "username": name, "password": "mat-khau-moi", "role": "viewer", "area": d.code });
            let (status, _) =
                api(app, Method::POST, "/api/v1/accounts", province, Some(body)).await;
            assert_eq!(status, 201, "setup: account {name}");
            api(
                app,
                Method::POST,
                &format!("/api/v1/accounts/{name}/disable"),
                t,
                None,
            )
            .await
        }
        Audit => api(app, Method::GET, "/api/v1/audit", t, None).await,
        Segments => api(app, Method::GET, "/api/v1/segments", t, None).await,
        SegmentGet => {
            api(
                app,
                Method::GET,
                &format!("/api/v1/segments/{}", d.segment),
                t,
                None,
            )
            .await
        }
        SegmentAudio => {
            let res = app
                .client
                .get(app.url(&format!("/api/v1/segments/{}/audio", d.segment)))
                .bearer_auth(t)
                .send()
                .await
                .expect("audio");
            (res.status().as_u16(), Value::Null)
        }
        SegmentUpload => upload(app, t, &format!("moi-{n}"), d.code).await,
        SegmentApprove => {
            api(
                app,
                Method::POST,
                &format!("/api/v1/segments/{}/approve", d.pending),
                t,
                None,
            )
            .await
        }
        Emergencies => api(app, Method::GET, "/api/v1/emergencies", t, None).await,
        EmergencyGet => {
            api(
                app,
                Method::GET,
                &format!("/api/v1/emergencies/{}", d.emergency),
                t,
                None,
            )
            .await
        }
        EmergencySend => {
            let body = json!({ "segment": "bao-tin-khan-cap-mau", "area": d.code });
            api(app, Method::POST, "/api/v1/emergencies", t, Some(body)).await
        }
    }
}

/// Keys of a list answer (`code`, `spec.id`, `id`), to check what a list holds.
fn keys(endpoint: Endpoint, body: &Value) -> Vec<String> {
    let key = |v: &Value| -> String {
        let k = match endpoint {
            Endpoint::Areas | Endpoint::Stations => &v["code"],
            Endpoint::Campaigns => &v["spec"]["id"],
            _ => &v["id"],
        };
        k.as_str().unwrap_or_default().to_owned()
    };
    body.as_array()
        .map_or(Vec::new(), |a| a.iter().map(key).collect())
}

/// What a list must hold for its own district and must not for the other one.
fn list_member(endpoint: Endpoint, d: &District) -> Option<String> {
    match endpoint {
        Endpoint::Areas => Some(d.commune.to_owned()),
        Endpoint::Stations => Some(d.station.to_owned()),
        Endpoint::Campaigns => Some(d.campaign.clone()),
        Endpoint::Segments => Some(d.segment.clone()),
        Endpoint::Emergencies => Some(d.emergency.clone()),
        _ => None,
    }
}

async fn district(
    app: &TestApp,
    province: &str,
    code: &'static str,
    commune: &'static str,
    station: &'static str,
) -> (District, Vec<Actor>) {
    let mut actors = Vec::new();
    for (role, prefix, keyword) in [
        (Role::Viewer, "xem", "viewer"),
        (Role::Editor, "bientap", "editor"),
        (Role::Approver, "duyet", "approver"),
    ] {
        let name = format!("{prefix}.{code}");
        let token = app.account(province, &name, keyword, code).await;
        actors.push(Actor {
            name,
            role,
            token,
            district: None,
        });
    }
    let editor = actors[1].token.clone();
    let approver = actors[2].token.clone();
    let (segment, pending) = (format!("bt-{code}"), format!("cho-{code}"));
    for id in [&segment, &pending] {
        let (status, body) = upload(app, &editor, id, code).await;
        assert_eq!(status, 201, "setup: upload {id}: {body}");
    }
    let (status, body) = api(
        app,
        Method::POST,
        &format!("/api/v1/segments/{segment}/approve"),
        &approver,
        None,
    )
    .await;
    assert_eq!(status, 200, "setup: approve {segment}: {body}");
    let campaign_id = format!("cd-{code}");
    let mut spec = campaign(&campaign_id, &[code]);
    spec["pool"] = json!([segment]);
    let (status, body) = api(app, Method::POST, "/api/v1/campaigns", &editor, Some(spec)).await;
    assert_eq!(status, 201, "setup: campaign: {body}");
    assert_eq!(body["campaign"]["owner_area"], code);
    let body = json!({ "segment": "bao-tin-khan-cap-mau", "area": code });
    let (status, sent) = api(
        app,
        Method::POST,
        "/api/v1/emergencies",
        &approver,
        Some(body),
    )
    .await;
    assert_eq!(status, 201, "setup: emergency: {sent}");
    let emergency = sent["id"].as_str().expect("emergency id").to_owned();
    let d = District {
        code,
        commune,
        station,
        campaign: campaign_id,
        segment,
        pending,
        emergency,
        editor,
    };
    (d, actors)
}

async fn every_console_endpoint_by_role_and_district(app: TestApp) {
    let province = app.admin().await;
    let (city, mut actors) = district(&app, &province, "058", "01837", "01834").await;
    let (ba_be, more) = district(&app, &province, "061", "01891", "01888").await;
    for a in &mut actors {
        a.district = Some(0);
    }
    actors.extend(more.into_iter().map(|a| Actor {
        district: Some(1),
        ..a
    }));
    actors.push(Actor {
        name: "admin (tỉnh)".to_owned(),
        role: Role::Admin,
        token: province.clone(),
        district: None,
    });
    let districts = [city, ba_be];

    let mut wrong = Vec::new();
    let mut checked = 0;
    for actor in &actors {
        for endpoint in ENDPOINTS {
            for (i, d) in districts.iter().enumerate() {
                let own = actor.district.is_none_or(|mine| mine == i);
                let want = expected(endpoint, actor.role, own);
                let (got, body) = perform(&app, &province, actor, endpoint, d).await;
                checked += 1;
                let whose = if own { "own" } else { "other" };
                if got != want {
                    wrong.push(format!(
                        "{} ({:?}) {endpoint:?} → {whose} district {}: got {got}, want {want}: {body}",
                        actor.name, actor.role, d.code
                    ));
                    continue;
                }
                // Lists hold what lies inside and nothing of another district.
                if let (200, Some(member)) = (got, list_member(endpoint, d)) {
                    let held = keys(endpoint, &body).contains(&member);
                    if held != own {
                        wrong.push(format!(
                            "{} {endpoint:?}: `{member}` of {whose} district {} listed: {held}",
                            actor.name, d.code
                        ));
                    }
                }
                // A refused write says which unit is out of reach.
                if got == 403 && !own && actor.role >= Role::Editor {
                    let message = body["message"].as_str().unwrap_or_default();
                    if matches!(
                        endpoint,
                        Endpoint::StationCreate
                            | Endpoint::CampaignCreate
                            | Endpoint::SegmentUpload
                    ) && !message.contains(d.code)
                        && !message.contains(d.commune)
                    {
                        wrong.push(format!(
                            "{} {endpoint:?}: 403 does not name the unit: {message}",
                            actor.name
                        ));
                    }
                }
            }
        }
    }
    assert_eq!(checked, actors.len() * ENDPOINTS.len() * 2);
    assert!(
        wrong.is_empty(),
        "{} of {checked} cases wrong:\n{}",
        wrong.len(),
        wrong.join("\n")
    );

    // A district's own library is not another district's: its segment looks absent.
    let ba_be_editor = &actors[4].token;
    let mut borrowed = campaign("muon-ban-tin", &["061"]);
    borrowed["pool"] = json!(["bt-058"]);
    let (status, body) = api(
        &app,
        Method::POST,
        "/api/v1/campaigns",
        ba_be_editor,
        Some(borrowed),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body["problems"][0]
            .as_str()
            .expect("problem")
            .starts_with("pool[0]: bản tin `bt-058` không có"),
        "{body}"
    );
    // A district editor cannot move its campaign onto another district.
    let city_editor = &actors[1].token;
    let moved = campaign("cd-058", &["058", "061"]);
    let (status, body) = api(
        &app,
        Method::PUT,
        "/api/v1/campaigns/cd-058",
        city_editor,
        Some(moved),
    )
    .await;
    assert_eq!(status, 403, "{body}");
    assert!(
        body["message"]
            .as_str()
            .expect("message")
            .contains("`061` (Huyện Ba Bể)"),
        "{body}"
    );
    // Nor move its station there.
    let (status, _) = api(
        &app,
        Method::PUT,
        "/api/v1/stations/01834",
        city_editor,
        Some(json!({ "area": "01888" })),
    )
    .await;
    assert_eq!(status, 403);
    // The province's own campaigns are not the district's to see.
    let (_, list) = api(&app, Method::GET, "/api/v1/campaigns", city_editor, None).await;
    assert!(!keys(Endpoint::Campaigns, &list).contains(&"xhht-ca-nam".to_owned()));
    let (status, _) = api(
        &app,
        Method::GET,
        "/api/v1/campaigns/xhht-ca-nam",
        city_editor,
        None,
    )
    .await;
    assert_eq!(status, 404);
}
