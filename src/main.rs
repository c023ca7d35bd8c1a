//! The `nurturec` command: reads files, runs the library, renders and writes.

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
