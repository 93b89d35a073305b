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
