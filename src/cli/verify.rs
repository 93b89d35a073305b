//! `loa verify`: re-checks every stored airing's signature and hash chain against the
//! stations' keys, names each record that fails, and lists the airings refused on
//! arrival for their signature. Exit status 1 when any stored record fails.

use std::io::Write;
use std::process::ExitCode;
use std::time::Instant;

use chrono::NaiveDate;

use super::serve::{DbArgs, runtime};
use crate::store::{Failure, Store, VerifyQuery, refusals, verify_log};

/// Arguments of `loa verify`.
#[derive(Debug, clap::Args)]
pub(super) struct VerifyArgs {
    /// Chỉ một trạm (mã trạm); mặc định: mọi trạm.
    #[arg(long)]
    station: Option<String>,
    /// Ngày đầu của giờ phát dự kiến (YYYY-MM-DD hoặc dd/mm/yyyy), giờ địa phương của trạm.
    #[arg(long, value_parser = super::report::parse_day)]
    from: Option<NaiveDate>,
    /// Ngày cuối, tính cả ngày đó.
    #[arg(long, value_parser = super::report::parse_day)]
    until: Option<NaiveDate>,
    #[command(flatten)]
    db: DbArgs,
}

/// `ms` as `HH:MM:SS dd/mm/yyyy` in `tz`.
fn local(ms: i64, tz: chrono_tz::Tz) -> String {
    chrono::DateTime::from_timestamp_millis(ms).map_or_else(
        || ms.to_string(),
        |t| t.with_timezone(&tz).format("%H:%M:%S %d/%m/%Y").to_string(),
    )
}

fn failure_line(f: &Failure) -> String {
    format!(
        "LỖI  trạm {}  bản ghi {}  giờ phát dự kiến {}  {}\n",
        f.station,
        f.uuid,
        local(f.planned_start_ms, f.tz),
        f.check.describe_vi()
    )
}

/// Runs `loa verify`.
pub(super) fn run(args: &VerifyArgs) -> anyhow::Result<ExitCode> {
    if let (Some(a), Some(b)) = (args.from, args.until)
        && a > b
    {
        anyhow::bail!(
            "--from {} sau --until {}: ngày đầu phải trước ngày cuối",
            a.format("%d/%m/%Y"),
            b.format("%d/%m/%Y")
        );
    }
    let config = args.db.config()?;
    let url = config.database_url();
    if config.database_url.is_none() && !config.data_dir.join("loa.db").exists() {
        anyhow::bail!(
            "chưa có cơ sở dữ liệu trong {}: chỉ --data-dir hoặc --database-url",
            config.data_dir.display()
        );
    }
    let query = VerifyQuery {
        station: args.station.clone(),
        from: args.from,
        until: args.until,
        threads: 0,
    };
    runtime()?.block_on(async {
        let store = Store::open(&url).await?;
        let started = Instant::now();
        let mut out = std::io::BufWriter::new(std::io::stdout().lock());
        let mut write_error = None;
        let summary = verify_log(&store, &query, |f| {
            if let Err(e) = out.write_all(failure_line(f).as_bytes()) {
                write_error.get_or_insert(e);
            }
        })
        .await?;
        let elapsed = started.elapsed();
        let (from_ms, until_ms) = received_bounds(args.from, args.until);
        let refused = refusals(&store, args.station.as_deref(), from_ms, until_ms).await?;
        for r in &refused {
            writeln!(
                out,
                "TỪ CHỐI KHI NHẬN  trạm {}  bản ghi {}  lúc {}  {}",
                r.station,
                r.uuid,
                local(r.received_at, chrono_tz::Asia::Ho_Chi_Minh),
                r.reason
            )?;
        }
        let unsigned = if summary.unsigned > 0 {
            format!(
                "; {} bản ghi chưa ký (trạm chưa có khóa ký khi gửi)",
                summary.unsigned
            )
        } else {
            String::new()
        };
        if summary.failed == 0 {
            writeln!(
                out,
                "Đã kiểm {} bản ghi của {} trạm: tất cả hợp lệ (chữ ký và chuỗi băm){unsigned}.",
                summary.records, summary.stations
            )?;
        } else {
            writeln!(
                out,
                "Đã kiểm {} bản ghi của {} trạm: {} bản ghi LỖI{unsigned}.",
                summary.records, summary.stations, summary.failed
            )?;
        }
        if !refused.is_empty() {
            writeln!(
                out,
                "{} bản ghi bị từ chối khi nhận vì chữ ký (không được lưu).",
                refused.len()
            )?;
        }
        out.flush()?;
        if let Some(e) = write_error
            && e.kind() != std::io::ErrorKind::BrokenPipe
        {
            return Err(e.into());
        }
        let per_record = elapsed.as_secs_f64() * 1e6 / summary.records.max(1) as f64;
        eprintln!(
            "thời gian: {:.2} s ({per_record:.1} µs mỗi bản ghi)",
            elapsed.as_secs_f64()
        );
        store.close().await;
        Ok(if summary.failed == 0 {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        })
    })
}

/// Refusals are listed by when they arrived: the days asked for, a day wider each side
/// for time zones.
fn received_bounds(from: Option<NaiveDate>, until: Option<NaiveDate>) -> (i64, i64) {
    let ms = |d: NaiveDate, days: i64| {
        d.and_hms_opt(0, 0, 0)
            .map_or(0, |t| t.and_utc().timestamp_millis())
            + days * 86_400_000
    };
    (
        from.map_or(i64::MIN, |d| ms(d, -1)),
        until.map_or(i64::MAX, |d| ms(d, 2)),
    )
}
