//! The `loa` command line: argument parsing and the commands that need no server.
//!
//! Owns turning arguments into calls and results into text and exit codes. Exit status
//! 0 is success, 1 a problem in the input (printed, in Vietnamese first), 2 a usage
//! error. It holds no scheduling logic of its own.

#[cfg(feature = "server")]
mod account;
#[cfg(feature = "agent")]
mod agent;
mod audio;
#[cfg(feature = "server")]
mod backup;
mod plan_table;
#[cfg(feature = "server")]
mod report;
mod schedule;
#[cfg(feature = "server")]
mod serve;
#[cfg(feature = "server")]
mod verify;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

/// loa — lên lịch và chứng minh phát sóng cho trạm truyền thanh xã.
#[derive(Debug, Parser)]
#[command(name = "loa", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Lịch phát: kiểm tra và lập kế hoạch từ tệp lịch (schedule files).
    #[command(subcommand)]
    Schedule(ScheduleCommand),
    /// Âm thanh: đo tệp âm thanh (giải mã toàn bộ) và in mục `[[segment]]`.
    #[command(subcommand)]
    Audio(AudioCommand),
    /// Chạy máy chủ trung tâm (API cho trạm và bảng điều khiển).
    #[cfg(feature = "server")]
    Serve {
        /// Địa chỉ lắng nghe, ví dụ 127.0.0.1:8080.
        #[arg(long, env = "LOA_LISTEN")]
        listen: Option<std::net::SocketAddr>,
        /// Thư mục lịch nạp vào CSDL trống (mặc định: schedules).
        #[arg(long, env = "LOA_SEED")]
        seed: Option<PathBuf>,
        #[command(flatten)]
        tls: serve::TlsArgs,
        #[command(flatten)]
        db: serve::DbArgs,
    },
    /// Chạy agent của trạm: tải danh sách phát và âm thanh, phát đúng giờ, báo cáo.
    #[cfg(feature = "agent")]
    Agent(agent::AgentArgs),
    /// Đơn vị hành chính: nạp cây đơn vị từ CSV.
    #[cfg(feature = "server")]
    #[command(subcommand)]
    Areas(AreasCommand),
    /// Trạm: mã đăng ký cho máy trạm.
    #[cfg(feature = "server")]
    #[command(subcommand)]
    Station(StationCommand),
    /// Tài khoản bảng điều khiển: tạo tài khoản trên máy chủ (SQLite hoặc PostgreSQL).
    #[cfg(feature = "server")]
    #[command(subcommand)]
    Account(AccountCommand),
    /// Báo cáo phát sóng: kế hoạch, đã phát, bỏ lỡ và lý do (bảng, CSV hoặc XLSX).
    #[cfg(feature = "server")]
    Report(report::ReportArgs),
    /// Sao lưu khi máy chủ đang chạy: CSDL SQLite (VACUUM INTO) và thư mục media vào
    /// thư mục DIR mới, kèm manifest.json. PostgreSQL: dùng pg_dump (xem README).
    #[cfg(feature = "server")]
    Backup(backup::BackupArgs),
    /// Kiểm lại chữ ký và chuỗi băm của mọi bản ghi phát sóng đã lưu; in từng bản ghi
    /// lỗi (trạm, mã bản ghi, giờ dự kiến, lỗi gì); mã thoát 1 nếu có bản ghi lỗi.
    #[cfg(feature = "server")]
    Verify(verify::VerifyArgs),
}

#[cfg(feature = "server")]
#[derive(Debug, Subcommand)]
enum AreasCommand {
    /// Nạp tệp CSV `code,name,kind,parent_code` (chạy lại được; dòng sai thì không ghi gì).
    /// Khi CSDL đã có cây đơn vị: in những gì thay đổi (thêm, đổi tên, không còn trong
    /// danh sách) và chỉ ghi khi có --apply.
    Import {
        /// Tệp CSV.
        file: PathBuf,
        /// Ghi các thay đổi so với cây đã lưu (đơn vị không còn trong tệp bị ngừng dùng).
        #[arg(long)]
        apply: bool,
        #[command(flatten)]
        db: serve::DbArgs,
    },
}

#[cfg(feature = "server")]
#[derive(Debug, Subcommand)]
enum AccountCommand {
    /// Tạo tài khoản; không có --area thì phạm vi là toàn bộ cây đơn vị. Mật khẩu đọc
    /// từ --password-file, hoặc được tạo ngẫu nhiên, in một lần và ghi vào tệp 0600.
    Create(account::CreateArgs),
}

#[cfg(feature = "server")]
#[derive(Debug, Subcommand)]
enum StationCommand {
    /// Nạp nhiều trạm từ CSV `code,area,name,languages,windows` (chạy lại được; có lỗi
    /// thì in mọi lỗi kèm số dòng và không ghi gì).
    Import {
        /// Tệp CSV.
        file: PathBuf,
        #[command(flatten)]
        db: serve::DbArgs,
    },
    /// Tạo mỗi xã/phường chưa có trạm trong cây con một trạm (mã trạm = mã đơn vị).
    CreateAll {
        /// Gốc cây con (mã đơn vị).
        #[arg(long)]
        area: String,
        #[command(flatten)]
        db: serve::DbArgs,
    },
    /// In mã đăng ký dùng một lần (có hạn) để máy trạm lấy mã truy cập.
    EnrollCode {
        /// Mã trạm.
        station: String,
        #[command(flatten)]
        db: serve::DbArgs,
    },
}

