//! The keymap: a value built from the default table ([`DEFAULTS`]) and the `[keys]` of the
//! config. Key handling, the `?` help and the hint bar all read the one [`Keymap`] the app holds,
//! so they cannot drift apart, and a rebound key shows up in help and hints at once.

use std::collections::HashSet;
use std::sync::LazyLock;

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
    /// The log pane (`L`): recent warnings and errors.
    Log,
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
            Self::Log => "log",
        }
    }

    /// Every mode, in the order help names them.
    pub const ALL: [Mode; 7] = [
        Self::List,
        Self::Details,
        Self::Help,
        Self::Filter,
        Self::Checklist,
        Self::Note,
        Self::Log,
    ];

    /// Modes where typed characters are text, not commands.
    fn takes_text(self) -> bool {
        matches!(self, Self::Filter | Self::Note)
    }
}

/// A key and the modifiers it needs. Shift is ignored for characters (`G` arrives as
/// Shift+`G` on most terminals, as plain `G` on some).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
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

    /// A plain character: typed text in the filter and note inputs.
    fn is_text(self) -> bool {
        !self.ctrl && matches!(self.code, KeyCode::Char(_))
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
            code => KEY_NAMES
                .iter()
                .find(|(_, named)| *named == code)
                .map_or_else(|| format!("{code:?}"), |(name, _)| (*name).to_owned()),
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

/// Key names `[keys]` accepts besides single characters, `F1`–`F12` and `Ctrl-`; the first
/// name of a key is how help writes it.
const KEY_NAMES: &[(&str, KeyCode)] = &[
    ("Enter", KeyCode::Enter),
    ("Return", KeyCode::Enter),
    ("Esc", KeyCode::Esc),
    ("Escape", KeyCode::Esc),
    ("Tab", KeyCode::Tab),
    ("Backspace", KeyCode::Backspace),
    ("Space", KeyCode::Char(' ')),
    ("Up", KeyCode::Up),
    ("Down", KeyCode::Down),
    ("Left", KeyCode::Left),
    ("Right", KeyCode::Right),
    ("PgUp", KeyCode::PageUp),
    ("PageUp", KeyCode::PageUp),
    ("PgDn", KeyCode::PageDown),
    ("PageDown", KeyCode::PageDown),
    ("Home", KeyCode::Home),
    ("End", KeyCode::End),
    ("Ins", KeyCode::Insert),
    ("Insert", KeyCode::Insert),
    ("Del", KeyCode::Delete),
    ("Delete", KeyCode::Delete),
];

/// What `[keys]` accepts, for error messages.
pub const KEY_SYNTAX: &str = "a single character (\"x\", \"R\", \"?\"), Enter, Esc, Tab, Backspace, Space, Up, Down, Left, Right, PgUp, PgDn, Home, End, Ins, Del, F1 to F12, or Ctrl- with one of those (\"Ctrl-r\")";

/// Read a key as `[keys]` writes it: `x`, `Enter`, `PgDn`, `F5`, `Ctrl-r` (names and the
/// `Ctrl-` prefix in any case; a character keeps its case, `R` is Shift+r).
pub fn parse_key(text: &str) -> Result<Key, String> {
    let mut chars = text.chars();
    if let (Some(c), None) = (chars.next(), chars.next()) {
        return Ok(Key::char(c));
    }
    let lower = text.to_ascii_lowercase();
    for prefix in ["ctrl-", "ctrl+", "c-"] {
        if lower.starts_with(prefix) && text.len() > prefix.len() {
            let rest = parse_key(&text[prefix.len()..])?;
            if rest.ctrl {
                return Err(format!("{text:?} says Ctrl twice"));
            }
            // Terminals report Ctrl with a letter as the lowercase letter.
            let code = match rest.code {
                KeyCode::Char(c) => KeyCode::Char(c.to_ascii_lowercase()),
                code => code,
            };
            return Ok(Key { code, ctrl: true });
        }
    }
    if lower.starts_with("alt-") || lower.starts_with("alt+") || lower.starts_with("meta-") {
        return Err(format!(
            "{text:?}: Alt is not supported (terminals send Alt+key as Esc then the key); use Ctrl- or a plain key"
        ));
    }
    if let Some(n) = lower.strip_prefix('f').and_then(|n| n.parse::<u8>().ok())
        && (1..=12).contains(&n)
    {
        return Ok(Key::plain(KeyCode::F(n)));
    }
    if let Some((_, code)) = KEY_NAMES
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(text))
    {
        return Ok(Key::plain(*code));
    }
    let names: Vec<&str> = KEY_NAMES.iter().map(|(name, _)| *name).collect();
    let suggestion = names
        .iter()
        .map(|name| {
            (
                strsim::jaro_winkler(&lower, &name.to_ascii_lowercase()),
                name,
            )
        })
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map_or_else(String::new, |(_, name)| format!("did you mean {name}? "));
    Err(format!(
        "{text:?} is not a key name; {suggestion}a key is {KEY_SYNTAX}"
    ))
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

/// One row of the default keymap.
#[derive(Debug)]
pub struct DefaultBinding {
    pub keys: &'static [Key],
    pub action: Action,
    /// A word for the hint bar (`move`); `None` keeps it out of the bar.
    pub hint: Option<Hint>,
    /// What it does, in at most 34 characters (the help table's column at 80 columns).
    pub description: &'static str,
    pub modes: &'static [Mode],
}

const MOVE: &[Mode] = &[Mode::List, Mode::Details, Mode::Log];
const BROWSE: &[Mode] = &[Mode::List, Mode::Details];
const VIEWS: &[Mode] = &[Mode::List, Mode::Details, Mode::Checklist];
const CHECKLIST: &[Mode] = &[Mode::Checklist];
const EVERYWHERE: &[Mode] = &Mode::ALL;

/// Every binding, in the order help shows them.
pub const DEFAULTS: &[DefaultBinding] = &[
    DefaultBinding {
        keys: &[Key::char('j'), Key::plain(KeyCode::Down)],
        action: Action::Down,
        hint: None,
        description: "Next domain / scroll down",
        modes: MOVE,
    },
    DefaultBinding {
        keys: &[Key::char('k'), Key::plain(KeyCode::Up)],
        action: Action::Up,
        hint: Some(Hint::pair(Action::Down, "move")),
        description: "Previous domain / scroll up",
        modes: MOVE,
    },
    DefaultBinding {
        keys: &[Key::plain(KeyCode::PageDown)],
        action: Action::PageDown,
        hint: None,
        description: "One page down",
        modes: MOVE,
    },
    DefaultBinding {
        keys: &[Key::plain(KeyCode::PageUp)],
        action: Action::PageUp,
        hint: None,
        description: "One page up",
        modes: MOVE,
    },
    DefaultBinding {
        keys: &[Key::char('g'), Key::plain(KeyCode::Home)],
        action: Action::Top,
        hint: None,
        description: "First domain / top of details",
        modes: MOVE,
    },
    DefaultBinding {
        keys: &[Key::char('G'), Key::plain(KeyCode::End)],
        action: Action::Bottom,
        hint: None,
        description: "Last domain / end of details",
        modes: MOVE,
    },
    DefaultBinding {
        keys: &[Key::char('[')],
        action: Action::PreviousDomain,
        hint: None,
        description: "Previous domain, in the details",
        modes: &[Mode::Details],
    },
    DefaultBinding {
        keys: &[Key::char(']')],
        action: Action::NextDomain,
        hint: Some(Hint::pair(Action::PreviousDomain, "domain")),
        description: "Next domain, in the details",
        modes: &[Mode::Details],
    },
    DefaultBinding {
        keys: &[Key::plain(KeyCode::Enter)],
        action: Action::OpenDetails,
        hint: Some(Hint::own("details")),
        description: "Timeline and facts of the domain",
        modes: &[Mode::List],
    },
    DefaultBinding {
        keys: &[Key::char('c')],
        action: Action::OpenChecklist,
        hint: Some(Hint::own("checklist")),
        description: "Renewal checklist of the domain",
        modes: BROWSE,
    },
    DefaultBinding {
        keys: &[Key::char('/')],
        action: Action::StartFilter,
        hint: Some(Hint::own("filter")),
        description: "Filter: name, IdP host, status",
        modes: &[Mode::List],
    },
    DefaultBinding {
        keys: &[Key::plain(KeyCode::Enter)],
        action: Action::ApplyFilter,
        hint: Some(Hint::own("apply")),
        description: "Apply; select the first match",
        modes: &[Mode::Filter],
    },
    DefaultBinding {
        keys: &[Key::plain(KeyCode::Backspace)],
        action: Action::FilterBackspace,
        hint: None,
        description: "Delete the last character",
        modes: &[Mode::Filter],
    },
    DefaultBinding {
        keys: &[Key::plain(KeyCode::Esc)],
        action: Action::ClearFilter,
        hint: Some(Hint::own("clear")),
        description: "Clear the filter",
        modes: &[Mode::Filter],
    },
    DefaultBinding {
        keys: &[Key::char('j'), Key::plain(KeyCode::Down)],
        action: Action::Down,
        hint: None,
        description: "Next step",
        modes: CHECKLIST,
    },
    DefaultBinding {
        keys: &[Key::char('k'), Key::plain(KeyCode::Up)],
        action: Action::Up,
        hint: None,
        description: "Previous step",
        modes: CHECKLIST,
    },
    DefaultBinding {
        keys: &[Key::char('g'), Key::plain(KeyCode::Home)],
        action: Action::Top,
        hint: None,
        description: "First step",
        modes: CHECKLIST,
    },
    DefaultBinding {
        keys: &[Key::char('G'), Key::plain(KeyCode::End)],
        action: Action::Bottom,
        hint: None,
        description: "Last step",
        modes: CHECKLIST,
    },
    DefaultBinding {
        keys: &[Key::plain(KeyCode::PageDown)],
        action: Action::PageDown,
        hint: None,
        description: "Scroll the step down a page",
        modes: CHECKLIST,
    },
    DefaultBinding {
        keys: &[Key::plain(KeyCode::PageUp)],
        action: Action::PageUp,
        hint: None,
        description: "Scroll the step up a page",
        modes: CHECKLIST,
    },
    DefaultBinding {
        keys: &[Key::char(' ')],
        action: Action::ToggleDone,
        hint: Some(Hint::own("done")),
        description: "Mark the step done (again: undo)",
        modes: CHECKLIST,
    },
    DefaultBinding {
        keys: &[Key::char('s')],
        action: Action::ToggleSkipped,
        hint: Some(Hint::own("skip")),
        description: "Mark skipped (again: undo)",
        modes: CHECKLIST,
    },
    DefaultBinding {
        keys: &[Key::char('f')],
        action: Action::ToggleFailed,
        hint: Some(Hint::own("fail")),
        description: "Mark failed (again: undo)",
        modes: CHECKLIST,
    },
    DefaultBinding {
        keys: &[Key::char('n')],
        action: Action::EditNote,
        hint: Some(Hint::own("note")),
        description: "Write a note on the step",
        modes: CHECKLIST,
    },
    DefaultBinding {
        keys: &[Key::char('y')],
        action: Action::CopyCommands,
        hint: Some(Hint::own("copy")),
        description: "Copy the commands (OSC 52)",
        modes: CHECKLIST,
    },
    DefaultBinding {
        keys: &[Key::char('d')],
        action: Action::SwitchDialect,
        hint: Some(Hint::own("dialect")),
        description: "Graph ⇄ MSOnline commands",
        modes: CHECKLIST,
    },
    DefaultBinding {
        keys: &[Key::plain(KeyCode::Enter)],
        action: Action::SaveNote,
        hint: Some(Hint::own("save")),
        description: "Save the note (empty removes it)",
        modes: &[Mode::Note],
    },
    DefaultBinding {
        keys: &[Key::plain(KeyCode::Backspace)],
        action: Action::NoteBackspace,
        hint: None,
        description: "Delete the last character",
        modes: &[Mode::Note],
    },
    DefaultBinding {
        keys: &[Key::plain(KeyCode::Esc)],
        action: Action::CancelNote,
        hint: Some(Hint::own("cancel")),
        description: "Keep the saved note",
        modes: &[Mode::Note],
    },
    DefaultBinding {
        keys: &[Key::char('?')],
        action: Action::ToggleHelp,
        hint: Some(Hint::own("help")),
        description: "Show or hide this help",
        modes: &[Mode::List, Mode::Details, Mode::Checklist, Mode::Help],
    },
    DefaultBinding {
        keys: &[Key::plain(KeyCode::Esc)],
        action: Action::Back,
        hint: Some(Hint::own("back")),
        description: "Go back; close help; clear filter",
        modes: &[
            Mode::Details,
            Mode::Checklist,
            Mode::Help,
            Mode::List,
            Mode::Log,
        ],
    },
    DefaultBinding {
        keys: &[Key::char('q')],
        action: Action::Quit,
        hint: Some(Hint::own("quit")),
        description: "Quit",
        modes: &[
            Mode::List,
            Mode::Details,
            Mode::Checklist,
            Mode::Help,
            Mode::Log,
        ],
    },
    DefaultBinding {
        keys: &[Key::char('r')],
        action: Action::RefreshSelected,
        hint: Some(Hint::own("refresh")),
        description: "Refresh the selected domain now",
        modes: VIEWS,
    },
    DefaultBinding {
        keys: &[Key::char('R')],
        action: Action::RefreshAll,
        hint: Some(Hint::own("all")),
        description: "Refresh every domain now",
        modes: VIEWS,
    },
    DefaultBinding {
        keys: &[Key::char('L')],
        action: Action::ToggleLog,
        hint: Some(Hint::own("log")),
        description: "Log pane: recent warnings, errors",
        modes: &[Mode::List, Mode::Details, Mode::Log],
    },
];

/// Ctrl-C quits from anywhere, whatever `[keys]` says: the way out must not depend on a config.
const ALWAYS_QUIT: DefaultBinding = DefaultBinding {
    keys: &[Key::ctrl('c')],
    action: Action::Quit,
    hint: None,
    description: "Quit, from anywhere",
    modes: EVERYWHERE,
};

/// The actions `[keys]` can rebind, by the name the config uses (and help shows).
pub const ACTION_NAMES: &[(&str, Action)] = &[
    ("down", Action::Down),
    ("up", Action::Up),
    ("page_down", Action::PageDown),
    ("page_up", Action::PageUp),
    ("top", Action::Top),
    ("bottom", Action::Bottom),
    ("previous_domain", Action::PreviousDomain),
    ("next_domain", Action::NextDomain),
    ("open_details", Action::OpenDetails),
    ("open_checklist", Action::OpenChecklist),
    ("start_filter", Action::StartFilter),
    ("apply_filter", Action::ApplyFilter),
    ("filter_erase", Action::FilterBackspace),
    ("clear_filter", Action::ClearFilter),
    ("toggle_done", Action::ToggleDone),
    ("toggle_skipped", Action::ToggleSkipped),
    ("toggle_failed", Action::ToggleFailed),
    ("edit_note", Action::EditNote),
    ("copy_commands", Action::CopyCommands),
    ("switch_dialect", Action::SwitchDialect),
    ("save_note", Action::SaveNote),
    ("note_erase", Action::NoteBackspace),
    ("cancel_note", Action::CancelNote),
    ("toggle_help", Action::ToggleHelp),
    ("back", Action::Back),
    ("quit", Action::Quit),
    ("refresh", Action::RefreshSelected),
    ("refresh_all", Action::RefreshAll),
    ("toggle_log", Action::ToggleLog),
];

/// The config name of a bindable action (`open_details`).
pub fn action_name(action: &Action) -> Option<&'static str> {
    ACTION_NAMES
        .iter()
        .find(|(_, a)| a == action)
        .map(|(name, _)| *name)
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
    fn from_default(default: &DefaultBinding, fixed: bool) -> Self {
        Self {
            keys: default.keys.to_vec(),
            action: default.action.clone(),
            hint: default.hint.clone(),
            description: default.description,
            modes: default.modes,
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

/// One `action = keys` entry of `[keys]`, as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rebinding {
    pub action: String,
    pub keys: Vec<String>,
}

/// Why `[keys]` is refused; `entry` is the index of the offending [`Rebinding`] and `key` that
/// of its key, so the config can point at the line and column.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RebindError {
    #[error("unknown action `{name}`; {hint}")]
    UnknownAction {
        entry: usize,
        name: String,
        hint: String,
    },
    #[error("{action}: {why}")]
    BadKey {
        entry: usize,
        key: usize,
        action: String,
        why: String,
    },
    #[error("{action} needs at least one key, e.g. {action} = \"x\" or [\"x\", \"F5\"]")]
    NoKeys { entry: usize, action: String },
    #[error(
        "{action} = {written:?}: {action} works while typing ({mode}), where a plain character is typed text; bind it to a named key (Enter, Esc, F2, …) or a Ctrl- key"
    )]
    TextKey {
        entry: usize,
        key: usize,
        action: String,
        written: String,
        mode: &'static str,
    },
    #[error(
        "{action} = {written:?}: {written:?} already does {other} in the {mode} view (one key, one action per view); pick another key, or rebind {other} too"
    )]
    Clash {
        entry: usize,
        key: usize,
        action: String,
        written: String,
        other: &'static str,
        mode: &'static str,
    },
}

