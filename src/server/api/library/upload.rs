//! `POST /api/v1/segments`: a multipart upload becomes a library segment.
//!
//! The form is checked whole (every problem listed), then the audio is decoded to the
//! last sample on a blocking thread; a file that is not audio, is damaged or is cut
//! short is refused with the decoder's reason and nothing is written. The audio is
//! stored under its SHA-256, so the same file uploaded again is the same segment.

use std::collections::BTreeMap;

use axum::extract::multipart::{Field, MultipartError, MultipartRejection};
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use chrono::NaiveDate;
use sha2::{Digest, Sha256};

use super::{SegmentJson, sees};
use crate::domain::{Language, SegmentId};
use crate::schedule_file::nfc;
use crate::server::AppState;
use crate::server::api::scope::Scope;
use crate::server::auth::{Role, StaffAuth};
use crate::server::error::{ApiError, ApiResult};
use crate::store::segments::{self, Added, NewSegment};

/// The parts of the upload form (documentation only: the handler reads the multipart
/// stream itself).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub(crate) struct UploadForm {
    /// The audio file (MP3, OGG Vorbis, FLAC or WAV).
    #[schema(format = Binary, content_media_type = "application/octet-stream")]
    file: Vec<u8>,
    /// Segment id: lowercase letters without accents, digits, `-`, `_`, `.`.
    id: String,
    /// Title.
    title: String,
    /// Language code (default `vi`).
    language: Option<String>,
    /// Translation group: the id shared by translations of one message (default `id`).
    group: Option<String>,
    /// Topic tags, separated by commas.
    tags: Option<String>,
    /// First date it may air, `dd/mm/yyyy` or `yyyy-mm-dd`.
    valid_from: Option<String>,
    /// Last date it may air, `dd/mm/yyyy` or `yyyy-mm-dd`.
    valid_until: Option<String>,
    /// Owner area code (default the caller's area; must lie in the caller's subtree).
    area: Option<String>,
}

/// The text parts the form accepts.
const TEXT_PARTS: [&str; 8] = [
    "id",
    "title",
    "language",
    "group",
    "tags",
    "valid_from",
    "valid_until",
    "area",
];

/// Longest text part accepted, characters.
const MAX_TEXT: usize = 1000;

/// The raw form as received.
#[derive(Default)]
struct Form {
    file: Option<(String, bytes::Bytes)>,
    text: BTreeMap<&'static str, String>,
    problems: Vec<String>,
}

fn multipart_error(e: MultipartError) -> ApiError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::PayloadTooLarge(format!("nội dung tải lên quá lớn: {}", e.body_text()))
    } else {
        ApiError::BadRequest(format!("dữ liệu multipart hỏng: {}", e.body_text()))
    }
}

/// Reads the file part chunk by chunk, refusing it as soon as it passes `limit` bytes.
async fn read_file(field: &mut Field<'_>, limit: usize, max_mb: u32) -> ApiResult<bytes::Bytes> {
    let mut buf = bytes::BytesMut::new();
    while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
        if buf.len() + chunk.len() > limit {
            return Err(ApiError::PayloadTooLarge(format!(
                "tệp lớn hơn giới hạn {max_mb} MB; hãy nén lại (ví dụ MP3 64 kbit/s) rồi tải lên"
            )));
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(buf.freeze())
}

async fn read_form(mut multipart: Multipart, max_mb: u32) -> ApiResult<Form> {
    let limit = max_mb as usize * 1024 * 1024;
    let mut form = Form::default();
    while let Some(mut field) = multipart.next_field().await.map_err(multipart_error)? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "file" {
            let file_name = nfc(field.file_name().unwrap_or_default().trim());
            let bytes = read_file(&mut field, limit, max_mb).await?;
            if form.file.replace((file_name, bytes)).is_some() {
                form.problems
                    .push("file: gửi nhiều tệp; mỗi lần tải lên một tệp".to_owned());
            }
            continue;
        }
        let Some(&key) = TEXT_PARTS.iter().find(|k| **k == name) else {
            form.problems.push(format!(
                "phần `{name}` không dùng được; các phần hợp lệ: file, {}",
                TEXT_PARTS.join(", ")
            ));
            continue;
        };
        let value = field.text().await.map_err(multipart_error)?;
        if value.chars().count() > MAX_TEXT {
            form.problems
                .push(format!("{key}: dài quá {MAX_TEXT} ký tự"));
        } else if form.text.insert(key, nfc(value.trim())).is_some() {
            form.problems.push(format!("{key}: gửi hai lần"));
        }
    }
    Ok(form)
}

