//! `loa agent` and `loa agent status`: enrollment, the token file, logging to the
//! capped file, and running the agent until Ctrl-C or SIGTERM.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;

use crate::agent::output::OutputKind;
use crate::agent::{self, AgentConfig, clock};

/// Arguments of `loa agent`.
#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub(super) struct AgentArgs {
    #[command(subcommand)]
    pub command: Option<AgentCommand>,
    /// Địa chỉ máy chủ, ví dụ http://127.0.0.1:8080.
    #[arg(long, env = "LOA_SERVER")]
    pub server: Option<String>,
    /// Mã đăng ký một lần (in bởi `loa station enroll-code`); mã truy cập nhận được
    /// được lưu vào DATA_DIR/token.
    #[arg(long, conflicts_with = "token_file")]
    pub enroll: Option<String>,
    /// Tệp mã truy cập của trạm (mặc định DATA_DIR/token nếu có).
    #[arg(long, env = "LOA_TOKEN_FILE")]
    pub token_file: Option<PathBuf>,
    /// Thư mục dữ liệu của trạm.
    #[arg(long, env = "LOA_AGENT_DATA_DIR", default_value = "loa-agent")]
    pub data_dir: PathBuf,
    /// Đầu ra âm thanh: default (card âm thanh), null, hoặc wav:ĐƯỜNG_DẪN.
    #[arg(long, default_value = "default", value_parser = parse_output)]
    pub output: OutputKind,
    /// Trễ tối đa (giây) mà một mục còn được phát; quá thì ghi là lỡ.
    #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub grace_s: u64,
    /// Dung lượng đĩa (MB) luôn để trống khi tải âm thanh.
    #[arg(long, default_value_t = 500)]
    pub reserve_mb: u64,
    /// Độ trễ của card âm thanh (ms), chỉ dùng khi card không tự báo thời điểm phát:
    /// đặt mẫu sớm chừng ấy để tiếng ra loa đúng giờ.
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u64).range(0..=2000))]
    pub output_latency_ms: u64,
    /// Chu kỳ hỏi danh sách phát (giây).
    #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u64).range(5..=86400))]
    pub poll_s: u64,
    /// Chứng chỉ CA (PEM) của tỉnh, tin cậy thêm bên cạnh các CA của hệ thống khi
    /// máy chủ dùng HTTPS với chứng chỉ do tỉnh tự cấp.
    #[arg(long, env = "LOA_CA_CERT")]
    pub ca_cert: Option<PathBuf>,
    /// For tests only: a clock running SPEED times real time from EPOCH_MS
    /// (`EPOCH_MS:SPEED`); turns clock correction off.
    #[arg(long, hide = true, value_parser = clock::ScaledClock::parse)]
    pub simulated_clock: Option<clock::ScaledClock>,
}

/// Subcommands of `loa agent`.
#[derive(Debug, clap::Subcommand)]
pub(super) enum AgentCommand {
    /// In trạng thái trạm: mục sắp phát, tệp sẵn sàng, bản ghi chờ gửi.
    Status {
        /// Thư mục dữ liệu của trạm.
        #[arg(long, env = "LOA_AGENT_DATA_DIR", default_value = "loa-agent")]
        data_dir: PathBuf,
    },
}

fn parse_output(s: &str) -> Result<OutputKind, String> {
    s.parse()
}

/// One thread for every loop of the agent: they mostly wait, and decoding, hashing and
/// the sound card run on threads of their own. (Against two workers it measured the
/// same CPU; one is simpler to reason about.)
fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("không khởi động được tokio")
}

/// Runs `loa agent …`.
pub(super) fn main(args: AgentArgs) -> anyhow::Result<ExitCode> {
    if let Some(AgentCommand::Status { data_dir }) = args.command {
        let report = runtime()?.block_on(agent::status::report(
            &data_dir,
            chrono::Utc::now().timestamp_millis(),
        ))?;
        print!("{report}");
        return Ok(ExitCode::SUCCESS);
    }
    let Some(server) = args.server.clone() else {
        eprintln!("lỗi: thiếu --server URL (địa chỉ máy chủ loa serve)");
        return Ok(ExitCode::from(2));
    };
    std::fs::create_dir_all(&args.data_dir)
        .with_context(|| format!("không tạo được thư mục {}", args.data_dir.display()))?;
    init_logging(&args.data_dir)?;
    let rt = runtime()?;
    rt.block_on(run(args, server))
}