impl RebindError {
    /// Which entry (and, when known, which of its keys) the error is about.
    pub fn position(&self) -> (usize, Option<usize>) {
        match self {
            Self::UnknownAction { entry, .. } | Self::NoKeys { entry, .. } => (*entry, None),
            Self::BadKey { entry, key, .. }
            | Self::TextKey { entry, key, .. }
            | Self::Clash { entry, key, .. } => (*entry, Some(*key)),
        }
    }
}

/// The keymap in force: the defaults with the config's rebindings applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Keymap {
    bindings: Vec<Binding>,
}

impl Default for Keymap {
    fn default() -> Self {
        let mut bindings: Vec<Binding> = DEFAULTS
            .iter()
            .map(|d| Binding::from_default(d, false))
            .collect();
        bindings.push(Binding::from_default(&ALWAYS_QUIT, true));
        Self { bindings }
    }
}

static STANDARD: LazyLock<Keymap> = LazyLock::new(Keymap::default);

impl Keymap {
    /// The default keymap, shared.
    pub fn standard() -> &'static Keymap {
        &STANDARD
    }

    /// The defaults with `rebindings` applied: each entry replaces the keys of its action in
    /// every view it works in. Refused: unknown actions, unknown key names, plain characters
    /// for actions that work while typing, and two actions on one key in one view.
    pub fn with_rebindings(rebindings: &[Rebinding]) -> Result<Self, RebindError> {
        let mut keymap = Self::default();
        // Which entry set each binding's keys, for blaming a clash on the config's line.
        let mut set_by: Vec<Option<usize>> = vec![None; keymap.bindings.len()];
        for (entry, rebinding) in rebindings.iter().enumerate() {
            let action = lookup_action(entry, &rebinding.action)?;
            let keys = parse_keys(entry, rebinding)?;
            for (index, binding) in keymap.bindings.iter_mut().enumerate() {
                if binding.action != action || binding.fixed {
                    continue;
                }
                if let Some(mode) = binding.modes.iter().find(|m| m.takes_text())
                    && let Some(key) = rebinding
                        .keys
                        .iter()
                        .position(|text| parse_key(text).is_ok_and(Key::is_text))
                {
                    return Err(RebindError::TextKey {
                        entry,
                        key,
                        action: rebinding.action.clone(),
                        written: rebinding.keys[key].clone(),
                        mode: mode.name(),
                    });
                }
                binding.keys.clone_from(&keys);
                set_by[index] = Some(entry);
            }
        }
        keymap.check_clashes(rebindings, &set_by)?;
        Ok(keymap)
    }

    /// Two different actions on one key in one mode: blame the later config entry.
    fn check_clashes(
        &self,
        rebindings: &[Rebinding],
        set_by: &[Option<usize>],
    ) -> Result<(), RebindError> {
        for mode in Mode::ALL {
            let active: Vec<usize> = (0..self.bindings.len())
                .filter(|&i| self.bindings[i].modes.contains(&mode))
                .collect();
            for (n, &a) in active.iter().enumerate() {
                for &b in &active[n + 1..] {
                    let (first, second) = (&self.bindings[a], &self.bindings[b]);
                    if first.action == second.action {
                        continue;
                    }
                    let Some(shared) = second.keys.iter().find(|k| first.keys.contains(k)) else {
                        continue;
                    };
                    // The binding whose keys came from the later entry is the one to move.
                    let (blamed, other) = if set_by[b] >= set_by[a] {
                        (b, first)
                    } else {
                        (a, second)
                    };
                    let Some(entry) = set_by[blamed] else {
                        continue; // the defaults do not clash (a test says so)
                    };
                    let rebinding = &rebindings[entry];
                    // The index among the keys as written (duplicates were dropped when parsed).
                    let key = rebinding
                        .keys
                        .iter()
                        .position(|text| parse_key(text).as_ref() == Ok(shared))
                        .unwrap_or(0);
                    return Err(RebindError::Clash {
                        entry,
                        key,
                        action: rebinding.action.clone(),
                        written: rebinding.keys[key].clone(),
                        other: other.action_name(),
                        mode: mode.name(),
                    });
                }
            }
        }
        Ok(())
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

fn lookup_action(entry: usize, name: &str) -> Result<Action, RebindError> {
    if let Some((_, action)) = ACTION_NAMES.iter().find(|(n, _)| *n == name) {
        return Ok(action.clone());
    }
    let names: Vec<&str> = ACTION_NAMES.iter().map(|(n, _)| *n).collect();
    let best = names
        .iter()
        .map(|n| (strsim::jaro_winkler(name, n), n))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0));
    let hint = match best {
        Some((_, n)) => format!("did you mean `{n}`? (actions: {})", names.join(", ")),
        None => format!("actions: {}", names.join(", ")),
    };
    Err(RebindError::UnknownAction {
        entry,
        name: name.to_owned(),
        hint,
    })
}

