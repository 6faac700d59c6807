//! The one table of key bindings. Key handling, the `?` help and the hint bar are all read from
//! [`BINDINGS`], so they cannot drift apart.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::action::Action;

/// Where the keyboard focus is: each binding says in which of these it works.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Mode {
    List,
    Details,
    Help,
    /// Typing a filter after `/`.
    Filter,
    /// A domain's renewal checklist.
    Checklist,
    /// Typing a note for a checklist step after `n`.
    Note,
}

impl Mode {
    pub fn name(self) -> &'static str {
        match self {
            Self::List => "list",
            Self::Details => "details",
            Self::Help => "help",
            Self::Filter => "filter",
            Self::Checklist => "checklist",
            Self::Note => "note",
        }
    }

    /// Every mode, in the order help names them.
    pub const ALL: [Mode; 6] = [
        Self::List,
        Self::Details,
        Self::Help,
        Self::Filter,
        Self::Checklist,
        Self::Note,
    ];

    /// Modes where typed characters are text, not commands.
    fn takes_text(self) -> bool {
        matches!(self, Self::Filter | Self::Note)
    }
}

/// A key and the modifiers it needs. Shift is ignored for characters (`G` arrives as
/// Shift+`G` on most terminals, as plain `G` on some).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Key {
    pub code: KeyCode,
    pub ctrl: bool,
}

impl Key {
    const fn plain(code: KeyCode) -> Self {
        Self { code, ctrl: false }
    }

    const fn char(c: char) -> Self {
        Self::plain(KeyCode::Char(c))
    }

    const fn ctrl(c: char) -> Self {
        Self {
            code: KeyCode::Char(c),
            ctrl: true,
        }
    }

    /// Alt never matches: terminals send Alt+key as Esc + key, which is not what was bound.
    fn matches(self, event: &KeyEvent) -> bool {
        self.code == event.code
            && self.ctrl == event.modifiers.contains(KeyModifiers::CONTROL)
            && !event.modifiers.contains(KeyModifiers::ALT)
    }
}

/// One row of the keymap.
#[derive(Debug)]
pub struct Binding {
    pub keys: &'static [Key],
    /// How the keys are written in help and hints: `j/↓`.
    pub label: &'static str,
    pub action: Action,
    /// Keys and a word or two for the hint bar (`j/k` `move`); `None` keeps it out of the bar.
    pub hint: Option<(&'static str, &'static str)>,
    /// What it does, in at most 34 characters (the help table's column at 80 columns).
    pub description: &'static str,
    pub modes: &'static [Mode],
}

const BROWSE: &[Mode] = &[Mode::List, Mode::Details];
const VIEWS: &[Mode] = &[Mode::List, Mode::Details, Mode::Checklist];
const CHECKLIST: &[Mode] = &[Mode::Checklist];
const EVERYWHERE: &[Mode] = &Mode::ALL;

