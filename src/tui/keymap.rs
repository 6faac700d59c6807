//! The keymap: a value built from the default table and the config's [`KeyBindings`]. Which
//! actions exist, their default keys and views, and the rules for rebinding them live in
//! [`crate::config::keys`] (the engine validates `[keys]` without terminal types); this module
//! adds what each binding means on screen and turns the keys into crossterm's. Key handling,
//! the `?` help and the hint bar all read the one [`Keymap`] the app holds, so they cannot
//! drift apart, and a rebound key shows up in help and hints at once.

use std::sync::LazyLock;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::action::Action;
use crate::config::keys::{BINDINGS, KeyBindings, KeyName, KeySpec};
pub use crate::config::keys::{KEY_SYNTAX, Mode, RebindError, Rebinding};

/// A key and the modifiers it needs. Shift is ignored for characters (`G` arrives as
/// Shift+`G` on most terminals, as plain `G` on some).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub ctrl: bool,
}

impl From<KeySpec> for Key {
    fn from(spec: KeySpec) -> Self {
        Self {
            code: key_code(spec.code),
            ctrl: spec.ctrl,
        }
    }
}

/// crossterm's code for a key the config names.
fn key_code(name: KeyName) -> KeyCode {
    match name {
        KeyName::Char(c) => KeyCode::Char(c),
        KeyName::Enter => KeyCode::Enter,
        KeyName::Esc => KeyCode::Esc,
        KeyName::Tab => KeyCode::Tab,
        KeyName::Backspace => KeyCode::Backspace,
        KeyName::Up => KeyCode::Up,
        KeyName::Down => KeyCode::Down,
        KeyName::Left => KeyCode::Left,
        KeyName::Right => KeyCode::Right,
        KeyName::PageUp => KeyCode::PageUp,
        KeyName::PageDown => KeyCode::PageDown,
        KeyName::Home => KeyCode::Home,
        KeyName::End => KeyCode::End,
        KeyName::Insert => KeyCode::Insert,
        KeyName::Delete => KeyCode::Delete,
        KeyName::F(n) => KeyCode::F(n),
    }
}

/// The config's name for a crossterm key, for labels; `None` for keys `[keys]` cannot name.
fn key_name(code: KeyCode) -> Option<KeyName> {
    Some(match code {
        KeyCode::Char(c) => KeyName::Char(c),
        KeyCode::Enter => KeyName::Enter,
        KeyCode::Esc => KeyName::Esc,
        KeyCode::Tab => KeyName::Tab,
        KeyCode::Backspace => KeyName::Backspace,
        KeyCode::Up => KeyName::Up,
        KeyCode::Down => KeyName::Down,
        KeyCode::Left => KeyName::Left,
        KeyCode::Right => KeyName::Right,
        KeyCode::PageUp => KeyName::PageUp,
        KeyCode::PageDown => KeyName::PageDown,
        KeyCode::Home => KeyName::Home,
        KeyCode::End => KeyName::End,
        KeyCode::Insert => KeyName::Insert,
        KeyCode::Delete => KeyName::Delete,
        KeyCode::F(n) => KeyName::F(n),
        _ => return None,
    })
}

impl Key {
    /// Alt never matches: terminals send Alt+key as Esc + key, which is not what was bound.
    fn matches(self, event: &KeyEvent) -> bool {
        self.code == event.code
            && self.ctrl == event.modifiers.contains(KeyModifiers::CONTROL)
            && !event.modifiers.contains(KeyModifiers::ALT)
    }

    /// How help and hints write the key: `j`, `↓` (`Down` in ASCII), `PgDn`, `Ctrl-C`.
    pub fn label(self, ascii: bool) -> String {
        let name = match self.code {
            KeyCode::Char(' ') => "Space".to_owned(),
            KeyCode::Char(c) if self.ctrl => c.to_uppercase().collect(),
            KeyCode::Char(c) => c.to_string(),
            KeyCode::Down => arrow(ascii, "↓", "Down"),
            KeyCode::Up => arrow(ascii, "↑", "Up"),
            KeyCode::Left => arrow(ascii, "←", "Left"),
            KeyCode::Right => arrow(ascii, "→", "Right"),
            KeyCode::F(n) => format!("F{n}"),
            code => key_name(code)
                .and_then(KeyName::label)
                .map_or_else(|| format!("{code:?}"), str::to_owned),
        };
        if self.ctrl {
            format!("Ctrl-{name}")
        } else {
            name
        }
    }
}

fn arrow(ascii: bool, glyph: &str, word: &str) -> String {
    if ascii { word } else { glyph }.to_owned()
}

