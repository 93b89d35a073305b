//! Console accounts: passwords (argon2) and their policy, the first administrator, and
//! login throttled per account and per client address (failures are counted in the
//! database, so every replica sees them).

use std::path::Path;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

use super::auth::{Role, SESSION_PREFIX, hash_secret, new_secret};
use super::error::ApiError;
use crate::store::accounts::NewAccount;
use crate::store::{Store, StoreError};

/// Hashes a password with argon2id and a random salt.
pub fn hash_password(password: &str) -> anyhow::Result<String> {
    let mut bytes = [0u8; 16];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut bytes);
    let salt = SaltString::encode_b64(&bytes).map_err(|e| anyhow::anyhow!("salt: {e}"))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("argon2: {e}"))
}

/// Shortest password accepted, in characters.
pub const MIN_PASSWORD_CHARS: usize = 10;

/// Longest password accepted, in characters (argon2 hashes anything, but a 50 MB
/// password would be a way to spend the server's time).
pub const MAX_PASSWORD_CHARS: usize = 128;

/// Passwords people pick first, refused whatever their length (lower case).
const COMMON_PASSWORDS: &str = include_str!("common-passwords.txt");

/// The password policy, one place for the API and the CLI: at least
/// [`MIN_PASSWORD_CHARS`] characters, at most [`MAX_PASSWORD_CHARS`], not a common
/// password, not the username, not one character or a run of digits repeated.
/// The error is Vietnamese and says what to write instead.
pub fn check_password(password: &str, username: &str) -> Result<(), String> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err(format!(
            "mật khẩu cần ít nhất {MIN_PASSWORD_CHARS} ký tự (đang có {chars}); nên dùng một câu ngắn dễ nhớ"
        ));
    }
    if chars > MAX_PASSWORD_CHARS {
        return Err(format!(
            "mật khẩu dài quá: tối đa {MAX_PASSWORD_CHARS} ký tự"
        ));
    }
    let lower = password.to_lowercase();
    let bare: String = lower.chars().filter(|c| !c.is_whitespace()).collect();
    if COMMON_PASSWORDS.lines().any(|common| common.trim() == bare) {
        return Err(
            "mật khẩu này quá phổ biến, dễ bị đoán; chọn mật khẩu khác (ví dụ một câu ngắn dễ nhớ)"
                .to_owned(),
        );
    }
    if !username.is_empty() && bare.contains(&username.to_lowercase()) {
        return Err("mật khẩu không được chứa tên đăng nhập; chọn mật khẩu khác".to_owned());
    }
    let distinct: std::collections::BTreeSet<char> = lower.chars().collect();
    if distinct.len() < 4 {
        return Err(
            "mật khẩu lặp lại quá ít ký tự khác nhau; dùng ít nhất 4 ký tự khác nhau".to_owned(),
        );
    }
    let digits: Vec<u32> = lower.chars().filter_map(|c| c.to_digit(10)).collect();
    if digits.len() == chars && digits.windows(2).all(|w| (w[1] + 10 - w[0]) % 10 == 1) {
        return Err("mật khẩu là một dãy số liên tiếp, dễ bị đoán; chọn mật khẩu khác".to_owned());
    }
    Ok(())
}

/// A hash no password matches, verified when the username is unknown so that login
/// takes as long for a missing account as for a real one.
static DUMMY_HASH: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| hash_password(&new_secret("")).unwrap_or_default());

fn verify_password(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Creates an account; the username must be new.
pub async fn create_account(
    store: &Store,
    username: &str,
    display_name: &str,
    password: &str,
    role: Role,
    area_code: &str,
) -> Result<i64, ApiError> {
    create_account_in(
        store,
        username,
        display_name,
        password,
        role,
        Reach::Subtree(area_code.to_owned()),
    )
    .await
}

/// What an account may see and change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reach {
    /// The subtree rooted at this area.
    Subtree(String),
    /// Every area, under every root (a national set has 34 provinces).
    WholeTree,
}

/// Creates an account reaching `reach`; the username must be new. A whole-tree account
/// is stored with the first root as its area (the column names a stored area) and the
/// `whole_tree` flag, which wins.
pub async fn create_account_in(
    store: &Store,
    username: &str,
    display_name: &str,
    password: &str,
    role: Role,
    reach: Reach,
) -> Result<i64, ApiError> {
    if username.trim().is_empty() {
        return Err(ApiError::Invalid(vec![
            "username: tên đăng nhập không được trống".to_owned(),
        ]));
    }
    check_password(password, username.trim())
        .map_err(|e| ApiError::Invalid(vec![format!("password: {e}")]))?;
    let (area_code, whole_tree) = match reach {
        Reach::Subtree(code) => {
            if !crate::store::area_exists(store, &code).await? {
                return Err(ApiError::Invalid(vec![format!(
                    "đơn vị `{code}` không tồn tại"
                )]));
            }
            (code, false)
        }
        Reach::WholeTree => {
            let root = crate::store::first_root_area(store).await?.ok_or_else(|| {
                ApiError::Invalid(vec![
                    "chưa có đơn vị hành chính nào: nạp cây đơn vị trước (loa areas import TỆP.csv)"
                        .to_owned(),
                ])
            })?;
            (root, true)
        }
    };
    let hash = hash_password(password).map_err(ApiError::Internal)?;
    let account = NewAccount {
        username: username.trim().to_owned(),
        display_name: crate::schedule_file::nfc(display_name.trim()),
        password_hash: hash,
        role: role.as_str().to_owned(),
        area_code,
        whole_tree,
        created_at_ms: chrono::Utc::now().timestamp_millis(),
    };
    crate::store::accounts::insert_account(store, &account)
        .await?
        .ok_or_else(|| ApiError::Conflict(format!("tên đăng nhập `{username}` đã có")))
}

