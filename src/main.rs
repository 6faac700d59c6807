//! The `fedcert` binary: everything lives in the library; see `fedcert::cli`.

/// mimalloc rather than the system allocator: `inspect` allocates each certificate's facts on
/// one thread and frees them on another, which glibc's allocator handles slowly (BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    // mimalloc maps its arenas in large aligned regions; where the kernel backs anonymous
    // memory with transparent huge pages "always", every region a thread touches becomes a
    // 2 MiB page, and `fedcert check` on 1,000 domains held ~100 MiB for ~12 MiB of data
    // (BENCHMARKS.md §2). fedcert gains nothing from huge pages, so it asks for small ones.
    #[cfg(target_os = "linux")]
    let _ = rustix::thread::disable_transparent_huge_pages(true);
    fedcert::cli::main()
}
