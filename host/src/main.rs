//! `host`: see `host --help`.
fn main() -> std::process::ExitCode {
    host::memory::return_large_blocks();
    host::cli::run(std::env::args_os())
}
