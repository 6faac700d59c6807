//! The keymap: a value built from the one table of keys ([`BINDINGS`]: actions, default keys,
//! views, help lines, hints) and the config's [`KeyBindings`]. The table and the rules for
//! rebinding live in [`crate::config::keys`] (the engine validates `[keys]` without terminal
//! types); this module says what each [`Bindable`] action does ([`Action`]) and turns the keys
//! into crossterm's. Key handling,
//! the `?` help and the hint bar all read the one [`Keymap`] the app holds, so they cannot
//! drift apart, and a rebound key shows up in help and hints at once.

use std::sync::LazyLock;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::action::Action;
use crate::config::keys::{BINDINGS, BindingSpec, KeyBindings, KeyName, KeySpec};
pub use crate::config::keys::{Bindable, Hint, KEY_SYNTAX, Mode, RebindError, Rebinding};

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

/// What a bindable action does in the TUI (every one does something: the match is exhaustive).
impl From<Bindable> for Action {
    fn from(action: Bindable) -> Self {
        match action {
            Bindable::Down => Self::Down,
            Bindable::Up => Self::Up,
            Bindable::PageDown => Self::PageDown,
            Bindable::PageUp => Self::PageUp,
            Bindable::Top => Self::Top,
            Bindable::Bottom => Self::Bottom,
            Bindable::PreviousDomain => Self::PreviousDomain,
            Bindable::NextDomain => Self::NextDomain,
            Bindable::OpenDetails => Self::OpenDetails,
            Bindable::OpenChecklist => Self::OpenChecklist,
            Bindable::StartFilter => Self::StartFilter,
            Bindable::ApplyFilter => Self::ApplyFilter,
            Bindable::FilterErase => Self::FilterBackspace,
            Bindable::ClearFilter => Self::ClearFilter,
            Bindable::ToggleDone => Self::ToggleDone,
            Bindable::ToggleSkipped => Self::ToggleSkipped,
            Bindable::ToggleFailed => Self::ToggleFailed,
            Bindable::EditNote => Self::EditNote,
            Bindable::CopyCommands => Self::CopyCommands,
            Bindable::WriteScript => Self::WriteScript,
            Bindable::SwitchDialect => Self::SwitchDialect,
            Bindable::SaveNote => Self::SaveNote,
            Bindable::NoteErase => Self::NoteBackspace,
            Bindable::CancelNote => Self::CancelNote,
            Bindable::ToggleHelp => Self::ToggleHelp,
            Bindable::Back => Self::Back,
            Bindable::Quit => Self::Quit,
            Bindable::Refresh => Self::RefreshSelected,
            Bindable::RefreshAll => Self::RefreshAll,
            Bindable::ToggleLog => Self::ToggleLog,
            Bindable::Explain => Self::StartExplain,
            Bindable::GroupBy => Self::CycleGrouping,
        }
    }
}

/// The config name of a bindable action (`open_details`).
pub fn action_name(action: &Action) -> Option<&'static str> {
    Bindable::ALL
        .iter()
        .find(|b| Action::from(**b) == *action)
        .map(|b| b.name())
}

/// One row of the keymap in force.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Binding {
    pub keys: Vec<Key>,
    /// What `[keys]` calls it.
    pub bindable: Bindable,
    /// What it does.
    pub action: Action,
    pub hint: Option<Hint>,
    pub description: &'static str,
    pub modes: &'static [Mode],
    /// Ctrl-C: `[keys]` cannot take it away.
    pub fixed: bool,
}

impl Binding {
    fn new(keys: &[KeySpec], row: &BindingSpec) -> Self {
        Self {
            keys: keys.iter().copied().map(Key::from).collect(),
            bindable: row.action,
            action: row.action.into(),
            hint: row.hint,
            description: row.description,
            modes: row.modes,
            fixed: row.fixed,
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
        self.bindable.name()
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
            .map(|row| Binding::new(bindings.keys_of(row), row))
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
            return Some(match mode {
                Mode::Note => Action::NoteChar(c),
                Mode::Explain => Action::ExplainChar(c),
                _ => Action::FilterChar(c),
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
        self.hints_saying(mode, ascii, |_| None)
    }

    /// [`Keymap::hints`] with some words said otherwise where a view gives a key another
    /// meaning (Enter opens the runbook over an explained error).
    pub fn hints_saying(
        &self,
        mode: Mode,
        ascii: bool,
        reword: impl Fn(Bindable) -> Option<&'static str>,
    ) -> Vec<(String, &'static str)> {
        let first_key = |action: Bindable| {
            self.bindings_for(mode)
                .find(|b| b.bindable == action)
                .and_then(|b| b.keys.first())
                .map(|k| k.label(ascii))
        };
        self.bindings_for(mode)
            .filter_map(|b| {
                let hint = b.hint.as_ref()?;
                let own = b.keys.first()?.label(ascii);
                let keys = match hint.after.and_then(first_key) {
                    Some(before) => format!("{before}/{own}"),
                    None => own,
                };
                Some((keys, reword(b.bindable).unwrap_or(hint.word)))
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

    #[test]
    fn every_bindable_action_is_in_the_keymap_under_its_config_name() {
        let keymap = Keymap::default();
        for name in action_names() {
            assert!(
                keymap.bindings().iter().any(|b| b.action_name() == name),
                "{name}"
            );
        }
        // And its config name finds it again from what it does.
        for action in Bindable::ALL {
            assert_eq!(action_name(&Action::from(*action)), Some(action.name()));
        }
    }
}
