//! The `fedcert` binary: everything lives in the library; see `fedcert::cli`.

fn main() -> std::process::ExitCode {
    fedcert::cli::main()
}
