//! Copying to the operator's clipboard with OSC 52, the terminal escape that asks the terminal
//! emulator itself to set the clipboard. It travels with the output, so it works over SSH, where
//! no clipboard API of this machine could reach the operator's desktop.
//!
//! The sequence is `ESC ] 52 ; c ; <base64> BEL`. Inside tmux it is wrapped for passthrough,
//! `ESC P tmux; <sequence with every ESC doubled> ESC \`, because tmux otherwise swallows escapes
//! it does not know (tmux 3.3 and later also need `set -g allow-passthrough on`).

use base64::Engine;

const ESC: u8 = 0x1b;
const BEL: u8 = 0x07;

/// The bytes that put `text` on the clipboard, wrapped for tmux when `tmux` is set.
pub fn osc52(text: &str, tmux: bool) -> Vec<u8> {
    let mut sequence = vec![ESC];
    sequence.extend_from_slice(b"]52;c;");
    sequence.extend_from_slice(
        base64::engine::general_purpose::STANDARD
            .encode(text)
            .as_bytes(),
    );
    sequence.push(BEL);
    if tmux {
        tmux_passthrough(&sequence)
    } else {
        sequence
    }
}

/// `ESC P tmux; … ESC \` around `sequence`, each of its ESC bytes doubled.
fn tmux_passthrough(sequence: &[u8]) -> Vec<u8> {
    let mut wrapped = vec![ESC];
    wrapped.extend_from_slice(b"Ptmux;");
    for &byte in sequence {
        if byte == ESC {
            wrapped.push(ESC);
        }
        wrapped.push(byte);
    }
    wrapped.extend_from_slice(&[ESC, b'\\']);
    wrapped
}

/// Inside tmux: `$TMUX` is set and not empty.
pub fn inside_tmux(tmux_variable: Option<&std::ffi::OsStr>) -> bool {
    tmux_variable.is_some_and(|v| !v.is_empty())
}
