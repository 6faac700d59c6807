//! `--ascii`: the last step of drawing for old terminals and serial consoles. The views pick
//! ASCII where a choice carries meaning (the spinner, the selection marker, key names); this
//! pass then replaces whatever is left — box drawing, bars, arrows, dashes, and any non-ASCII
//! character of a certificate subject or a message — cell by cell, so that nothing but ASCII
//! reaches the terminal and no column moves.

use ratatui::buffer::Buffer;

/// One column wide each, so the layout is unchanged.
fn replacement(c: char) -> char {
    match c {
        '─' | '━' | '┄' | '╌' | '═' | '—' | '–' | '−' | '‐' => '-',
        '│' | '┃' | '║' | '▏' => '|',
        '┌' | '┐' | '└' | '┘' | '├' | '┤' | '┬' | '┴' | '┼' | '╋' | '╭' | '╮' | '╯' | '╰' => {
            '+'
        }
        '┣' => '[',
        '┫' => ']',
        '▶' | '→' | '►' | '⇒' => '>',
        '◀' | '←' | '◄' => '<',
        '▼' | '↓' | '✓' | '✔' => 'v',
        '▲' | '↑' => '^',
        '⇄' | '↔' => '=',
        '…' => '~',
        '·' | '•' => '.',
        '✱' | '★' => '*',
        '✗' | '✘' | '×' => 'x',
        '✎' => '#',
        '‘' | '’' => '\'',
        '“' | '”' => '"',
        c if c.is_ascii() => c,
        _ => '?',
    }
}

/// Replace every non-ASCII symbol in `buffer`.
pub fn downgrade(buffer: &mut Buffer) {
    for cell in &mut buffer.content {
        let symbol = cell.symbol();
        if symbol.is_ascii() {
            continue;
        }
        let mut chars = symbol.chars();
        let first = chars.next().map_or(' ', replacement);
        cell.set_char(first);
    }
}

/// The same replacement for a string (the views' own ASCII text).
pub fn text(s: &str) -> String {
    s.chars().map(replacement).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_and_marks_become_ascii_of_the_same_width() {
        assert_eq!(text("◀━━╋━┫ ▼ today · ✱x — …"), "<--+-] v today . *x - ~");
        assert_eq!(text("Zürich"), "Z?rich");
    }
}
