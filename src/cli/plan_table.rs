//! The plan as a table a culture officer can read: one block per day, station time.

use chrono::{Datelike, Weekday};
use std::fmt::Write as _;

use crate::domain::{Compilation, Inputs, Priority, StationIdx};

fn weekday_vi(d: Weekday) -> &'static str {
    match d {
        Weekday::Mon => "Thứ Hai",
        Weekday::Tue => "Thứ Ba",
        Weekday::Wed => "Thứ Tư",
        Weekday::Thu => "Thứ Năm",
        Weekday::Fri => "Thứ Sáu",
        Weekday::Sat => "Thứ Bảy",
        Weekday::Sun => "Chủ Nhật",
    }
}

fn mm_ss(ms: u32) -> String {
    let s = ms.div_ceil(1000);
    format!("{}:{:02}", s / 60, s % 60)
}

/// Prints the plan and its warnings to stdout.
pub(super) fn print_table(inputs: &Inputs, idx: StationIdx, compiled: &Compilation) {
    let mut out = String::new();
    let st = inputs.station(idx);
    let p = &compiled.playlist;
    let tz = st.timezone;
    let total_ms: u64 = p.items.iter().map(|i| u64::from(i.duration_ms)).sum();
    let _ = writeln!(out, "Trạm {} — {} ({})", st.code, st.name, tz.name());
    let _ = writeln!(
        out,
        "Kế hoạch {} ngày từ {}: {} lượt phát, tổng {} phút; phiên bản {}",
        p.days,
        p.from.format("%d/%m/%Y"),
        p.items.len(),
        total_ms.div_ceil(60_000),
        &p.version[..12]
    );
    let _ = writeln!(out, "Khung giờ phát sóng: {}", inputs.station_windows(idx));
    let mut current_day = None;
    for item in &p.items {
        let local = item.start.with_timezone(&tz);
        let day = local.date_naive();
        if current_day != Some(day) {
            out.push('\n');
            let _ = writeln!(
                out,
                "{} {}",
                weekday_vi(day.weekday()),
                day.format("%d/%m/%Y")
            );
            let _ = writeln!(
                out,
                "  {:<8}  {:>5}  {:<7}  {:<44}  Chiến dịch",
                "Giờ", "Dài", "Mức", "Bản tin"
            );
            current_day = Some(day);
        }
        let segment = inputs.segment(item.segment);
        let campaign = &inputs.campaigns()[item.campaign];
        let level = match item.priority {
            Priority::Priority => "ưu tiên",
            _ => "thường",
        };
        let mut title = if segment.language.as_str() == "vi" {
            segment.title.clone()
        } else {
            format!("{} [{}]", segment.title, segment.language)
        };
        if item.relay {
            title = format!("Tiếp sóng (dự phòng: {title})");
        }
        let _ = writeln!(
            out,
            "  {:<8}  {:>5}  {:<7}  {:<44}  {}",
            local.format("%H:%M:%S"),
            mm_ss(item.duration_ms),
            level,
            title,
            campaign.name
        );
    }
    if p.items.is_empty() {
        out.push('\n');
        let _ = writeln!(out, "(Không có lượt phát nào trong khoảng này.)");
    }
    if !compiled.diagnostics.is_empty() {
        out.push('\n');
        let _ = writeln!(out, "Cảnh báo ({}):", compiled.diagnostics.len());
        for d in &compiled.diagnostics {
            let _ = writeln!(out, "  - {d}");
        }
    }
    super::emit(&out);
}