/// The form, checked.
struct Checked {
    file_name: String,
    bytes: bytes::Bytes,
    new: NewSegment,
}

fn date(form: &Form, key: &str, problems: &mut Vec<String>) -> Option<NaiveDate> {
    let text = form.text.get(key).filter(|t| !t.is_empty())?;
    let day = crate::wire::day::parse(text);
    if day.is_none() {
        problems.push(format!("{key}: {}", crate::wire::day::hint(text)));
    }
    day
}

fn check_id(id: Option<String>, problems: &mut Vec<String>) -> Option<String> {
    let Some(id) = id else {
        problems.push(
            "id: thiếu mã bản tin (chữ thường không dấu, số, `-`, `_`, `.`; tối đa 64 ký tự)"
                .to_owned(),
        );
        return None;
    };
    let parsed = SegmentId::parse(&id).map(|id| id.to_string());
    if parsed.is_none() {
        problems.push(format!(
            "id: `{id}` không hợp lệ; chỉ dùng chữ thường không dấu, số, `-`, `_`, `.` (tối đa 64 ký tự), ví dụ `tuan-le-hoc-tap-2025`"
        ));
    }
    parsed
}

/// Comma-separated tags, trimmed, without empties or repeats, in the order given.
fn tags(text: &str) -> Vec<String> {
    let mut tags: Vec<String> = Vec::new();
    for tag in text.split(',').map(str::trim) {
        if !tag.is_empty() && !tags.iter().any(|t| t == tag) {
            tags.push(tag.to_owned());
        }
    }
    tags
}

/// Checks every part; all problems are listed together.
fn check(mut form: Form, auth: &StaffAuth, scope: &Scope) -> ApiResult<Checked> {
    let mut problems = std::mem::take(&mut form.problems);
    let text = |k: &str| form.text.get(k).filter(|t| !t.is_empty()).cloned();
    let id = check_id(text("id"), &mut problems);
    let title = text("title");
    if title.is_none() {
        problems.push("title: thiếu tiêu đề".to_owned());
    }
    let language = text("language").unwrap_or_else(|| "vi".to_owned());
    if Language::parse(&language).is_none() {
        problems.push(format!(
            "language: `{language}` không phải mã ngôn ngữ; dùng 2–3 chữ thường theo ISO 639, ví dụ vi, tyz (Tày), hmn (H'Mông)"
        ));
    }
    let group = text("group");
    if let Some(g) = &group
        && SegmentId::parse(g).is_none()
    {
        problems.push(format!(
                "group: `{g}` không hợp lệ; nhóm là mã của bản tin gốc (chữ thường không dấu, số, `-`, `_`, `.`)"
            ));
    }
    let tags = tags(&text("tags").unwrap_or_default());
    let valid_from = date(&form, "valid_from", &mut problems);
    let valid_until = date(&form, "valid_until", &mut problems);
    if let (Some(from), Some(until)) = (valid_from, valid_until)
        && from > until
    {
        problems.push(format!(
                "valid_from: {from} sau valid_until {until}; đổi chỗ hai ngày (valid_from = {until}, valid_until = {from})"
            ));
    }
    let area = match text("area") {
        Some(area) => area,
        None if auth.whole_tree => match scope.root_area() {
            Some(root) => root.to_owned(),
            None => {
                problems.push(
                    "area: tài khoản toàn quốc cần ghi rõ đơn vị sở hữu bản tin (trường `area`, ví dụ mã tỉnh `19`); cây đơn vị có nhiều tỉnh nên không tự chọn được"
                        .to_owned(),
                );
                String::new()
            }
        },
        None => auth.area_code.clone(),
    };
    if !area.is_empty() {
        scope.require_area(&area)?;
        if !scope.contains(&area) {
            problems.push(format!("area: không có đơn vị `{area}`"));
        }
    }
    let file = form.file.take();
    match &file {
        None => problems.push(
            "file: thiếu tệp âm thanh (phần `file`, MP3, M4A, OGG, FLAC hoặc WAV)".to_owned(),
        ),
        // It was sent; it holds nothing (an interrupted copy or an empty recording).
        Some((name, bytes)) if bytes.is_empty() => problems.push(format!(
            "file: tệp `{name}` rỗng (0 byte); hãy chọn lại đúng tệp ghi âm rồi tải lên"
        )),
        Some(_) => {}
    }
    let file = file.filter(|(_, b)| !b.is_empty());
    match (problems.is_empty(), id, title, file) {
        (true, Some(id), Some(title), Some((file_name, bytes))) => Ok(Checked {
            file_name,
            new: NewSegment {
                group: group.unwrap_or_else(|| id.clone()),
                id,
                title,
                language,
                tags,
                duration_ms: 0,
                sha256: crate::domain::hex(&Sha256::digest(&bytes)),
                size_bytes: bytes.len() as i64,
                format: String::new(),
                loudness_lufs: None,
                valid_from,
                valid_until,
                area_code: area,
                uploaded_by: auth.account_id,
            },
            bytes,
        }),
        _ => Err(ApiError::Invalid(problems)),
    }
}

