//! `fedcert completions <shell>` and `fedcert man`: generated from the clap definitions, so
//! they can never list a flag the binary does not have.

use std::path::Path;

use clap::CommandFactory;
use clap_complete::Shell;

use super::output::to_stdout;
use super::{Cli, EXIT_CANT_CREATE, Failure, Outcome};

/// The program's name as the shell sees it.
const BIN: &str = "fedcert";

/// Print the completion script for `shell`.
pub fn completions(shell: Shell) -> Outcome {
    let mut command = Cli::command();
    to_stdout(|out| {
        clap_complete::generate(shell, &mut command, BIN, out);
        Ok(())
    })?;
    Ok(0)
}

/// Print fedcert(1), or with `dir` write it and one page per subcommand (fedcert-check(1), …).
pub fn man(dir: Option<&Path>) -> Outcome {
    let Some(dir) = dir else {
        to_stdout(|out| clap_mangen::Man::new(Cli::command()).render(out))?;
        return Ok(0);
    };
    let cannot = |e: std::io::Error| {
        Failure::new(
            EXIT_CANT_CREATE,
            format!(
                "man --dir {}: cannot write the manual pages there: {e}",
                dir.display()
            ),
        )
    };
    std::fs::create_dir_all(dir).map_err(cannot)?;
    clap_mangen::generate_to(Cli::command(), dir).map_err(cannot)?;
    Ok(0)
}
