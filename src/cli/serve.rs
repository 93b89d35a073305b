//! `loa serve`, `loa areas import`, `loa station enroll-code`, `loa schedule import`:
//! commands that work on the server's database.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;

use super::shutdown_signal;
use crate::server::{App, Config};
use crate::store::Store;

/// Flags shared by every command that opens the server's database.
#[derive(Debug, Clone, clap::Args)]
pub(super) struct DbArgs {
    /// Thư mục dữ liệu (CSDL SQLite nhúng và thư mục media).
    #[arg(long, env = "LOA_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// CSDL PostgreSQL (postgres://…); mặc định là SQLite trong thư mục dữ liệu.
    #[arg(long, env = "LOA_DATABASE_URL")]
    database_url: Option<String>,
    /// Tệp cấu hình TOML.
    #[arg(long, env = "LOA_CONFIG")]
    config: Option<PathBuf>,
}

impl DbArgs {
    pub(super) fn config(&self) -> anyhow::Result<Config> {
        let mut config = Config::load(self.config.as_deref())?;
        if let Some(d) = &self.data_dir {
            config.data_dir.clone_from(d);
        }
        if let Some(u) = &self.database_url {
            config.database_url = Some(u.clone());
        }
        Ok(config)
    }
}

/// HTTPS served by `loa serve` itself (rustls); leave both out behind a reverse proxy
/// that terminates TLS.
#[derive(Debug, Clone, clap::Args)]
pub(super) struct TlsArgs {
    /// Chuỗi chứng chỉ PEM (cùng --tls-key): máy chủ tự phục vụ HTTPS.
    #[arg(long, env = "LOA_TLS_CERT", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// Khóa riêng PEM của chứng chỉ.
    #[arg(long, env = "LOA_TLS_KEY", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
}

pub(super) fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("không khởi động được tokio")
}

fn init_logs() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("LOA_LOG").unwrap_or_else(|_| {
        EnvFilter::new(
            "info,sqlx=warn,tower_http=warn,symphonia_core=error,symphonia_bundle_mp3=error,\
         symphonia_format_ogg=error,symphonia_format_riff=error,symphonia_bundle_flac=error",
        )
    });
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = if std::env::var("LOA_LOG_FORMAT").is_ok_and(|v| v == "json") {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}

/// Runs the server until Ctrl-C or SIGTERM.
pub(super) fn serve(
    db: &DbArgs,
    listen: Option<std::net::SocketAddr>,
    seed: Option<PathBuf>,
    tls: &TlsArgs,
) -> anyhow::Result<ExitCode> {
    init_logs();
    let mut config = db.config()?;
    if let Some(c) = &tls.tls_cert {
        config.tls_cert = Some(c.clone());
    }
    if let Some(k) = &tls.tls_key {
        config.tls_key = Some(k.clone());
    }
    if let Some(l) = listen {
        config.listen = l;
    }
    if let Some(s) = seed {
        config.seed = Some(s);
    }
    runtime()?.block_on(async {
        let app = App::build(config).await?;
        if let Some(hint) = no_account_hint(&app.state().store).await? {
            eprintln!("{hint}");
            tracing::warn!("{hint}");
        }
        let scheme = if app.is_tls() { "https" } else { "http" };
        println!("loa serve: {scheme}://{}  (dừng: Ctrl-C)", app.local_addr());
        app.run_until_stopped(shutdown_signal()).await
    })?;
    Ok(ExitCode::SUCCESS)
}

/// The one line `loa serve` prints when the database holds areas but no account: nobody
/// could log in, and nothing else would say why.
async fn no_account_hint(store: &Store) -> anyhow::Result<Option<&'static str>> {
    if crate::store::is_empty(store).await?
        || crate::server::accounts::account_count(store).await? > 0
    {
        return Ok(None);
    }
    Ok(Some(
        "chưa có tài khoản nào nên không ai đăng nhập được: tạo tài khoản quản trị bằng \
         `loa account create admin --role admin` (cùng --data-dir / --database-url với máy chủ)",
    ))
}

/// Imports an administrative tree from CSV; a bad row writes nothing. Over a stored tree
/// it prints what would change and writes only with `apply`.
pub(super) fn areas_import(db: &DbArgs, file: &Path, apply: bool) -> anyhow::Result<ExitCode> {
    let config = db.config()?;
    let text = std::fs::read_to_string(file)
        .with_context(|| format!("không đọc được {} (cần UTF-8)", file.display()))?;
    runtime()?.block_on(async {
        std::fs::create_dir_all(&config.data_dir)?;
        let store = Store::open(&config.database_url()).await?;
        let result = crate::store::import_areas_csv(&store, file, &text, "cli", apply).await?;
        store.close().await;
        match result {
            Ok(changes) => {
                print!("{}", describe_changes(file, &changes));
                Ok(ExitCode::SUCCESS)
            }
            Err(problems) => {
                for p in &problems {
                    println!("{p}");
                }
                println!(
                    "{}: {} lỗi; không ghi gì vào cơ sở dữ liệu",
                    file.display(),
                    problems.len()
                );
                Ok(ExitCode::from(1))
            }
        }
    })
}

