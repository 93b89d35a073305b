//! `loa report`: the airing report of an area and period from the server's database,
//! as a table on the console, CSV or XLSX.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use chrono::NaiveDate;

use super::serve::{DbArgs, runtime};
use crate::domain::{AreaCode, GroupBy};
use crate::report::{Format, MakeError, make};
use crate::store::{ReportQuery, Store};

/// Arguments of `loa report`.
#[derive(Debug, clap::Args)]
pub(super) struct ReportArgs {
    /// Ngày đầu (YYYY-MM-DD hoặc dd/mm/yyyy), theo giờ địa phương của trạm.
    #[arg(long, value_parser = parse_day, required_unless_present = "year", conflicts_with = "year")]
    from: Option<NaiveDate>,
    /// Ngày cuối, tính cả ngày đó.
    #[arg(long, value_parser = parse_day, required_unless_present = "year", conflicts_with = "year")]
    until: Option<NaiveDate>,
    /// Cả một năm (thay cho --from/--until), ví dụ 2026.
    #[arg(long)]
    year: Option<i32>,
    /// Mã đơn vị hành chính (báo cáo cả cây con); mặc định: mọi trạm.
    #[arg(long)]
    area: Option<String>,
    /// Chỉ một chiến dịch (mã).
    #[arg(long)]
    campaign: Option<String>,
    /// Chia dòng theo: station, area, campaign, segment, language, priority, day, week, month.
    #[arg(long, default_value = "area", value_parser = parse_by)]
    by: GroupBy,
    /// Định dạng: table (màn hình), csv, xlsx.
    #[arg(long, default_value = "table", value_parser = parse_format)]
    format: Format,
    /// Ghi ra tệp (bắt buộc với xlsx); mặc định: màn hình.
    #[arg(short = 'o', long)]
    output: Option<PathBuf>,
    #[command(flatten)]
    db: DbArgs,
}

pub(super) fn parse_day(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(s, "%d/%m/%Y"))
        .map_err(|_| format!("ngày `{s}` không hợp lệ: viết YYYY-MM-DD hoặc dd/mm/yyyy"))
}

fn parse_by(s: &str) -> Result<GroupBy, String> {
    GroupBy::parse(s).ok_or_else(|| format!("--by `{s}` không hợp lệ: dùng {}", GroupBy::KEYWORDS))
}

fn parse_format(s: &str) -> Result<Format, String> {
    Format::parse(s)
        .ok_or_else(|| format!("--format `{s}` không hợp lệ: dùng table, csv hoặc xlsx"))
}

/// Runs `loa report`.
pub(super) fn run(args: &ReportArgs) -> anyhow::Result<ExitCode> {
    let (from, until) = match (args.year, args.from, args.until) {
        (Some(y), _, _) => {
            let day = |m, d| NaiveDate::from_ymd_opt(y, m, d);
            match (day(1, 1), day(12, 31)) {
                (Some(a), Some(b)) => (a, b),
                _ => anyhow::bail!("năm `{y}` không hợp lệ"),
            }
        }
        (None, Some(a), Some(b)) => (a, b),
        _ => anyhow::bail!("cần --from và --until, hoặc --year"),
    };
    if args.format == Format::Xlsx && args.output.is_none() {
        anyhow::bail!("định dạng xlsx cần tệp đích: thêm -o TỆP.xlsx");
    }
    let area = args
        .area
        .as_deref()
        .map(|a| AreaCode::parse(a).map_err(|e| anyhow::anyhow!("--area `{a}`: {e}")))
        .transpose()?;
    let config = args.db.config()?;
    let url = config.database_url();
    if config.database_url.is_none() && !config.data_dir.join("loa.db").exists() {
        anyhow::bail!(
            "chưa có cơ sở dữ liệu trong {}: chạy `loa serve` trước, hoặc chỉ --data-dir/--database-url",
            config.data_dir.display()
        );
    }
    let query = ReportQuery {
        from,
        until,
        area,
        campaign: args.campaign.clone(),
        by: args.by,
        now_ms: chrono::Utc::now().timestamp_millis(),
    };
    runtime()?.block_on(async {
        let store = Store::open(&url).await?;
        let made = match make(&store, &query, args.format).await {
            Ok(m) => m,
            Err(MakeError::Report(e)) if !matches!(e, crate::store::ReportError::Store(_)) => {
                eprintln!("lỗi: {e}");
                return Ok(ExitCode::from(1));
            }
            Err(e) => return Err(e.into()),
        };
        match &args.output {
            Some(path) => {
                std::fs::write(path, &made.bytes)
                    .with_context(|| format!("không ghi được {}", path.display()))?;
                eprintln!("đã ghi báo cáo vào {}", path.display());
            }
            None => super::emit(&String::from_utf8_lossy(&made.bytes)),
        }
        Ok(ExitCode::SUCCESS)
    })
}