/// Every binding, in the order help shows them.
pub const BINDINGS: &[Binding] = &[
    Binding {
        keys: &[Key::char('j'), Key::plain(KeyCode::Down)],
        label: "j/↓",
        action: Action::Down,
        hint: None,
        description: "Next domain / scroll down",
        modes: BROWSE,
    },
    Binding {
        keys: &[Key::char('k'), Key::plain(KeyCode::Up)],
        label: "k/↑",
        action: Action::Up,
        hint: Some(("j/k", "move")),
        description: "Previous domain / scroll up",
        modes: BROWSE,
    },
    Binding {
        keys: &[Key::plain(KeyCode::PageDown)],
        label: "PgDn",
        action: Action::PageDown,
        hint: None,
        description: "One page down",
        modes: BROWSE,
    },
    Binding {
        keys: &[Key::plain(KeyCode::PageUp)],
        label: "PgUp",
        action: Action::PageUp,
        hint: None,
        description: "One page up",
        modes: BROWSE,
    },
    Binding {
        keys: &[Key::char('g'), Key::plain(KeyCode::Home)],
        label: "g/Home",
        action: Action::Top,
        hint: None,
        description: "First domain / top of details",
        modes: BROWSE,
    },
    Binding {
        keys: &[Key::char('G'), Key::plain(KeyCode::End)],
        label: "G/End",
        action: Action::Bottom,
        hint: None,
        description: "Last domain / end of details",
        modes: BROWSE,
    },
    Binding {
        keys: &[Key::plain(KeyCode::Enter)],
        label: "Enter",
        action: Action::OpenDetails,
        hint: Some(("Enter", "details")),
        description: "Timeline and facts of the domain",
        modes: &[Mode::List],
    },
    Binding {
        keys: &[Key::char('c')],
        label: "c",
        action: Action::OpenChecklist,
        hint: Some(("c", "checklist")),
        description: "Renewal checklist of the domain",
        modes: BROWSE,
    },
    Binding {
        keys: &[Key::char('/')],
        label: "/",
        action: Action::StartFilter,
        hint: Some(("/", "filter")),
        description: "Filter: name, IdP host, status",
        modes: &[Mode::List],
    },
    Binding {
        keys: &[Key::plain(KeyCode::Enter)],
        label: "Enter",
        action: Action::ApplyFilter,
        hint: Some(("Enter", "apply")),
        description: "Apply; select the first match",
        modes: &[Mode::Filter],
    },
    Binding {
        keys: &[Key::plain(KeyCode::Backspace)],
        label: "Backspace",
        action: Action::FilterBackspace,
        hint: None,
        description: "Delete the last character",
        modes: &[Mode::Filter],
    },
    Binding {
        keys: &[Key::plain(KeyCode::Esc)],
        label: "Esc",
        action: Action::ClearFilter,
        hint: Some(("Esc", "clear")),
        description: "Clear the filter",
        modes: &[Mode::Filter],
    },
    Binding {
        keys: &[Key::char('j'), Key::plain(KeyCode::Down)],
        label: "j/↓",
        action: Action::Down,
        hint: None,
        description: "Next step",
        modes: CHECKLIST,
    },
    Binding {
        keys: &[Key::char('k'), Key::plain(KeyCode::Up)],
        label: "k/↑",
        action: Action::Up,
        hint: None,
        description: "Previous step",
        modes: CHECKLIST,
    },
    Binding {
        keys: &[Key::char('g'), Key::plain(KeyCode::Home)],
        label: "g/Home",
        action: Action::Top,
        hint: None,
        description: "First step",
        modes: CHECKLIST,
    },
    Binding {
        keys: &[Key::char('G'), Key::plain(KeyCode::End)],
        label: "G/End",
        action: Action::Bottom,
        hint: None,
        description: "Last step",
        modes: CHECKLIST,
    },
    Binding {
        keys: &[Key::plain(KeyCode::PageDown)],
        label: "PgDn",
        action: Action::PageDown,
        hint: None,
        description: "Scroll the step down a page",
        modes: CHECKLIST,
    },
    Binding {
        keys: &[Key::plain(KeyCode::PageUp)],
        label: "PgUp",
        action: Action::PageUp,
        hint: None,
        description: "Scroll the step up a page",
        modes: CHECKLIST,
    },
    Binding {
        keys: &[Key::char(' ')],
        label: "Space",
        action: Action::ToggleDone,
        hint: Some(("Space", "done")),
        description: "Mark the step done (again: undo)",
        modes: CHECKLIST,
    },
    Binding {
        keys: &[Key::char('s')],
        label: "s",
        action: Action::ToggleSkipped,
        hint: Some(("s", "skip")),
        description: "Mark skipped (again: undo)",
        modes: CHECKLIST,
    },
    Binding {
        keys: &[Key::char('f')],
        label: "f",
        action: Action::ToggleFailed,
        hint: Some(("f", "fail")),
        description: "Mark failed (again: undo)",
        modes: CHECKLIST,
    },
    Binding {
        keys: &[Key::char('n')],
        label: "n",
        action: Action::EditNote,
        hint: Some(("n", "note")),
        description: "Write a note on the step",
        modes: CHECKLIST,
    },
    Binding {
        keys: &[Key::char('y')],
        label: "y",
        action: Action::CopyCommands,
        hint: Some(("y", "copy")),
        description: "Copy the commands (OSC 52)",
        modes: CHECKLIST,
    },
    Binding {
        keys: &[Key::char('d')],
        label: "d",
        action: Action::SwitchDialect,
        hint: Some(("d", "dialect")),
        description: "Graph ⇄ MSOnline commands",
        modes: CHECKLIST,
    },
    Binding {
        keys: &[Key::plain(KeyCode::Enter)],
        label: "Enter",
        action: Action::SaveNote,
        hint: Some(("Enter", "save")),
        description: "Save the note (empty removes it)",
        modes: &[Mode::Note],
    },
    Binding {
        keys: &[Key::plain(KeyCode::Backspace)],
        label: "Backspace",
        action: Action::NoteBackspace,
        hint: None,
        description: "Delete the last character",
        modes: &[Mode::Note],
    },
    Binding {
        keys: &[Key::plain(KeyCode::Esc)],
        label: "Esc",
        action: Action::CancelNote,
        hint: Some(("Esc", "cancel")),
        description: "Keep the saved note",
        modes: &[Mode::Note],
    },
    Binding {
        keys: &[Key::char('?')],
        label: "?",
        action: Action::ToggleHelp,
        hint: Some(("?", "help")),
        description: "Show or hide this help",
        modes: &[Mode::List, Mode::Details, Mode::Checklist, Mode::Help],
    },
    Binding {
        keys: &[Key::plain(KeyCode::Esc)],
        label: "Esc",
        action: Action::Back,
        hint: Some(("Esc", "back")),
        description: "Go back; close help; clear filter",
        modes: &[Mode::Details, Mode::Checklist, Mode::Help, Mode::List],
    },
    Binding {
        keys: &[Key::char('q')],
        label: "q",
        action: Action::Quit,
        hint: Some(("q", "quit")),
        description: "Quit",
        modes: &[Mode::List, Mode::Details, Mode::Checklist, Mode::Help],
    },
    Binding {
        keys: &[Key::char('r')],
        label: "r",
        action: Action::RefreshSelected,
        hint: Some(("r", "refresh")),
        description: "Refresh the selected domain now",
        modes: VIEWS,
    },
    Binding {
        keys: &[Key::char('R')],
        label: "R",
        action: Action::RefreshAll,
        hint: Some(("R", "all")),
        description: "Refresh every domain now",
        modes: VIEWS,
    },
    Binding {
        keys: &[Key::ctrl('c')],
        label: "Ctrl-C",
        action: Action::Quit,
        hint: None,
        description: "Quit, from anywhere",
        modes: EVERYWHERE,
    },
];

/// The action a key press means in `mode`, if any. While typing a filter or a note, plain
/// characters are text.
pub fn action_for(mode: Mode, key: &KeyEvent) -> Option<Action> {
    if mode.takes_text()
        && let KeyCode::Char(c) = key.code
        && !key
            .modifiers
            .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
    {
        return Some(if mode == Mode::Note {
            Action::NoteChar(c)
        } else {
            Action::FilterChar(c)
        });
    }
    bindings_for(mode)
        .find(|b| b.keys.iter().any(|k| k.matches(key)))
        .map(|b| b.action.clone())
}

/// The bindings active in `mode`, in keymap order.
pub fn bindings_for(mode: Mode) -> impl Iterator<Item = &'static Binding> {
    BINDINGS.iter().filter(move |b| b.modes.contains(&mode))
}

/// `(keys, word)` pairs for the hint bar of `mode`.
pub fn hints(mode: Mode) -> Vec<(&'static str, &'static str)> {
    bindings_for(mode).filter_map(|b| b.hint).collect()
}
