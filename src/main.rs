//! The `nurturec` command: reads files, runs the library, renders and writes.

mod cli;

// mimalloc, for a compile's many small allocations: see Cargo.toml.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    cli::main()
}