#[derive(Debug, Subcommand)]
enum ScheduleCommand {
    /// Kiểm tra tệp lịch; in mọi lỗi dạng tệp:dòng:cột; mã thoát 1 nếu có lỗi.
    Check {
        /// Thư mục bộ lịch, thư mục chứa các bộ lịch, hoặc một tệp .toml.
        #[arg(default_value = "schedules")]
        paths: Vec<PathBuf>,
        /// Không giải mã tệp âm thanh để so SHA-256 và độ dài.
        #[arg(long)]
        skip_audio: bool,
    },
    /// Lập kế hoạch phát cho một trạm chỉ từ tệp lịch (không cần máy chủ).
    Plan {
        /// Mã trạm, ví dụ 01834.
        #[arg(long)]
        station: String,
        /// Ngày đầu (giờ địa phương của trạm), YYYY-MM-DD.
        #[arg(long, value_parser = parse_date)]
        from: chrono::NaiveDate,
        /// Số ngày (1–366).
        #[arg(long, default_value_t = 14, value_parser = clap::value_parser!(u32).range(1..=366))]
        days: u32,
        /// Định dạng: bảng cho người đọc, json cho chương trình.
        #[arg(long, value_enum, default_value_t = PlanFormat::Table)]
        format: PlanFormat,
        /// Thư mục bộ lịch (hoặc thư mục chứa các bộ lịch).
        #[arg(long, default_value = "schedules")]
        schedules: PathBuf,
    },
    /// Nạp một bộ lịch vào CSDL của máy chủ (kiểm tra như `schedule check`; có lỗi thì
    /// không ghi gì) rồi lập lại danh sách phát.
    #[cfg(feature = "server")]
    Import {
        /// Thư mục bộ lịch.
        dir: PathBuf,
        #[command(flatten)]
        db: serve::DbArgs,
    },
}

#[derive(Debug, Subcommand)]
enum AudioCommand {
    /// Giải mã toàn bộ từng tệp, in độ dài thực, SHA-256 và mục `[[segment]]` để dán vào tệp lịch.
    Probe {
        /// Tệp âm thanh (MP3, OGG Vorbis, FLAC, WAV).
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
}

/// Output format of `loa schedule plan`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum PlanFormat {
    /// Bảng dễ đọc.
    Table,
    /// JSON.
    Json,
}

fn parse_date(s: &str) -> Result<chrono::NaiveDate, String> {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| format!("ngày `{s}` không hợp lệ: viết YYYY-MM-DD, ví dụ 2026-10-01"))
}

/// Writes `text` to standard output; a reader that went away (`loa … | head`) is not
/// an error.
pub(crate) fn emit(text: &str) {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        eprintln!("lỗi: không ghi được ra màn hình: {e}");
    }
}

/// Runs the command line and returns the process exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Schedule(ScheduleCommand::Check { paths, skip_audio }) => {
            schedule::check(&paths, !skip_audio)
        }
        Command::Schedule(ScheduleCommand::Plan {
            station,
            from,
            days,
            format,
            schedules,
        }) => schedule::plan(&schedules, &station, from, days, format),
        #[cfg(feature = "server")]
        Command::Schedule(ScheduleCommand::Import { dir, db }) => serve::schedule_import(&db, &dir),
        Command::Audio(AudioCommand::Probe { files }) => audio::probe(&files),
        #[cfg(feature = "server")]
        Command::Serve {
            listen,
            seed,
            tls,
            db,
        } => serve::serve(&db, listen, seed, &tls),
        #[cfg(feature = "agent")]
        Command::Agent(args) => agent::main(args),
        #[cfg(feature = "server")]
        Command::Areas(AreasCommand::Import { file, apply, db }) => {
            serve::areas_import(&db, &file, apply)
        }
        #[cfg(feature = "server")]
        Command::Station(StationCommand::Import { file, db }) => serve::stations_import(&db, &file),
        #[cfg(feature = "server")]
        Command::Station(StationCommand::CreateAll { area, db }) => {
            serve::stations_create_all(&db, &area)
        }
        #[cfg(feature = "server")]
        Command::Station(StationCommand::EnrollCode { station, db }) => {
            serve::enroll_code(&db, &station)
        }
        #[cfg(feature = "server")]
        Command::Account(AccountCommand::Create(args)) => account::create(&args),
        #[cfg(feature = "server")]
        Command::Report(args) => report::run(&args),
        #[cfg(feature = "server")]
        Command::Backup(args) => backup::run(&args),
        #[cfg(feature = "server")]
        Command::Verify(args) => verify::run(&args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("lỗi: {e:#}");
            ExitCode::from(1)
        }
    }
}

/// Resolves on Ctrl-C or SIGTERM.
#[cfg(any(feature = "server", feature = "agent"))]
pub(crate) async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
