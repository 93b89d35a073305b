//! The one check of an alert subscription's channels, used for the API's bodies and
//! the configuration file's entries alike.

/// Longest e-mail address accepted (RFC 5321's path limit).
const MAX_EMAIL: usize = 254;

/// Longest webhook URL accepted.
const MAX_URL: usize = 500;

/// Checks an e-mail address and a webhook URL (at least one), trimmed; every problem
/// names its field and says what to write.
pub(crate) fn check_channels(
    email: Option<&str>,
    webhook: Option<&str>,
) -> Result<(Option<String>, Option<String>), Vec<String>> {
    let email = email.map(str::trim).filter(|e| !e.is_empty());
    let webhook = webhook.map(str::trim).filter(|w| !w.is_empty());
    let mut problems = Vec::new();
    if email.is_none() && webhook.is_none() {
        problems.push(
            "email, webhook: cần ít nhất một trong hai: địa chỉ e-mail hoặc URL webhook".to_owned(),
        );
    }
    let shown = |s: &str| {
        let mut t: String = s.chars().take(60).collect();
        if s.chars().count() > 60 {
            t.push('…');
        }
        t
    };
    if let Some(e) = email
        && (e.chars().count() > MAX_EMAIL || e.parse::<lettre::Address>().is_err())
    {
        problems.push(format!(
            "email: `{}` không phải địa chỉ e-mail; viết dạng can-bo@ubnd.example.vn (tối đa {MAX_EMAIL} ký tự)",
            shown(e)
        ));
    }
    if let Some(w) = webhook {
        let ok = w.chars().count() <= MAX_URL
            && reqwest::Url::parse(w).is_ok_and(|u| {
                matches!(u.scheme(), "http" | "https")
                    && u.host_str().is_some_and(|h| !h.is_empty())
            });
        if !ok {
            problems.push(format!(
                "webhook: `{}` không phải URL dùng được; viết http:// hoặc https:// và tên máy, ví dụ https://chat.example.vn/hooks/loa (tối đa {MAX_URL} ký tự)",
                shown(w)
            ));
        }
    }
    if problems.is_empty() {
        Ok((email.map(str::to_owned), webhook.map(str::to_owned)))
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::check_channels;

    #[test]
    fn channels_are_checked_and_named() {
        assert_eq!(
            check_channels(Some(" a@b.vn "), None),
            Ok((Some("a@b.vn".to_owned()), None))
        );
        assert!(check_channels(None, Some("https://h.vn/x")).is_ok());
        let e = check_channels(Some("khong-phai"), Some("ftp://h")).expect_err("bad");
        assert!(
            e[0].starts_with("email:") && e[1].starts_with("webhook:"),
            "{e:?}"
        );
        let e = check_channels(Some(""), None).expect_err("none");
        assert!(e[0].contains("ít nhất một"), "{e:?}");
    }
}
