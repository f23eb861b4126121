//! `host`: see `host --help`.
fn main() -> std::process::ExitCode {
    host::cli::run(std::env::args_os())
}