fn parse_keys(entry: usize, rebinding: &Rebinding) -> Result<Vec<Key>, RebindError> {
    if rebinding.keys.is_empty() {
        return Err(RebindError::NoKeys {
            entry,
            action: rebinding.action.clone(),
        });
    }
    let mut keys = Vec::new();
    let mut seen = HashSet::new();
    for (index, text) in rebinding.keys.iter().enumerate() {
        let key = parse_key(text).map_err(|why| RebindError::BadKey {
            entry,
            key: index,
            action: rebinding.action.clone(),
            why,
        })?;
        if seen.insert(key) {
            keys.push(key);
        }
    }
    Ok(keys)
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

    #[test]
    fn key_names_parse_in_any_case() {
        assert_eq!(parse_key("x"), Ok(Key::char('x')));
        assert_eq!(parse_key("R"), Ok(Key::char('R')));
        assert_eq!(parse_key("enter"), Ok(Key::plain(KeyCode::Enter)));
        assert_eq!(parse_key("PgDn"), Ok(Key::plain(KeyCode::PageDown)));
        assert_eq!(parse_key("F5"), Ok(Key::plain(KeyCode::F(5))));
        assert_eq!(parse_key("Ctrl-R"), Ok(Key::ctrl('r')));
        assert_eq!(parse_key("ctrl+x"), Ok(Key::ctrl('x')));
        assert!(parse_key("F13").unwrap_err().contains("not a key name"));
        assert!(parse_key("PgDown").unwrap_err().contains("did you mean"));
        assert!(
            parse_key("Alt-x")
                .unwrap_err()
                .contains("Alt is not supported")
        );
    }

    #[test]
    fn labels_read_back_as_the_defaults_wrote_them() {
        assert_eq!(Key::ctrl('c').label(false), "Ctrl-C");
        assert_eq!(Key::plain(KeyCode::Down).label(false), "↓");
        assert_eq!(Key::plain(KeyCode::Down).label(true), "Down");
        assert_eq!(Key::char(' ').label(false), "Space");
        assert_eq!(Key::plain(KeyCode::PageUp).label(false), "PgUp");
    }

    #[test]
    fn every_default_binding_has_a_config_name() {
        for binding in Keymap::default().bindings() {
            assert!(action_name(&binding.action).is_some(), "{binding:?}");
        }
    }
}
