//! The terminal guard: raw mode, the alternate screen and bracketed paste (a pasted error page
//! arrives as one piece, not as keys) while it lives, and the terminal put back — cursor shown,
//! mouse capture and bracketed paste off — when it drops, whether the UI returns, fails or
//! panics (ratatui's panic hook, chained with ours).

use std::io::{self, stdout};

use ratatui::DefaultTerminal;
use ratatui::crossterm::cursor::Show;
use ratatui::crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
};
use ratatui::crossterm::execute;

pub struct TerminalGuard {
    terminal: DefaultTerminal,
}

impl TerminalGuard {
    /// Enter raw mode and the alternate screen, and capture the mouse when `mouse` is set.
    pub fn new(mouse: bool) -> io::Result<Self> {
        // `try_init` installs ratatui's panic hook (raw mode off, alternate screen left) before
        // touching the terminal; ours runs first and undoes what that hook does not.
        let terminal = ratatui::try_init().inspect_err(|_| restore())?;
        install_panic_hook();
        // From here on the guard exists, so its drop turns the capture off again.
        let guard = Self { terminal };
        execute!(stdout(), EnableBracketedPaste)?;
        if mouse {
            execute!(stdout(), EnableMouseCapture)?;
        }
        Ok(guard)
    }

    pub fn terminal(&mut self) -> &mut DefaultTerminal {
        &mut self.terminal
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore();
    }
}

/// Put the terminal back as the shell expects it. Errors are logged, never raised: there is
/// nothing better to do with them on the way out.
fn restore() {
    if let Err(error) = execute!(stdout(), DisableBracketedPaste, DisableMouseCapture, Show) {
        tracing::warn!("restoring the cursor failed: {error}");
    }
    if let Err(error) = ratatui::try_restore() {
        tracing::warn!("restoring the terminal failed: {error}");
    }
}

fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let _ = execute!(stdout(), DisableBracketedPaste, DisableMouseCapture, Show);
        previous(info);
    }));
}
