//! The `loa` binary: parses the command line and hands over to [`loa::cli`].

fn main() -> std::process::ExitCode {
    loa::cli::main()
}
