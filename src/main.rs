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
    fedcert::cli::main_with(|workload| {
        if workload == fedcert::cli::Workload::Headless {
            return_freed_memory_at_once();
        }
    })
}

/// `mi_option_purge_delay` in mimalloc v3's `mimalloc.h` (libmimalloc-sys does not name it).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// mimalloc keeps the pages it freed for a second (`purge_delay`, 1,000 ms) before it gives
/// them back, in case they are wanted again. A fleet check (and each refresh round of the
/// exporter) streams every document through buffers it frees at once, so those pages were a
/// tenth of a check's peak: 10,000 domains of 80 KB peaked at 96 MiB with the delay and 84 MiB without, in the same
/// time (BENCHMARKS.md §2). The TUI keeps the delay: loading 10,000 domains frees and takes
/// memory again, and giving it back at once made the first frame ~5 ms slower. A
/// `MIMALLOC_PURGE_DELAY` in the environment still wins.
#[allow(unsafe_code)]
fn return_freed_memory_at_once() {
    // SAFETY: called once, while the process has only its main thread (mimalloc's option
    // calls are not thread-safe); `main_with` calls back before it starts any other.
    unsafe { libmimalloc_sys::mi_option_set_default(MI_OPTION_PURGE_DELAY, 0) }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The option number is mimalloc's, not ours: a mimalloc whose options were renumbered
    /// would have us change some other setting. Its default of 1,000 ms (unless the
    /// environment sets it) identifies it.
    #[test]
    #[allow(unsafe_code)]
    fn option_fifteen_is_mimallocs_purge_delay() {
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_some() {
            return;
        }
        // SAFETY: reads one option; no test here sets any.
        let delay = unsafe { libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY) };
        assert_eq!(
            delay, 1_000,
            "mimalloc's option 15 is not the 1,000 ms purge delay"
        );
    }
}
