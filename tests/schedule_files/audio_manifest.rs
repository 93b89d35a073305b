//! The library manifest against the audio files: a wrong hash or duration is found by
//! decoding the file, and the message gives the value to write.

use super::{Case, Edit, Expect, run};

/// The manifest line of `gia-dinh-hoc-tap.flac`.
const FLAC_SHA_LINE: &str =
    "sha256 = \"328b336cc18d021c21bff1e8170ed5d8babb1179bdee15c9f4cbb216f4bf2695\"";

#[test]
fn manifest_values_are_checked_against_the_files() {
    run(&[
        Case {
            name: "sha256 of another file",
            file: "library.toml",
            edit: Edit::Replace(
                FLAC_SHA_LINE,
                "sha256 = \"53d1581e630459f495a39d541c5afc452a6f1a8a62116e925c6dba11bd6cfa56\"",
            ),
            verify_audio: true,
            expect: &[Expect {
                line: 0,
                column: 10,
                phrases: &[
                    "SHA-256 không khớp với tệp `gia-dinh-hoc-tap.flac`",
                    "viết `sha256 = \"328b336cc18d021c21bff1e8170ed5d8babb1179bdee15c9f4cbb216f4bf2695\"`",
                ],
            }],
        },
        Case {
            name: "duration from the container header, not decoded",
            file: "library.toml",
            edit: Edit::Replace("duration_ms = 15810", "duration_ms = 16000"),
            verify_audio: true,
            expect: &[Expect {
                line: 0,
                column: 15,
                phrases: &[
                    "độ dài giải mã thực của `gia-dinh-hoc-tap.flac` là 15810 ms",
                    "viết `duration_ms = 15810`",
                ],
            }],
        },
        // The campaigns name this segment; they are not also told it is unknown.
        Case {
            name: "missing audio file",
            file: "library.toml",
            edit: Edit::Replace(
                "file = \"gia-dinh-hoc-tap.flac\"",
                "file = \"gia-dinh-hoc-tap.mp3\"",
            ),
            verify_audio: false,
            expect: &[Expect {
                line: 0,
                column: 8,
                phrases: &["không tìm thấy tệp âm thanh `gia-dinh-hoc-tap.mp3` trong"],
            }],
        },
        Case {
            name: "sha256 not hex",
            file: "library.toml",
            edit: Edit::Replace(
                "sha256 = \"de9ca239657b588d05785e103016c3f90ad8558312762808960aee87dc235081\"",
                "sha256 = \"de9ca239\"",
            ),
            verify_audio: false,
            expect: &[Expect {
                line: 0,
                column: 10,
                phrases: &["`sha256` phải là 64 chữ số hex", "`sha256sum TỆP`"],
            }],
        },
        Case {
            name: "segment id with capitals and accents",
            file: "library.toml",
            edit: Edit::Replace("id = \"bao-tin-khan-cap-mau\"", "id = \"Bản-tin-mẫu\""),
            verify_audio: false,
            expect: &[Expect {
                line: 0,
                column: 6,
                phrases: &[
                    "mã bản tin `Bản-tin-mẫu` không hợp lệ",
                    "`gia-dinh-hoc-tap`",
                ],
            }],
        },
    ]);
}

/// Without `verify_audio` the files are not decoded, so a stale hash is not noticed;
/// `loa schedule plan` loads this way.
#[test]
fn without_verification_the_manifest_is_trusted() {
    let set = super::SetCopy::bac_kan();
    set.edit(
        "library.toml",
        Edit::Replace(
            FLAC_SHA_LINE,
            "sha256 = \"0000000000000000000000000000000000000000000000000000000000000000\"",
        ),
    );
    assert!(set.load(false).is_ok());
    assert_eq!(set.problems(true).len(), 1);
}
