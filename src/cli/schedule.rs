//! `loa schedule check` and `loa schedule plan`.

use super::emit;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use chrono::NaiveDate;

use super::PlanFormat;
use super::plan_table::print_table;
use crate::domain::compile;
use crate::schedule_file::{LoadOptions, ScheduleSet, discover_sets, load_set};
use crate::wire::PlanJson;

/// Checks every set under `paths`, printing every problem; exit 1 if there is any.
pub(super) fn check(paths: &[PathBuf], verify_audio: bool) -> anyhow::Result<ExitCode> {
    let mut total = 0usize;
    for path in paths {
        let sets = match discover_sets(path) {
            Ok(sets) => sets,
            Err(problem) => {
                println!("{problem}");
                total += 1;
                continue;
            }
        };
        for dir in sets {
            match load_set(&dir, LoadOptions { verify_audio }) {
                Ok(set) => {
                    let i = &set.inputs;
                    println!(
                        "{}: hợp lệ — {} đơn vị hành chính, {} trạm, {} bản tin, {} chiến dịch",
                        dir.display(),
                        i.tree().len(),
                        i.stations().len(),
                        i.segments().len(),
                        i.campaigns().len()
                    );
                    print_range_checks(i);
                }
                Err(problems) => {
                    for p in &problems {
                        println!("{p}");
                    }
                    println!("{}: {} lỗi", dir.display(), problems.len());
                    total += problems.len();
                }
            }
        }
    }
    Ok(if total == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Diagnostics printed per campaign; the rest are counted.
const SHOWN_PER_CAMPAIGN: usize = 20;
/// Station codes named per group of alike stations; the rest are counted.
const SHOWN_STATIONS: usize = 5;

/// Checks every campaign over its whole date range at every station it targets and
/// prints what it finds as warnings (`cảnh báo: …`); returns how many (counted once
/// per station). Warnings do not make a set invalid.
pub(super) fn print_range_checks(inputs: &crate::domain::Inputs) -> usize {
    let mut total = 0;
    for c in inputs.campaigns() {
        let Some(check) = crate::domain::check_campaign_range(inputs, &c.id) else {
            continue;
        };
        total += check.total();
        let mut shown = 0;
        let mut hidden = 0;
        for g in &check.groups {
            let alike = if g.stations.len() > 1 {
                let codes: Vec<String> = g
                    .stations
                    .iter()
                    .skip(1)
                    .take(SHOWN_STATIONS)
                    .map(|&s| inputs.station(s).code.to_string())
                    .collect();
                let more = g.stations.len().saturating_sub(1 + SHOWN_STATIONS);
                let more = if more > 0 {
                    format!(" và {more} trạm khác")
                } else {
                    String::new()
                };
                format!(" (cũng vậy ở trạm {}{more})", codes.join(", "))
            } else {
                String::new()
            };
            for d in &g.diagnostics {
                if shown < SHOWN_PER_CAMPAIGN {
                    println!("cảnh báo: {d}{alike}");
                    shown += 1;
                } else {
                    hidden += 1;
                }
            }
        }
        if hidden > 0 {
            println!(
                "cảnh báo: chiến dịch «{}»: còn {hidden} cảnh báo nữa trong {} ngày của chiến dịch",
                c.name, check.days
            );
        }
    }
    total
}

/// Compiles one station's plan from files alone and prints it.
pub(super) fn plan(
    schedules: &Path,
    station: &str,
    from: NaiveDate,
    days: u32,
    format: PlanFormat,
) -> anyhow::Result<ExitCode> {
    let set = find_station(schedules, station)?;
    let idx = set
        .inputs
        .station_by_code(station)
        .context("trạm vừa tìm thấy đã biến mất")?;
    let compiled = compile(&set.inputs, idx, from, days);
    match format {
        PlanFormat::Json => {
            let json = serde_json::to_string_pretty(&PlanJson::new(&set.inputs, idx, &compiled))?;
            emit(&format!("{json}\n"));
        }
        PlanFormat::Table => print_table(&set.inputs, idx, &compiled),
    }
    Ok(ExitCode::SUCCESS)
}

/// The one valid set under `schedules` that has `station`.
fn find_station(schedules: &Path, station: &str) -> anyhow::Result<ScheduleSet> {
    let dirs = discover_sets(schedules).map_err(|p| anyhow::anyhow!("{p}"))?;
    let mut found: Vec<ScheduleSet> = Vec::new();
    let mut broken: Vec<(PathBuf, usize)> = Vec::new();
    for dir in dirs {
        match load_set(&dir, LoadOptions::default()) {
            Ok(set) if set.inputs.station_by_code(station).is_some() => found.push(set),
            Ok(_) => {}
            Err(problems) => broken.push((dir, problems.len())),
        }
    }
    match found.len() {
        1 => Ok(found.remove(0)),
        0 if !broken.is_empty() => {
            let list: Vec<String> = broken
                .iter()
                .map(|(d, n)| format!("{} ({n} lỗi)", d.display()))
                .collect();
            bail!(
                "không tìm thấy trạm `{station}`; các bộ lịch sau có lỗi nên chưa đọc được: {}. Chạy `loa schedule check` để xem lỗi",
                list.join(", ")
            )
        }
        0 => bail!("không có trạm `{station}` trong {}", schedules.display()),
        _ => {
            let list: Vec<String> = found.iter().map(|s| s.dir.display().to_string()).collect();
            bail!(
                "trạm `{station}` có trong nhiều bộ lịch: {}; chọn một bằng `--schedules THƯ_MỤC`",
                list.join(", ")
            )
        }
    }
}
