//! Page "Báo cáo": the airing report of issue 5 as a form — a year, the Lifelong
//! Learning Week, a month or any range of days; rows by station, area, campaign,
//! segment, language, priority, day, week or month; an area of the caller's scope —
//! then the table (paged on the server, with its totals row), why items did not air in
//! full, a chart of completion per row drawn as inline SVG, and CSV/XLSX downloads of
//! exactly that report under names that say what they hold.
//!
//! The form is checked by the API's own function (`report_query`: the same scope, the
//! same messages), and the numbers come from the same `compute`/`make` as
//! `GET /api/v1/reports` and `loa report`: [`form`] reads the query, [`view`] lays the
//! numbers out, this file answers the two routes.

mod form;
mod view;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use self::form::{
    Field, FormView, Refusal, ReportsQuery, bad, check, clip, empty_form, file_name, fill_choices,
};
use self::view::{ResultView, result_view};
use super::i18n::Lang;
use super::page::Page;
use super::session::Viewer;
use super::{ConsoleError, ConsoleResult};
use crate::report::{Format, MakeError, compute, make};
use crate::server::AppState;
use crate::server::api::{Scope, report_refused};
use crate::server::error::ApiError;

/// The page.
#[derive(Template, WebTemplate)]
#[template(path = "reports.html")]
pub struct ReportsPage {
    page: Page,
    form: FormView,
    result: Option<ResultView>,
}

/// The status of a refusal.
fn status_of(e: &ApiError) -> StatusCode {
    match e {
        ApiError::NotFound(_) => StatusCode::NOT_FOUND,
        ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
        ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        _ => StatusCode::BAD_REQUEST,
    }
}

/// The page number asked for (1 when none).
fn page_number(q: &ReportsQuery, lang: Lang) -> Result<usize, Refusal> {
    let text = clip(q.page.as_deref(), 20);
    if text.is_empty() {
        return Ok(1);
    }
    text.parse::<usize>()
        .ok()
        .filter(|n| (1..=1_000_000).contains(n))
        .ok_or_else(|| bad(Field::Page, lang, "reports-bad-page", &text))
}

/// `GET /reports`: the form, and the report it asks for.
pub async fn page(
    State(state): State<AppState>,
    viewer: Viewer,
    query: Result<Query<ReportsQuery>, axum::extract::rejection::QueryRejection>,
) -> ConsoleResult<Response> {
    let lang = viewer.lang;
    let Ok(Query(q)) = query else {
        return Err(ConsoleError::BadForm(lang));
    };
    let scope = Scope::load(&state.store, &viewer.auth)
        .await
        .map_err(|e| ConsoleError::Api(e, lang))?;
    let mut form = empty_form();
    let outcome = match (check(&q, &scope, lang, &mut form), page_number(&q, lang)) {
        (Err(refusal), _) | (Ok(_), Err(refusal)) => Err(refusal),
        (Ok(checked), Ok(page_no)) => match compute(&state.store, &checked.query).await {
            Ok((data, report)) => Ok(result_view(&checked, &data, &report, &scope, page_no, lang)),
            Err(e) => match report_refused(e) {
                (Some(field), e) => Err((Field::from(field), e)),
                (None, e) => return Err(ConsoleError::Api(e, lang)),
            },
        },
    };
    fill_choices(&mut form, &scope, lang);
    let (status, result) = match outcome {
        Ok(view) => (StatusCode::OK, Some(view)),
        Err((field, e)) => {
            let status = status_of(&e);
            form.error = Some((field, e.to_string()));
            (status, None)
        }
    };
    let here = result
        .as_ref()
        .map_or_else(|| "/reports".to_owned(), |r| r.here.clone());
    let page = Page::new(&viewer, lang.t("reports-title"), "reports", here);
    Ok((status, ReportsPage { page, form, result }).into_response())
}

/// `GET /reports/download?…&format=csv|xlsx`: the report the same query shows, as a
/// file, with the session's scope (no bearer token).
pub async fn download(
    State(state): State<AppState>,
    viewer: Viewer,
    query: Result<Query<ReportsQuery>, axum::extract::rejection::QueryRejection>,
) -> ConsoleResult<Response> {
    let lang = viewer.lang;
    let api = |e: ApiError| ConsoleError::Api(e, lang);
    let Ok(Query(q)) = query else {
        return Err(ConsoleError::BadForm(lang));
    };
    let format_text = clip(q.format.as_deref(), 20);
    let (format, ext) = match format_text.as_str() {
        "csv" => (Format::Csv, "csv"),
        "xlsx" => (Format::Xlsx, "xlsx"),
        other => {
            return Err(api(ApiError::BadRequest(
                lang.ta("reports-bad-format", &[("value", other.to_owned())]),
            )));
        }
    };
    let scope = Scope::load(&state.store, &viewer.auth).await.map_err(api)?;
    let mut form = empty_form();
    let checked = check(&q, &scope, lang, &mut form).map_err(|(_, e)| api(e))?;
    let made = make(&state.store, &checked.query, format)
        .await
        .map_err(|e| match e {
            MakeError::Report(e) => api(report_refused(e).1),
            other => api(ApiError::Internal(other.into())),
        })?;
    let name = file_name(
        checked.query.area.as_ref(),
        checked.span,
        checked.query.by,
        ext,
    );
    Ok((
        [
            (header::CONTENT_TYPE, made.content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        made.bytes,
    )
        .into_response())
}