/// The report of `loa areas import`: every unit added, renamed, moved or no longer
/// listed (with the stations it holds), then whether anything was written.
fn describe_changes(file: &Path, c: &crate::store::AreaChanges) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    if c.is_empty() {
        let _ = writeln!(
            out,
            "{}: {} đơn vị hành chính, đúng như đã lưu; không có thay đổi",
            file.display(),
            c.rows
        );
        return out;
    }
    let _ = writeln!(
        out,
        "{}: {} dòng; so với cây đơn vị đã lưu:",
        file.display(),
        c.rows
    );
    let _ = writeln!(out, "thêm {} đơn vị:", c.added.len());
    for (code, name) in &c.added {
        let _ = writeln!(out, "  + {code} {name}");
    }
    let _ = writeln!(out, "đổi tên {} đơn vị:", c.renamed.len());
    for (code, old, new) in &c.renamed {
        let _ = writeln!(out, "  ~ {code} {old} → {new}");
    }
    let _ = writeln!(out, "đổi cấp trên {} đơn vị:", c.moved.len());
    for (code, name, old, new) in &c.moved {
        let show = |p: &Option<String>| p.clone().unwrap_or_else(|| "(gốc)".to_owned());
        let _ = writeln!(out, "  > {code} {name}: {} → {}", show(old), show(new));
    }
    let held: usize = c.retired.iter().map(|(_, _, s)| s.len()).sum();
    let _ = writeln!(
        out,
        "không còn trong danh sách {} đơn vị (ngừng dùng; {held} trạm thuộc các đơn vị này cần chuyển sang đơn vị mới):",
        c.retired.len()
    );
    for (code, name, stations) in &c.retired {
        if stations.is_empty() {
            let _ = writeln!(out, "  - {code} {name}");
        } else {
            let _ = writeln!(out, "  - {code} {name} (trạm: {})", stations.join(", "));
        }
    }
    let kept: usize = c.windows_kept.iter().map(|k| k.stations.len()).sum();
    if kept > 0 {
        let _ = writeln!(
            out,
            "khung phát sóng: {kept} trạm sẽ không còn khung phát sóng nào vì cấp trên mới không đặt khung giờ; \
             để các trạm phát như cũ, đơn vị của trạm giữ lại khung giờ đã thừa hưởng (ghi trên chính đơn vị; \
             muốn đổi thì đặt khung giờ cho cấp trên mới rồi sửa khung của đơn vị):"
        );
        for k in &c.windows_kept {
            for station in &k.stations {
                let _ = writeln!(
                    out,
                    "  ! trạm {station} (đơn vị {} {}): giữ khung {} thừa hưởng từ {}",
                    k.area, k.area_name, k.windows, k.from
                );
            }
        }
    }
    if c.applied {
        let _ = writeln!(
            out,
            "đã ghi: {} đơn vị hành chính từ {}",
            c.rows,
            file.display()
        );
        if !c.windows_kept.is_empty() {
            let _ = writeln!(
                out,
                "đã giữ khung giờ cũ cho {} đơn vị",
                c.windows_kept.len()
            );
        }
    } else {
        let _ = writeln!(
            out,
            "chưa ghi gì; xem lại rồi chạy lại với --apply để áp dụng"
        );
    }
    out
}

/// `loa station import FILE.csv`.
pub(super) fn stations_import(db: &DbArgs, file: &Path) -> anyhow::Result<ExitCode> {
    let text = std::fs::read_to_string(file)
        .with_context(|| format!("không đọc được {} (cần UTF-8)", file.display()))?;
    stations_bulk(db, &file.display().to_string(), |store| {
        Box::pin(async move {
            crate::server::stations_bulk::import_csv(store, &text, &|_| true, "cli").await
        })
    })
}

/// `loa station create-all --area CODE`.
pub(super) fn stations_create_all(db: &DbArgs, area: &str) -> anyhow::Result<ExitCode> {
    let area = area.trim().to_owned();
    stations_bulk(db, &format!("--area {area}"), |store| {
        Box::pin(async move {
            crate::server::stations_bulk::create_all(store, &area, &|_| true, "cli").await
        })
    })
}

type BulkResult = Result<
    Result<crate::server::stations_bulk::BulkSummary, Vec<String>>,
    crate::store::StoreError,
>;

/// Runs one bulk station write, prints its problems (exit 1, nothing written) or what it
/// did, and recompiles the stations it touched.
fn stations_bulk(
    db: &DbArgs,
    source: &str,
    work: impl for<'a> FnOnce(
        &'a Store,
    )
        -> std::pin::Pin<Box<dyn std::future::Future<Output = BulkResult> + 'a>>,
) -> anyhow::Result<ExitCode> {
    let config = db.config()?;
    runtime()?.block_on(async {
        std::fs::create_dir_all(&config.data_dir)?;
        let store = Store::open(&config.database_url()).await?;
        let result = work(&store).await?;
        let code = match result {
            Err(problems) => {
                for p in &problems {
                    println!("{source}: {p}");
                }
                println!(
                    "{source}: {} lỗi; không ghi gì vào cơ sở dữ liệu",
                    problems.len()
                );
                ExitCode::from(1)
            }
            Ok(done) => {
                let touched: Vec<String> =
                    done.created.iter().chain(&done.updated).cloned().collect();
                if !touched.is_empty() {
                    crate::store::recompile(
                        &store,
                        Some(&touched),
                        chrono::Utc::now(),
                        config.horizon_days,
                    )
                    .await
                    .context("đã ghi trạm nhưng không lập được danh sách phát")?;
                }
                println!(
                    "{source}: tạo {} trạm, cập nhật {}, giữ nguyên {}",
                    done.created.len(),
                    done.updated.len(),
                    done.unchanged
                );
                ExitCode::SUCCESS
            }
        };
        store.close().await;
        Ok(code)
    })
}

