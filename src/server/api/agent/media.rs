//! `GET /api/v1/media/{sha256}`: audio by content hash, streamed from the media folder,
//! with `Range` for resuming and `If-Match` so a resumed download never mixes files.
//! A station reaches only media it plans to air or was sent as an emergency.

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tokio::io::{AsyncReadExt, AsyncSeekExt};

use super::etag_matches;
use crate::domain::Sha256Digest;
use crate::server::AppState;
use crate::server::auth::StationAuth;
use crate::server::error::{ApiError, ApiResult};

/// Parses a single `bytes=a-b` / `bytes=a-` / `bytes=-n` range against `len`.
fn parse_range(value: &str, len: u64) -> Option<(u64, u64)> {
    let spec = value.strip_prefix("bytes=")?.trim();
    if spec.contains(',') {
        return None;
    }
    let (a, b) = spec.split_once('-')?;
    let (start, end) = match (a.trim(), b.trim()) {
        ("", n) => {
            let n = last_byte(n)?;
            (len.saturating_sub(n), len.checked_sub(1)?)
        }
        (a, "") => (a.parse().ok()?, len.checked_sub(1)?),
        (a, b) => (a.parse().ok()?, last_byte(b)?.min(len.checked_sub(1)?)),
    };
    (start <= end && end < len).then_some((start, end))
}

/// The last byte asked for: an end past the file (even past `u64`, as in
/// `bytes=0-99999999999999999999`) means "to the end", as RFC 9110 says.
fn last_byte(text: &str) -> Option<u64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(text.parse().unwrap_or(u64::MAX))
}

/// Bytes read from disk per chunk of a media response.
const CHUNK: u64 = 64 * 1024;

/// A body streaming `len` bytes of `file` from its current position.
fn file_body(file: tokio::fs::File, len: u64) -> Body {
    let chunks = futures::stream::try_unfold((file, len), |(mut file, left)| async move {
        if left == 0 {
            return Ok(None);
        }
        let mut buf = vec![0u8; usize::try_from(left.min(CHUNK)).unwrap_or(64 * 1024)];
        file.read_exact(&mut buf).await?;
        let n = buf.len() as u64;
        Ok::<_, std::io::Error>(Some((bytes::Bytes::from(buf), (file, left - n))))
    });
    Body::from_stream(chunks)
}

/// Audio by SHA-256, with `Range` (resume) and `If-Match`; only media this station plans
/// to air or was sent as an emergency (403 for other existing media, 404 for unknown).
#[utoipa::path(get, path = "/api/v1/media/{sha256}", tag = "station", security(("station_token" = [])),
    params(("sha256" = String, Path, description = "SHA-256 of the audio"),
        ("Range" = Option<String>, Header, description = "bytes=START-END to resume"),
        ("If-Match" = Option<String>, Header, description = "ETag of the partial file")),
    responses((status = 200, content_type = "application/octet-stream", description = "whole file"),
        (status = 206, description = "the requested range"), (status = 403, description = "not in this station's plan"),
        (status = 404, description = "unknown"), (status = 412, description = "If-Match failed"),
        (status = 416, description = "range not satisfiable")))]
pub(crate) async fn media(
    State(state): State<AppState>,
    auth: StationAuth,
    Path(sha): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let Some(digest) = Sha256Digest::parse(&sha) else {
        return Err(ApiError::BadRequest(format!(
            "`{sha}` không phải SHA-256 (64 chữ số hex)"
        )));
    };
    let sha = digest.to_string();
    let Some(segment) = crate::store::segments::segment_by_sha(&state.store, &sha).await? else {
        return Err(ApiError::NotFound(format!("không có tệp âm thanh {sha}")));
    };
    if !crate::store::station_may_fetch(&state.store, &auth.station, &segment.id).await? {
        return Err(ApiError::Forbidden(format!(
            "tệp {sha} không có trong lịch phát của trạm {} và không phải tin khẩn cấp gửi tới trạm",
            auth.station
        )));
    }
    let etag = format!("\"{sha}\"");
    if etag_matches(&headers, header::IF_MATCH, &sha) == Some(false) {
        return Err(ApiError::PreconditionFailed(
            "tệp đã thay đổi so với phần đã tải (If-Match không khớp)".to_owned(),
        ));
    }
    let path = state.media.path_of(&digest);
    let open = async {
        let file = tokio::fs::File::open(&path).await?;
        let len = file.metadata().await?.len();
        Ok::<_, std::io::Error>((file, len))
    };
    let (mut file, len) = open.await.map_err(|e| {
        ApiError::Internal(anyhow::anyhow!("media {} unreadable: {e}", path.display()))
    })?;
    let common = [
        (header::ETAG, etag),
        (header::ACCEPT_RANGES, "bytes".to_owned()),
        (header::CONTENT_TYPE, "application/octet-stream".to_owned()),
    ];
    let Some(range) = headers.get(header::RANGE) else {
        return Ok((
            StatusCode::OK,
            common,
            [(header::CONTENT_LENGTH, len.to_string())],
            file_body(file, len),
        )
            .into_response());
    };
    let Some((start, end)) = range.to_str().ok().and_then(|r| parse_range(r, len)) else {
        return Ok((
            StatusCode::RANGE_NOT_SATISFIABLE,
            [(header::CONTENT_RANGE, format!("bytes */{len}"))],
        )
            .into_response());
    };
    file.seek(std::io::SeekFrom::Start(start))
        .await
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("seek in {}: {e}", path.display())))?;
    let part = end - start + 1;
    Ok((
        StatusCode::PARTIAL_CONTENT,
        common,
        [
            (header::CONTENT_RANGE, format!("bytes {start}-{end}/{len}")),
            (header::CONTENT_LENGTH, part.to_string()),
        ],
        file_body(file, part),
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::parse_range;

    #[test]
    fn ranges() {
        assert_eq!(parse_range("bytes=0-9", 100), Some((0, 9)));
        assert_eq!(parse_range("bytes=90-", 100), Some((90, 99)));
        assert_eq!(parse_range("bytes=-10", 100), Some((90, 99)));
        assert_eq!(parse_range("bytes=50-200", 100), Some((50, 99)));
        assert_eq!(
            parse_range("bytes=0-99999999999999999999", 100),
            Some((0, 99))
        );
        assert_eq!(parse_range("bytes=0-+5", 100), None);
        assert_eq!(parse_range("bytes=100-", 100), None);
        assert_eq!(parse_range("bytes=5-1", 100), None);
        assert_eq!(parse_range("bytes=0-1,5-6", 100), None);
        assert_eq!(parse_range("items=0-1", 100), None);
    }
}
