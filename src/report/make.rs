//! One report, start to finish: load from the store, count in the domain, write in
//! the format asked for. The command line and the API both call [`make`].

use chrono::Utc;

use super::{Document, Format, to_csv, to_table, to_xlsx, xlsx::MISSES_SHEET_LIMIT};
use crate::domain::{Report, aggregate};
use crate::store::{ReportData, ReportError, ReportQuery, Store, load_misses, load_report};

/// A finished report file.
#[derive(Debug)]
pub struct Made {
    /// The bytes (UTF-8 text for table and CSV).
    pub bytes: Vec<u8>,
    /// Its MIME type.
    pub content_type: &'static str,
    /// A file name for it, e.g. `bao-cao-phat-song-2026-01-01-2026-12-31.xlsx`.
    pub file_name: String,
}

/// Why a report could not be written.
#[derive(Debug, thiserror::Error)]
pub enum MakeError {
    /// The query was refused or the store failed.
    #[error(transparent)]
    Report(#[from] ReportError),
    /// Writing XLSX failed.
    #[error("không lập được tệp XLSX: {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
    /// Writing CSV failed.
    #[error("không lập được tệp CSV: {0}")]
    Csv(#[from] csv::Error),
}

/// Loads and counts the report `q` asks for.
pub async fn compute(store: &Store, q: &ReportQuery) -> Result<(ReportData, Report), ReportError> {
    let data = load_report(store, q).await?;
    let report = aggregate(&data.inputs(), q.by);
    Ok((data, report))
}

/// Makes the report `q` asks for in `format`.
pub async fn make(store: &Store, q: &ReportQuery, format: Format) -> Result<Made, MakeError> {
    let (data, report) = compute(store, q).await?;
    let (misses, truncated) = if format == Format::Xlsx {
        load_misses(store, &data, q, MISSES_SHEET_LIMIT)
            .await
            .map_err(ReportError::from)?
    } else {
        (Vec::new(), false)
    };
    // Official names carry their level already ("Tỉnh Bắc Kạn", "Xã Bằng Thành").
    let area_name = data.root.map(|id| data.tree.area(id).name.clone());
    let campaign_name = q.campaign.as_ref().map(|c| {
        data.names
            .campaigns
            .get(c)
            .cloned()
            .unwrap_or_else(|| c.clone())
    });
    let doc = Document {
        from: q.from,
        until: q.until,
        area_name,
        campaign_name,
        by: q.by,
        generated_at: Utc::now().with_timezone(&chrono_tz::Asia::Ho_Chi_Minh),
        report: &report,
        tree: &data.tree,
        names: &data.names,
        timezones: &data.timezones,
        misses: &misses,
        misses_truncated: truncated,
    };
    let stem = format!(
        "bao-cao-phat-song-{}{}-{}-{}",
        q.area
            .as_ref()
            .map(|a| format!("{}-", a.as_str()))
            .unwrap_or_else(|| "toan-quoc-".to_owned()),
        q.from.format("%Y%m%d"),
        q.until.format("%Y%m%d"),
        match q.by {
            crate::domain::GroupBy::Area => "theo-don-vi",
            crate::domain::GroupBy::Station => "theo-tram",
            crate::domain::GroupBy::Campaign => "theo-chien-dich",
            crate::domain::GroupBy::Segment => "theo-ban-tin",
            crate::domain::GroupBy::Language => "theo-ngon-ngu",
            crate::domain::GroupBy::Priority => "theo-uu-tien",
            crate::domain::GroupBy::Day => "theo-ngay",
            crate::domain::GroupBy::Week => "theo-tuan",
            crate::domain::GroupBy::Month => "theo-thang",
        }
    );
    Ok(match format {
        Format::Table => Made {
            bytes: to_table(&doc).into_bytes(),
            content_type: "text/plain; charset=utf-8",
            file_name: format!("{stem}.txt"),
        },
        Format::Csv => Made {
            bytes: to_csv(&doc)?,
            content_type: "text/csv; charset=utf-8",
            file_name: format!("{stem}.csv"),
        },
        Format::Xlsx => Made {
            bytes: to_xlsx(&doc)?,
            content_type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            file_name: format!("{stem}.xlsx"),
        },
    })
}