/// Prints a one-time enrollment code for a station.
pub(super) fn enroll_code(db: &DbArgs, station: &str) -> anyhow::Result<ExitCode> {
    let config = db.config()?;
    runtime()?.block_on(async {
        std::fs::create_dir_all(&config.data_dir)?;
        let store = Store::open(&config.database_url()).await?;
        let (code, expires) = crate::server::auth::create_enroll_code(
            &store,
            station,
            config.enroll_code_minutes,
            "cli",
        )
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
        println!("Mã đăng ký cho trạm {station}: {code}");
        println!(
            "Dùng một lần, hết hạn lúc {} (UTC).",
            expires.format("%H:%M %d/%m/%Y")
        );
        println!("Trên máy trạm: loa agent --server URL --enroll {code}");
        Ok(ExitCode::SUCCESS)
    })
}

/// Diagnostics printed after an import; the rest are counted.
const SHOWN_DIAGNOSTICS: usize = 20;

/// Checks one schedule set exactly as `loa schedule check` does (audio decoded); on any
/// problem prints them all and writes nothing, else imports it, makes sure an
/// administrator exists, and recompiles every station.
pub(super) fn schedule_import(db: &DbArgs, dir: &Path) -> anyhow::Result<ExitCode> {
    use crate::schedule_file::{LoadOptions, discover_sets, load_set};
    let config = db.config()?;
    let sets = match discover_sets(dir) {
        Ok(sets) => sets,
        Err(problem) => {
            println!("{problem}");
            return Ok(ExitCode::from(1));
        }
    };
    let [set_dir] = sets.as_slice() else {
        let list: Vec<String> = sets.iter().map(|d| d.display().to_string()).collect();
        println!(
            "{}: có {} bộ lịch ({}); nhập từng bộ một: loa schedule import THƯ_MỤC_BỘ_LỊCH",
            dir.display(),
            sets.len(),
            list.join(", ")
        );
        return Ok(ExitCode::from(1));
    };
    let set = match load_set(set_dir, LoadOptions { verify_audio: true }) {
        Ok(set) => set,
        Err(problems) => {
            for p in &problems {
                println!("{p}");
            }
            println!(
                "{}: {} lỗi; không ghi gì vào cơ sở dữ liệu",
                set_dir.display(),
                problems.len()
            );
            return Ok(ExitCode::from(1));
        }
    };
    // Every campaign over its whole range, before anything is written.
    super::schedule::print_range_checks(&set.inputs);
    runtime()?.block_on(async {
        std::fs::create_dir_all(&config.data_dir)?;
        let store = Store::open(&config.database_url()).await?;
        let media = crate::store::MediaDir::new(config.data_dir.join("media"));
        let imported = crate::store::import_set(&store, &media, &set, "cli")
            .await
            .context("không nạp được bộ lịch")?;
        println!(
            "đã nhập {}: {} đơn vị hành chính, {} trạm, {} bản tin, {} chiến dịch",
            set_dir.display(),
            imported.areas,
            imported.stations,
            imported.segments,
            imported.campaigns
        );
        for w in &imported.warnings {
            println!("cảnh báo: {w}");
        }
        let password_file = config.data_dir.join("admin-password.txt");
        let had_password = password_file.exists();
        crate::server::accounts::ensure_admin(&store, &config.data_dir).await?;
        if !had_password && password_file.exists() {
            println!(
                "đã tạo tài khoản quản trị `admin`; mật khẩu trong {}",
                password_file.display()
            );
        }
        let compiled =
            crate::store::recompile(&store, None, chrono::Utc::now(), config.horizon_days)
                .await
                .context("đã nhập nhưng không lập được danh sách phát")?;
        println!(
            "đã lập danh sách phát cho {} trạm ({} thay đổi, {} mục)",
            compiled.stations, compiled.changed, compiled.items
        );
        for d in compiled.diagnostics.iter().take(SHOWN_DIAGNOSTICS) {
            println!("cảnh báo: {d}");
        }
        if compiled.diagnostics.len() > SHOWN_DIAGNOSTICS {
            println!(
                "… và {} cảnh báo khác (xem từng trạm bằng `loa schedule plan`)",
                compiled.diagnostics.len() - SHOWN_DIAGNOSTICS
            );
        }
        store.close().await;
        Ok(ExitCode::SUCCESS)
    })
}