/// The hint bar's entry for a binding: its word, and the key shown in front of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hint {
    /// When set, this action's first key comes first, joined by `/` (`j/k move`).
    pub after: Option<Action>,
    pub word: &'static str,
}

impl Hint {
    const fn own(word: &'static str) -> Self {
        Self { after: None, word }
    }

    const fn pair(after: Action, word: &'static str) -> Self {
        Self {
            after: Some(after),
            word,
        }
    }
}

/// What a row of the default keymap means on screen.
#[derive(Debug)]
pub struct DefaultBinding {
    pub action: Action,
    /// A word for the hint bar (`move`); `None` keeps it out of the bar.
    pub hint: Option<Hint>,
    /// What it does, in at most 34 characters (the help table's column at 80 columns).
    pub description: &'static str,
}

/// What each row of [`BINDINGS`] means on screen, row for row (a test checks they line up).
pub const DEFAULTS: &[DefaultBinding] = &[
    DefaultBinding {
        action: Action::Down,
        hint: None,
        description: "Next domain / scroll down",
    },
    DefaultBinding {
        action: Action::Up,
        hint: Some(Hint::pair(Action::Down, "move")),
        description: "Previous domain / scroll up",
    },
    DefaultBinding {
        action: Action::PageDown,
        hint: None,
        description: "One page down",
    },
    DefaultBinding {
        action: Action::PageUp,
        hint: None,
        description: "One page up",
    },
    DefaultBinding {
        action: Action::Top,
        hint: None,
        description: "First domain / top of details",
    },
    DefaultBinding {
        action: Action::Bottom,
        hint: None,
        description: "Last domain / end of details",
    },
    DefaultBinding {
        action: Action::PreviousDomain,
        hint: None,
        description: "Previous domain, in the details",
    },
    DefaultBinding {
        action: Action::NextDomain,
        hint: Some(Hint::pair(Action::PreviousDomain, "domain")),
        description: "Next domain, in the details",
    },
    DefaultBinding {
        action: Action::OpenDetails,
        hint: Some(Hint::own("details")),
        description: "Timeline and facts of the domain",
    },
    DefaultBinding {
        action: Action::OpenChecklist,
        hint: Some(Hint::own("checklist")),
        description: "Renewal checklist of the domain",
    },
    DefaultBinding {
        action: Action::StartFilter,
        hint: Some(Hint::own("filter")),
        description: "Filter: name, IdP host, status",
    },
    DefaultBinding {
        action: Action::ApplyFilter,
        hint: Some(Hint::own("apply")),
        description: "Apply; select the first match",
    },
    DefaultBinding {
        action: Action::FilterBackspace,
        hint: None,
        description: "Delete the last character",
    },
    DefaultBinding {
        action: Action::ClearFilter,
        hint: Some(Hint::own("clear")),
        description: "Clear the filter",
    },
    DefaultBinding {
        action: Action::Down,
        hint: None,
        description: "Next step",
    },
    DefaultBinding {
        action: Action::Up,
        hint: None,
        description: "Previous step",
    },
    DefaultBinding {
        action: Action::Top,
        hint: None,
        description: "First step",
    },
    DefaultBinding {
        action: Action::Bottom,
        hint: None,
        description: "Last step",
    },
    DefaultBinding {
        action: Action::PageDown,
        hint: None,
        description: "Scroll the step down a page",
    },
    DefaultBinding {
        action: Action::PageUp,
        hint: None,
        description: "Scroll the step up a page",
    },
    DefaultBinding {
        action: Action::ToggleDone,
        hint: Some(Hint::own("done")),
        description: "Mark the step done (again: undo)",
    },
    DefaultBinding {
        action: Action::ToggleSkipped,
        hint: Some(Hint::own("skip")),
        description: "Mark skipped (again: undo)",
    },
    DefaultBinding {
        action: Action::ToggleFailed,
        hint: Some(Hint::own("fail")),
        description: "Mark failed (again: undo)",
    },
    DefaultBinding {
        action: Action::EditNote,
        hint: Some(Hint::own("note")),
        description: "Write a note on the step",
    },
    DefaultBinding {
        action: Action::CopyCommands,
        hint: Some(Hint::own("copy")),
        description: "Copy the commands (OSC 52)",
    },
    DefaultBinding {
        action: Action::SwitchDialect,
        hint: Some(Hint::own("dialect")),
        description: "Graph ⇄ MSOnline commands",
    },
    DefaultBinding {
        action: Action::SaveNote,
        hint: Some(Hint::own("save")),
        description: "Save the note (empty removes it)",
    },
    DefaultBinding {
        action: Action::NoteBackspace,
        hint: None,
        description: "Delete the last character",
    },
    DefaultBinding {
        action: Action::CancelNote,
        hint: Some(Hint::own("cancel")),
        description: "Keep the saved note",
    },
    DefaultBinding {
        action: Action::ToggleHelp,
        hint: Some(Hint::own("help")),
        description: "Show or hide this help",
    },
    DefaultBinding {
        action: Action::Back,
        hint: Some(Hint::own("back")),
        description: "Go back; close help; clear filter",
    },
    DefaultBinding {
        action: Action::Quit,
        hint: Some(Hint::own("quit")),
        description: "Quit",
    },
    DefaultBinding {
        action: Action::RefreshSelected,
        hint: Some(Hint::own("refresh")),
        description: "Refresh the selected domain now",
    },
    DefaultBinding {
        action: Action::RefreshAll,
        hint: Some(Hint::own("all")),
        description: "Refresh every domain now",
    },
    DefaultBinding {
        action: Action::ToggleLog,
        hint: Some(Hint::own("log")),
        description: "Log pane: recent warnings, errors",
    },
    // Ctrl-C, which `[keys]` cannot take away.
    DefaultBinding {
        action: Action::Quit,
        hint: None,
        description: "Quit, from anywhere",
    },
];

