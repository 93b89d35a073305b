//! The integration tests, in one binary so they build and link once.
//!
//! `support` builds domain inputs in code; each other module tests one part of loa
//! through its public API.

#[cfg(all(feature = "server", feature = "agent"))]
mod agent;
mod audio;
mod cli;
mod compile;
#[cfg(feature = "server")]
mod console;
mod report;
mod schedule_files;
#[cfg(feature = "server")]
mod server;
mod support;
mod tidy;
