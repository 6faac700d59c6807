//! The `fedcert` binary: everything lives in the library; see `fedcert::cli`.

/// mimalloc rather than the system allocator: `inspect` allocates each certificate's facts on
/// one thread and frees them on another, which glibc's allocator handles slowly (BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    fedcert::cli::main()
}