/// The config name of a bindable action (`open_details`).
pub fn action_name(action: &Action) -> Option<&'static str> {
    DEFAULTS
        .iter()
        .zip(BINDINGS)
        .find(|(look, _)| &look.action == action)
        .map(|(_, row)| row.action)
}

/// One row of the keymap in force.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Binding {
    pub keys: Vec<Key>,
    pub action: Action,
    pub hint: Option<Hint>,
    pub description: &'static str,
    pub modes: &'static [Mode],
    /// Ctrl-C: `[keys]` cannot take it away.
    pub fixed: bool,
}

impl Binding {
    fn new(keys: &[KeySpec], look: &DefaultBinding, modes: &'static [Mode], fixed: bool) -> Self {
        Self {
            keys: keys.iter().copied().map(Key::from).collect(),
            action: look.action.clone(),
            hint: look.hint.clone(),
            description: look.description,
            modes,
            fixed,
        }
    }

    /// How help writes the keys: `j/↓`.
    pub fn label(&self, ascii: bool) -> String {
        self.keys
            .iter()
            .map(|k| k.label(ascii))
            .collect::<Vec<_>>()
            .join("/")
    }

    /// The action's config name (`open_details`), as help shows it.
    pub fn action_name(&self) -> &'static str {
        action_name(&self.action).unwrap_or("quit")
    }
}

/// The keymap in force: the defaults with the config's rebindings applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Keymap {
    bindings: Vec<Binding>,
}

impl Default for Keymap {
    fn default() -> Self {
        Self::from_bindings(&KeyBindings::default())
    }
}

static STANDARD: LazyLock<Keymap> = LazyLock::new(Keymap::default);

impl Keymap {
    /// The default keymap, shared.
    pub fn standard() -> &'static Keymap {
        &STANDARD
    }

    /// The keymap of a validated `[keys]`.
    pub fn from_bindings(bindings: &KeyBindings) -> Self {
        let bindings = BINDINGS
            .iter()
            .zip(DEFAULTS)
            .map(|(row, look)| Binding::new(bindings.keys_of(row), look, row.modes, row.fixed))
            .collect();
        Self { bindings }
    }

    /// The defaults with `rebindings` applied, refused as
    /// [`KeyBindings::from_rebindings`] refuses them.
    pub fn with_rebindings(rebindings: &[Rebinding]) -> Result<Self, RebindError> {
        KeyBindings::from_rebindings(rebindings).map(|bindings| Self::from_bindings(&bindings))
    }

    /// Every binding, in the order help shows them.
    pub fn bindings(&self) -> &[Binding] {
        &self.bindings
    }

    /// The bindings active in `mode`, in keymap order.
    pub fn bindings_for(&self, mode: Mode) -> impl Iterator<Item = &Binding> {
        self.bindings
            .iter()
            .filter(move |b| b.modes.contains(&mode))
    }

    /// The action a key press means in `mode`, if any. While typing a filter or a note, plain
    /// characters are text.
    pub fn action_for(&self, mode: Mode, key: &KeyEvent) -> Option<Action> {
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
        self.bindings_for(mode)
            .find(|b| b.keys.iter().any(|k| k.matches(key)))
            .map(|b| b.action.clone())
    }

    /// How the screen names the key for `action` in `mode`, for texts such as "Esc closes": its
    /// first key (every action has one; the action's name if not).
    pub fn key_label(&self, action: &Action, mode: Mode, ascii: bool) -> String {
        self.bindings_for(mode)
            .find(|b| &b.action == action && !b.fixed)
            .or_else(|| self.bindings_for(mode).find(|b| &b.action == action))
            .and_then(|b| b.keys.first())
            .map_or_else(
                || action_name(action).unwrap_or("?").to_owned(),
                |k| k.label(ascii),
            )
    }

    /// `(keys, word)` pairs for the hint bar of `mode`: `("j/k", "move")`.
    pub fn hints(&self, mode: Mode, ascii: bool) -> Vec<(String, &'static str)> {
        let first_key = |action: &Action| {
            self.bindings_for(mode)
                .find(|b| &b.action == action)
                .and_then(|b| b.keys.first())
                .map(|k| k.label(ascii))
        };
        self.bindings_for(mode)
            .filter_map(|b| {
                let hint = b.hint.as_ref()?;
                let own = b.keys.first()?.label(ascii);
                let keys = match hint.after.as_ref().and_then(first_key) {
                    Some(before) => format!("{before}/{own}"),
                    None => own,
                };
                Some((keys, hint.word))
            })
            .collect()
    }
}