/// The certificates of `--ca-cert FILE`: one or more PEM certificates.
fn load_ca_certs(file: Option<&Path>) -> anyhow::Result<Vec<reqwest::Certificate>> {
    let Some(file) = file else {
        return Ok(Vec::new());
    };
    let pem = std::fs::read(file)
        .with_context(|| format!("--ca-cert: không đọc được {}", file.display()))?;
    let certs = reqwest::Certificate::from_pem_bundle(&pem)
        .ok()
        .unwrap_or_default();
    if certs.is_empty() || !pem.windows(27).any(|w| w == b"-----BEGIN CERTIFICATE-----") {
        anyhow::bail!(
            "--ca-cert: {} không chứa chứng chỉ PEM nào (cần dòng -----BEGIN CERTIFICATE-----)",
            file.display()
        );
    }
    Ok(certs)
}

async fn run(args: AgentArgs, server: String) -> anyhow::Result<ExitCode> {
    let ca_certs = load_ca_certs(args.ca_cert.as_deref())?;
    let token = match (&args.enroll, &args.token_file) {
        (Some(code), _) => {
            // A new key for every enrollment: the server retires the old one (keeping
            // it, so what it signed stays verifiable).
            let secret = agent::key::generate()?;
            let public = secret.public();
            let enrolled = agent::client::enroll(&server, code, Some(&public.to_hex()), &ca_certs)
                .await
                .context("đăng ký trạm thất bại")?;
            let path = args.data_dir.join("token");
            agent::key::write_private(&path, enrolled.token.as_bytes())?;
            agent::key::save(&args.data_dir, &secret)?;
            println!("Khóa ký của trạm: {}", public.id());
            tracing::info!(station = enrolled.station, path = %path.display(), "đã đăng ký trạm; mã truy cập lưu tại tệp");
            println!(
                "Đã đăng ký trạm {}; mã truy cập lưu tại {}",
                enrolled.station,
                path.display()
            );
            enrolled.token
        }
        (None, file) => {
            let path = file.clone().unwrap_or_else(|| args.data_dir.join("token"));
            let token = std::fs::read_to_string(&path).with_context(|| {
                format!(
                    "không đọc được tệp mã truy cập {}; đăng ký trạm bằng --enroll MÃ (mã in bởi `loa station enroll-code`)",
                    path.display()
                )
            })?;
            let token = token.trim().to_owned();
            agent::check_token(&token)?;
            token
        }
    };
    let mut config = AgentConfig::new(&server, &token, args.data_dir.clone());
    config.output = args.output;
    config.grace = Duration::from_secs(args.grace_s);
    config.reserve_bytes = args.reserve_mb * 1024 * 1024;
    config.poll = Duration::from_secs(args.poll_s);
    config.output_latency = Duration::from_millis(args.output_latency_ms);
    config.ca_certs = ca_certs;
    let clock: Arc<dyn clock::Clock> = match args.simulated_clock {
        Some(scaled) => {
            config.correct_clock = false;
            Arc::new(scaled)
        }
        None => Arc::new(clock::SystemClock),
    };
    let agent = agent::start(config, clock).await?;
    tracing::info!(server, "loa agent đang chạy");
    super::shutdown_signal().await;
    tracing::info!("đang dừng loa agent");
    agent.shutdown().await;
    Ok(ExitCode::SUCCESS)
}

fn init_logging(data_dir: &Path) -> anyhow::Result<()> {
    use tracing_subscriber::EnvFilter;
    use tracing_subscriber::fmt::writer::MakeWriterExt;
    let filter = EnvFilter::try_from_env("LOA_LOG").unwrap_or_else(|_| {
        EnvFilter::new("info,sqlx=warn,symphonia_core=error,symphonia_bundle_mp3=error")
    });
    let file = agent::logfile::CappedLog::open(data_dir, 10 * 1024 * 1024)
        .with_context(|| format!("không mở được tệp nhật ký trong {}", data_dir.display()))?;
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(file.and(std::io::stderr))
        .try_init();
    Ok(())
}