pub use crate::store::accounts::{AccountRow, account_count, list_accounts};

/// Creates the `admin` account for the whole tree when there are no accounts, with a
/// random password written to `DATA_DIR/admin-password.txt` (readable by the owner only)
/// and shown on the terminal (standard error), never in the log.
pub async fn ensure_admin(store: &Store, data_dir: &Path) -> anyhow::Result<()> {
    if account_count(store).await? > 0 || crate::store::is_empty(store).await? {
        return Ok(());
    }
    // 20 hex digits (80 bits); the policy's common-list and repetition checks cannot
    // refuse it in practice, but a refusal would be reported, not hidden.
    let password = new_secret("")[..20].to_owned();
    create_account_in(
        store,
        "admin",
        "Quản trị",
        &password,
        Role::Admin,
        Reach::WholeTree,
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let file = data_dir.join("admin-password.txt");
    write_private(&file, &format!("admin\n{password}\n"))?;
    tracing::info!(username = "admin", file = %file.display(), "đã tạo tài khoản quản trị đầu tiên; mật khẩu ở trong tệp");
    // The terminal of whoever started the server, not the log (which may be shipped
    // elsewhere and kept for years).
    eprintln!(
        "Tài khoản quản trị đầu tiên: admin, mật khẩu {password} (đã ghi vào {}; đổi ngay sau khi đăng nhập)",
        file.display()
    );
    Ok(())
}

/// How long failures count, for accounts and addresses alike.
pub const FAILURE_WINDOW_MS: i64 = 15 * 60 * 1000;

/// Longest wait throttling imposes.
const MAX_DELAY_MS: i64 = 15 * 60 * 1000;

/// Failures from one address allowed before delays, as a multiple of an account's
/// (offices share one address behind their router).
const CLIENT_FACTOR: u32 = 4;

/// The wait after `count` failures when `free` are allowed without one: one second
/// after the first failure over, doubling with each further one, at most 15 minutes.
pub fn throttle_delay_ms(count: u32, free: u32) -> i64 {
    if count < free {
        return 0;
    }
    let doublings = (count - free).min(20);
    (1000_i64 << doublings).min(MAX_DELAY_MS)
}

/// "thử lại sau …" in seconds or minutes, rounded up.
pub fn retry_text(wait_ms: i64) -> String {
    let seconds = (wait_ms + 999) / 1000;
    if seconds < 120 {
        format!("{seconds} giây")
    } else {
        format!("{} phút", (seconds + 59) / 60)
    }
}

/// Checks a password and opens a session.
///
/// Failures are counted per account and per client address. After `free_failures`
/// failures for an account (four times as many for an address) each attempt waits a
/// delay that doubles with every further failure, up to 15 minutes; an attempt made
/// during the delay is refused (429, saying when to try again) without being checked
/// or counted. The account's delay applies only to addresses that have been failing
/// themselves: a correct password from an address with no recent failures always
/// gets through, so nobody can lock staff out by guessing at their username.
/// An unknown username costs the same time as a known one (a dummy hash is checked).
pub async fn login(
    store: &Store,
    username: &str,
    password: &str,
    client: &str,
    free_failures: u32,
    session_hours: u32,
) -> Result<String, ApiError> {
    use crate::store::logins;
    let now = chrono::Utc::now().timestamp_millis();
    let since = now - FAILURE_WINDOW_MS;
    let from_client = logins::client_failures(store, client, since).await?;
    let for_account = logins::account_failures(store, username, since).await?;
    // Below its threshold a delay is zero, so `last + 0` is already past.
    let client_until =
        from_client.last_ms + throttle_delay_ms(from_client.count, free_failures * CLIENT_FACTOR);
    let account_until = if from_client.count > 0 {
        for_account.last_ms + throttle_delay_ms(for_account.count, free_failures)
    } else {
        // This address has not been failing: the account's delay does not apply.
        0
    };
    let wait_until = client_until.max(account_until);
    if wait_until > now {
        return Err(ApiError::TooManyRequests(format!(
            "đăng nhập sai nhiều lần; thử lại sau {}",
            retry_text(wait_until - now)
        )));
    }
    let account = logins::credentials(store, username).await?;
    let (stored, id) = match &account {
        Some(c) => (c.password_hash.as_str(), Some(c.id)),
        None => (DUMMY_HASH.as_str(), None),
    };
    let owned_password = password.to_owned();
    let owned_hash = stored.to_owned();
    // Argon2 takes tens of milliseconds of CPU: off the async threads.
    let good = tokio::task::spawn_blocking(move || verify_password(&owned_password, &owned_hash))
        .await
        .map_err(|e| ApiError::Internal(e.into()))?;
    let Some(id) = id.filter(|_| good) else {
        logins::record_failure(store, username, client, now, since).await?;
        return Err(ApiError::Unauthorized);
    };
    logins::clear_failures(store, username, client).await?;
    let token = new_secret(SESSION_PREFIX);
    logins::open_session(
        store,
        &hash_secret(&token),
        id,
        now + i64::from(session_hours) * 3600 * 1000,
    )
    .await?;
    Ok(token)
}

/// Writes `text` to `file` readable by its owner only (0600 from the moment it exists).
fn write_private(file: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options.open(file)?;
    f.write_all(text.as_bytes())?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(())
}

/// Records in the audit log that `actor` created `username` (role and area in detail).
pub async fn record_created(
    store: &Store,
    actor: &str,
    username: &str,
    role: Role,
    area_code: &str,
) -> Result<(), StoreError> {
    crate::store::accounts::record_account_created(
        store,
        actor,
        username,
        &format!("role={} area={area_code}", role.as_str()),
    )
    .await
}

pub use crate::store::logins::{Disabled, disable_account, enable_account};

/// Changes `auth`'s own password after checking the current one; ends the account's
/// other sessions and lifts a forced change.
pub async fn change_own_password(
    store: &Store,
    auth: &super::auth::StaffAuth,
    current: &str,
    new: &str,
) -> Result<(), ApiError> {
    let Some(creds) = crate::store::logins::credentials(store, &auth.username).await? else {
        return Err(ApiError::Unauthorized);
    };
    let (given, stored) = (current.to_owned(), creds.password_hash.clone());
    let good = tokio::task::spawn_blocking(move || verify_password(&given, &stored))
        .await
        .map_err(|e| ApiError::Internal(e.into()))?;
    if !good {
        return Err(ApiError::Invalid(vec![
            "current_password: mật khẩu hiện tại không đúng".to_owned(),
        ]));
    }
    if current == new {
        return Err(ApiError::Invalid(vec![
            "new_password: mật khẩu mới phải khác mật khẩu hiện tại".to_owned(),
        ]));
    }
    check_password(new, &auth.username)
        .map_err(|e| ApiError::Invalid(vec![format!("new_password: {e}")]))?;
    let hash = hash_password(new).map_err(ApiError::Internal)?;
    crate::store::logins::set_password(
        store,
        &auth.username,
        &hash,
        false,
        Some(&auth.session_hash),
        &auth.username,
        "account.change_password",
    )
    .await?;
    Ok(())
}

/// Sets `username`'s password on an administrator's behalf: it must be changed at the
/// next login, and every session of the account ends. False when there is no such
/// account.
pub async fn reset_password(
    store: &Store,
    username: &str,
    new: &str,
    actor: &str,
) -> Result<bool, ApiError> {
    check_password(new, username)
        .map_err(|e| ApiError::Invalid(vec![format!("new_password: {e}")]))?;
    let hash = hash_password(new).map_err(ApiError::Internal)?;
    Ok(crate::store::logins::set_password(
        store,
        username,
        &hash,
        true,
        None,
        actor,
        "account.reset_password",
    )
    .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_policy_refuses_short_common_and_guessable_passwords() {
        for (password, why) in [
            ("ngan-qua", "ít nhất 10 ký tự"),
            ("password123", "quá phổ biến"),
            ("Mat Khau 123", "quá phổ biến"),
            ("aaaaaaaaaaaa", "4 ký tự khác nhau"),
            ("ababababab", "4 ký tự khác nhau"),
            ("4567890123", "dãy số liên tiếp"),
            ("bientap.05-mua-thu", "tên đăng nhập"),
        ] {
            let err = check_password(password, "bientap.05").expect_err(password);
            assert!(err.contains(why), "{password}: {err}");
        }
        check_password("song-hong-chay-mai", "bientap.05").expect("a good passphrase");
        assert!(check_password(&"x1".repeat(100), "").is_err(), "too long");
    }

    #[test]
    fn throttling_delays_double_up_to_fifteen_minutes() {
        assert_eq!(throttle_delay_ms(4, 5), 0);
        assert_eq!(throttle_delay_ms(5, 5), 1000);
        assert_eq!(throttle_delay_ms(6, 5), 2000);
        assert_eq!(throttle_delay_ms(9, 5), 16_000);
        assert_eq!(throttle_delay_ms(500, 5), 15 * 60 * 1000);
        assert_eq!(retry_text(1500), "2 giây");
        assert_eq!(retry_text(15 * 60 * 1000), "15 phút");
    }
}
