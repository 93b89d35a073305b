//! `loa account create`: an account made from the server's machine, on any database, so
//! a province that loaded its tree with `loa areas import` can log in.
//!
//! The password never reaches the log: it is read from a file, or made here, shown once
//! on the terminal and written to a file only the owner can read.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::serve::{DbArgs, runtime};
use crate::server::accounts::{Reach, check_password, create_account_in, record_created};
use crate::server::auth::{Role, new_secret};
use crate::store::Store;

/// `loa account create` arguments.
#[derive(Debug, clap::Args)]
pub(super) struct CreateArgs {
    /// Tên đăng nhập: 3–64 ký tự gồm chữ thường không dấu, số, `.`, `_`, `-`.
    username: String,
    /// Vai trò: admin, approver, editor hoặc viewer.
    #[arg(long)]
    role: String,
    /// Gốc phạm vi (mã đơn vị); bỏ trống: toàn bộ cây đơn vị.
    #[arg(long)]
    area: Option<String>,
    /// Họ tên hiển thị (mặc định: tên đăng nhập).
    #[arg(long)]
    display_name: Option<String>,
    /// Đọc mật khẩu từ dòng đầu của tệp này; không có thì tạo mật khẩu ngẫu nhiên.
    #[arg(long)]
    password_file: Option<PathBuf>,
    #[command(flatten)]
    db: DbArgs,
}

fn valid_username(name: &str) -> bool {
    (3..=64).contains(&name.len())
        && name.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-')
        })
}

/// Reads the password from the file's first line and holds it to the one policy the
/// console uses ([`check_password`]), so the CLI cannot make an account the API would
/// refuse.
fn read_password(file: &Path, username: &str) -> Result<String, String> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| format!("--password-file: không đọc được {}: {e}", file.display()))?;
    let password = text.lines().next().unwrap_or("").to_owned();
    check_password(&password, username)
        .map_err(|e| format!("--password-file: {e} (dòng đầu của tệp {})", file.display()))?;
    Ok(password)
}

/// Writes `text` to a new file readable by its owner only.
fn write_private(file: &Path, text: &str) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options.open(file)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    f.write_all(text.as_bytes())?;
    f.sync_all()
}

/// Creates one account; exit 1 with the reason when it cannot.
pub(super) fn create(args: &CreateArgs) -> anyhow::Result<ExitCode> {
    let config = args.db.config()?;
    let username = crate::schedule_file::nfc(args.username.trim());
    let mut problems = Vec::new();
    if !valid_username(&username) {
        problems.push(format!(
            "USERNAME: `{username}` không hợp lệ: 3–64 ký tự gồm chữ thường không dấu, số, `.`, `_`, `-`"
        ));
    }
    let role = Role::parse(&args.role);
    if role.is_none() {
        problems.push(format!(
            "--role: vai trò `{}` không hợp lệ: viết admin, approver, editor hoặc viewer",
            args.role
        ));
    }
    let given = match &args.password_file {
        Some(file) => match read_password(file, &username) {
            Ok(p) => Some(p),
            Err(e) => {
                problems.push(e);
                None
            }
        },
        None => None,
    };
    let Some(role) = role.filter(|_| problems.is_empty()) else {
        for p in &problems {
            println!("lỗi: {p}");
        }
        return Ok(ExitCode::from(1));
    };
    let made = given.is_none();
    let password = given.unwrap_or_else(|| new_secret("")[..24].to_owned());
    let reach = match &args.area {
        Some(code) => Reach::Subtree(code.trim().to_owned()),
        None => Reach::WholeTree,
    };
    let display = args.display_name.as_deref().unwrap_or(&username);
    runtime()?.block_on(async {
        std::fs::create_dir_all(&config.data_dir)?;
        let store = Store::open(&config.database_url()).await?;
        let created =
            create_account_in(&store, &username, display, &password, role, reach.clone()).await;
        if let Err(e) = created {
            store.close().await;
            println!("lỗi: {e}");
            return Ok(ExitCode::from(1));
        }
        let area_text = match &reach {
            Reach::Subtree(code) => code.clone(),
            Reach::WholeTree => "*".to_owned(),
        };
        record_created(&store, "cli", &username, role, &area_text).await?;
        store.close().await;
        let reach_text = match &reach {
            Reach::Subtree(code) => format!("đơn vị {code} và các đơn vị trực thuộc"),
            Reach::WholeTree => "toàn bộ cây đơn vị".to_owned(),
        };
        println!(
            "đã tạo tài khoản `{username}` (vai trò {}, phạm vi: {reach_text})",
            role.as_str()
        );
        if made {
            let file = config.data_dir.join(format!("{username}-password.txt"));
            write_private(&file, &format!("{username}\n{password}\n"))?;
            println!("mật khẩu (chỉ hiện một lần): {password}");
            println!("đã ghi vào {} (chỉ chủ tệp đọc được)", file.display());
        }
        Ok(ExitCode::SUCCESS)
    })
}
