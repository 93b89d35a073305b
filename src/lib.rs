//! `loa` schedules public-information radio segments onto commune radio stations
//! (Trạm truyền thanh) and proves they aired.
//!
//! Crate map (see README.md, "Architecture", for the invariants):
//!
//! - [`domain`]: the pure scheduling core. Area tree, stations and their broadcast
//!   windows, segments, campaigns and rotations, crontab slot rules, and the playlist
//!   compiler with its diagnostics, report aggregation, and the checkers of what people
//!   write (`domain::check`). No I/O, no serde, no clocks: everything it needs,
//!   including the dates to compile, comes in as arguments.
//! - [`schedule_file`]: reads a schedule set (TOML files plus an areas CSV) into
//!   validated domain values, reporting every problem as `file:line:column`.
//! - [`audio`]: decodes audio files whole with symphonia to measure them.
//! - [`wire`]: the JSON shapes other programs read (the compiled plan, the playlist,
//!   airings, campaign specs, the events of a station's stream).
//! - [`store`]: the server's database (SQLite or PostgreSQL) and media folder; every
//!   SQL statement of the server is here.
//! - [`server`]: `loa serve`, the HTTP API for stations and staff.
//! - [`report`]: airing reports (counted in [`domain`]) written as a console table,
//!   CSV or XLSX.
//! - [`agent`]: `loa agent`, the station agent: playlist sync, media cache, playback
//!   on time, the airing outbox.
//! - [`cli`]: the `loa` command line.

#[cfg(feature = "agent")]
pub mod agent;
pub mod audio;
pub mod cli;
pub mod domain;
#[cfg(feature = "server")]
pub mod report;
pub mod schedule_file;
#[cfg(feature = "server")]
pub mod server;
#[cfg(feature = "server")]
pub mod store;
pub mod wire;