/// The action a key press means in `mode` with the default keymap.
pub fn action_for(mode: Mode, key: &KeyEvent) -> Option<Action> {
    Keymap::standard().action_for(mode, key)
}

/// The default keymap's bindings active in `mode`.
pub fn bindings_for(mode: Mode) -> impl Iterator<Item = &'static Binding> {
    Keymap::standard().bindings_for(mode)
}

/// The default keymap's hint bar for `mode`.
pub fn hints(mode: Mode) -> Vec<(String, &'static str)> {
    Keymap::standard().hints(mode, false)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::config::keys::{KEY_NAMES, action_names};

    #[test]
    fn labels_read_back_as_the_defaults_wrote_them() {
        assert_eq!(Key::from(KeySpec::ctrl('c')).label(false), "Ctrl-C");
        assert_eq!(Key::from(KeySpec::plain(KeyName::Down)).label(false), "↓");
        assert_eq!(Key::from(KeySpec::plain(KeyName::Down)).label(true), "Down");
        assert_eq!(Key::from(KeySpec::char(' ')).label(false), "Space");
        assert_eq!(
            Key::from(KeySpec::plain(KeyName::PageUp)).label(false),
            "PgUp"
        );
        assert_eq!(
            Key::from(KeySpec::plain(KeyName::Delete)).label(false),
            "Del"
        );
    }

    #[test]
    fn every_config_key_has_a_terminal_key_and_back() {
        let named = KEY_NAMES.iter().map(|(_, name)| *name);
        for name in named.chain([KeyName::Char('x'), KeyName::F(12)]) {
            assert_eq!(key_name(key_code(name)), Some(name));
        }
    }

    fn snake_case(camel: &str) -> String {
        let mut out = String::new();
        for c in camel.chars() {
            if c.is_ascii_uppercase() && !out.is_empty() {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        }
        out
    }

    #[test]
    fn the_screen_rows_line_up_with_the_config_rows() {
        assert_eq!(DEFAULTS.len(), BINDINGS.len());
        // One config name per action and one action per config name.
        for (look, row) in DEFAULTS.iter().zip(BINDINGS) {
            for (other_look, other_row) in DEFAULTS.iter().zip(BINDINGS) {
                assert_eq!(
                    look.action == other_look.action,
                    row.action == other_row.action,
                    "{:?} is `{}` and {:?} is `{}`",
                    look.action,
                    row.action,
                    other_look.action,
                    other_row.action
                );
            }
        }
        // Each row's action is the one its config name says: `RefreshAll` is `refresh_all`,
        // but for the few whose config names are shorter.
        let renamed = [
            ("FilterBackspace", "filter_erase"),
            ("NoteBackspace", "note_erase"),
            ("RefreshSelected", "refresh"),
        ];
        for (look, row) in DEFAULTS.iter().zip(BINDINGS) {
            let debug = format!("{:?}", look.action);
            let expected = renamed
                .iter()
                .find(|(variant, _)| *variant == debug)
                .map_or_else(|| snake_case(&debug), |(_, name)| (*name).to_owned());
            assert_eq!(row.action, expected, "{debug}");
        }
        for name in action_names() {
            assert!(
                Keymap::default()
                    .bindings()
                    .iter()
                    .any(|b| b.action_name() == name),
                "{name}"
            );
        }
    }
}