/// Uploads a segment (editor or above). 201 with the new segment; 200 with the
/// existing one when the same audio is already in the library.
#[utoipa::path(post, path = "/api/v1/segments", tag = "console",
    security(("session_token" = [])),
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses((status = 201, body = SegmentJson, description = "new, waiting for approval"),
        (status = 200, body = SegmentJson, description = "the same audio was already in the library"),
        (status = 400, description = "not a multipart form"),
        (status = 403, description = "role too low or an area outside the caller's subtree"),
        (status = 409, description = "id taken by other audio, or the audio is another unit's"),
        (status = 413, description = "file over max_upload_mb"),
        (status = 422, description = "every problem of the form, or why the audio is refused")))]
pub(crate) async fn upload(
    State(state): State<AppState>,
    auth: StaffAuth,
    multipart: Result<Multipart, MultipartRejection>,
) -> ApiResult<impl IntoResponse> {
    let multipart = multipart.map_err(|e| {
        ApiError::BadRequest(format!(
            "cần gửi biểu mẫu multipart/form-data có phần `file`: {}",
            e.body_text()
        ))
    })?;
    // Read the form (bounded by `max_upload_mb`) before refusing a role: answering while
    // the client is still sending makes the server close the connection, and the
    // client may then see a broken connection instead of the 403.
    let form = read_form(multipart, state.config.max_upload_mb).await?;
    auth.require(Role::Editor)?;
    let scope = Scope::load(&state.store, &auth).await?;
    let Checked {
        file_name,
        bytes,
        mut new,
    } = check(form, &auth, &scope)?;

    if let Some(existing) = segments::segment_by_sha(&state.store, &new.sha256).await? {
        return same_audio(existing, &scope);
    }
    if segments::get_segment(&state.store, &new.id)
        .await?
        .is_some()
    {
        return Err(id_taken(&new.id));
    }
    let extension = std::path::Path::new(&file_name)
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    let audio = bytes.clone();
    let measured = tokio::task::spawn_blocking(move || {
        crate::audio::measure_bytes(audio, extension.as_deref())
    })
    .await
    .map_err(|e| ApiError::Internal(e.into()))?
    .map_err(|e| ApiError::Invalid(vec![format!("file `{file_name}`: {e}")]))?;
    new.duration_ms = measured.duration_ms;
    new.loudness_lufs = measured.loudness_lufs;
    new.format = measured.format.to_owned();

    // The audio goes in first: a row never points at a missing file. Should the row
    // then fail, the file stays, harmless, for the next upload of the same bytes.
    let media = state.media.clone();
    tokio::task::spawn_blocking(move || media.put(&bytes))
        .await
        .map_err(|e| ApiError::Internal(e.into()))?
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("media write failed: {e}")))?;
    let detail = serde_json::json!({
        "file": file_name,
        "sha256": new.sha256,
        "duration_ms": new.duration_ms,
        "area": new.area_code,
    })
    .to_string();
    match segments::add_segment(&state.store, &new, &auth.username, &detail).await? {
        Added::New(row) => Ok((
            StatusCode::CREATED,
            axum::Json(SegmentJson::new(*row, &scope).with_warnings(&measured.warnings)),
        )),
        Added::SameAudio(row) => same_audio(*row, &scope),
        Added::IdTaken => Err(id_taken(&new.id)),
    }
}

fn id_taken(id: &str) -> ApiError {
    ApiError::Conflict(format!(
        "mã bản tin `{id}` đã dùng cho một tệp khác; chọn mã khác"
    ))
}

/// The answer when the library already holds these bytes: the existing segment if the
/// caller sees it, else a conflict that names nothing of another unit's library.
fn same_audio(
    existing: segments::SegmentRow,
    scope: &Scope,
) -> ApiResult<(StatusCode, axum::Json<SegmentJson>)> {
    if sees(scope, &existing.area_code) {
        Ok((
            StatusCode::OK,
            axum::Json(SegmentJson::new(existing, scope)),
        ))
    } else {
        Err(ApiError::Conflict(
            "tệp âm thanh này đã có trong thư viện của một đơn vị khác; nhờ đơn vị đó hoặc cấp tỉnh chia sẻ"
                .to_owned(),
        ))
    }
}
