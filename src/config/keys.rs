//! `[keys]` as the engine sees it, with no terminal types: how keys are written, which actions
//! can be bound ([`Bindable`]), their default keys, views, help lines and hints ([`BINDINGS`],
//! the one table of keys: config names, defaults, help and hints all come from it), and the
//! rules a rebinding must follow. The TUI turns the validated [`KeyBindings`] into its keymap.

use std::collections::{BTreeMap, HashSet};

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
    /// Typing or pasting an error users see after `e`.
    Explain,
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
            Self::Explain => "explain",
        }
    }

    /// Every mode, in the order help names them.
    pub const ALL: [Mode; 8] = [
        Self::List,
        Self::Details,
        Self::Help,
        Self::Filter,
        Self::Checklist,
        Self::Note,
        Self::Log,
        Self::Explain,
    ];

    /// Modes where typed characters are text, not commands.
    pub fn takes_text(self) -> bool {
        matches!(self, Self::Filter | Self::Note | Self::Explain)
    }
}

/// A key, by what is written on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeyName {
    /// A character as typed: `R` is Shift+r.
    Char(char),
    Enter,
    Esc,
    Tab,
    Backspace,
    Up,
    Down,
    Left,
    Right,
    PageUp,
    PageDown,
    Home,
    End,
    Insert,
    Delete,
    /// `F1` to `F12`.
    F(u8),
}

impl KeyName {
    /// How help writes a named key (`PgDn`): the first of its names in [`KEY_NAMES`].
    pub fn label(self) -> Option<&'static str> {
        KEY_NAMES
            .iter()
            .find(|(_, key)| *key == self)
            .map(|(name, _)| *name)
    }
}

/// A key and whether it needs Ctrl. Shift is not part of it: a character says its case.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct KeySpec {
    pub code: KeyName,
    pub ctrl: bool,
}

impl KeySpec {
    pub const fn plain(code: KeyName) -> Self {
        Self { code, ctrl: false }
    }

    pub const fn char(c: char) -> Self {
        Self::plain(KeyName::Char(c))
    }

    pub const fn ctrl(c: char) -> Self {
        Self {
            code: KeyName::Char(c),
            ctrl: true,
        }
    }

    /// A plain character: typed text in the filter and note inputs.
    pub fn is_text(self) -> bool {
        !self.ctrl && matches!(self.code, KeyName::Char(_))
    }
}

/// Key names `[keys]` accepts besides single characters, `F1`–`F12` and `Ctrl-`; the first
/// name of a key is how help writes it.
pub const KEY_NAMES: &[(&str, KeyName)] = &[
    ("Enter", KeyName::Enter),
    ("Return", KeyName::Enter),
    ("Esc", KeyName::Esc),
    ("Escape", KeyName::Esc),
    ("Tab", KeyName::Tab),
    ("Backspace", KeyName::Backspace),
    ("Space", KeyName::Char(' ')),
    ("Up", KeyName::Up),
    ("Down", KeyName::Down),
    ("Left", KeyName::Left),
    ("Right", KeyName::Right),
    ("PgUp", KeyName::PageUp),
    ("PageUp", KeyName::PageUp),
    ("PgDn", KeyName::PageDown),
    ("PageDown", KeyName::PageDown),
    ("Home", KeyName::Home),
    ("End", KeyName::End),
    ("Ins", KeyName::Insert),
    ("Insert", KeyName::Insert),
    ("Del", KeyName::Delete),
    ("Delete", KeyName::Delete),
];

/// What `[keys]` accepts, for error messages.
pub const KEY_SYNTAX: &str = "a single character (\"x\", \"R\", \"?\"), Enter, Esc, Tab, Backspace, Space, Up, Down, Left, Right, PgUp, PgDn, Home, End, Ins, Del, F1 to F12, or Ctrl- with one of those (\"Ctrl-r\")";

/// Read a key as `[keys]` writes it: `x`, `Enter`, `PgDn`, `F5`, `Ctrl-r` (names and the
/// `Ctrl-` prefix in any case; a character keeps its case, `R` is Shift+r).
pub fn parse_key(text: &str) -> Result<KeySpec, String> {
    let mut chars = text.chars();
    if let (Some(c), None) = (chars.next(), chars.next()) {
        return Ok(KeySpec::char(c));
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
                KeyName::Char(c) => KeyName::Char(c.to_ascii_lowercase()),
                code => code,
            };
            return Ok(KeySpec { code, ctrl: true });
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
        return Ok(KeySpec::plain(KeyName::F(n)));
    }
    if let Some((_, code)) = KEY_NAMES
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(text))
    {
        return Ok(KeySpec::plain(*code));
    }
    let suggestion = KEY_NAMES
        .iter()
        .map(|(name, _)| {
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

/// Declares [`Bindable`] with each action's config name; [`Bindable::ALL`] lists them all.
macro_rules! bindable {
    ($($(#[$doc:meta])* $variant:ident => $name:literal,)*) => {
        /// An action `[keys]` can bind. Its config name is here; its default keys, the views it
        /// works in, its help line and its hint are in its rows of [`BINDINGS`] (a compile-time
        /// check refuses an action without a row); what it does in the TUI is the TUI's
        /// (an exhaustive match). So a new action cannot be half-added.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Bindable {
            $($(#[$doc])* $variant,)*
        }

        impl Bindable {
            /// Every action, in the order declared.
            pub const ALL: &[Bindable] = &[$(Self::$variant,)*];

            /// The name `[keys]` uses and help shows (`open_details`).
            pub fn name(self) -> &'static str {
                match self {
                    $(Self::$variant => $name,)*
                }
            }
        }
    };
}

bindable! {
    Down => "down",
    Up => "up",
    PageDown => "page_down",
    PageUp => "page_up",
    Top => "top",
    Bottom => "bottom",
    /// In the details: the previous domain of the list.
    PreviousDomain => "previous_domain",
    NextDomain => "next_domain",
    OpenDetails => "open_details",
    OpenChecklist => "open_checklist",
    StartFilter => "start_filter",
    ApplyFilter => "apply_filter",
    /// Backspace in the filter.
    FilterErase => "filter_erase",
    ClearFilter => "clear_filter",
    ToggleDone => "toggle_done",
    ToggleSkipped => "toggle_skipped",
    ToggleFailed => "toggle_failed",
    EditNote => "edit_note",
    CopyCommands => "copy_commands",
    /// Write the domain's runbook as a PowerShell script to a file in the data dir (for
    /// terminals OSC 52 does not reach).
    WriteScript => "write_script",
    SwitchDialect => "switch_dialect",
    SaveNote => "save_note",
    /// Backspace in a note.
    NoteErase => "note_erase",
    CancelNote => "cancel_note",
    ToggleHelp => "toggle_help",
    Back => "back",
    Quit => "quit",
    /// Refresh the selected domain.
    Refresh => "refresh",
    RefreshAll => "refresh_all",
    ToggleLog => "toggle_log",
    /// Explain an error users see (AADSTS50008, a pasted page): which domains show its causes.
    /// Its prompt takes the filter's keys: `apply_filter`, `filter_erase`, `clear_filter`.
    Explain => "explain",
    /// Group the list's rows (by tenant, by IdP), or stop grouping them.
    GroupBy => "group_by",
}

impl std::fmt::Display for Bindable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A binding's entry in the hint bar: its word, and the action whose first key comes before its
/// own, joined by `/` (`j/k move`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hint {
    pub after: Option<Bindable>,
    pub word: &'static str,
}

/// One row of the default keymap: an action, its keys, the views it works in, and what help and
/// the hint bar say about it there. An action may have a row per group of views.
#[derive(Debug)]
pub struct BindingSpec {
    pub action: Bindable,
    pub keys: &'static [KeySpec],
    pub modes: &'static [Mode],
    /// What it does, in at most 34 characters (the help table's column at 80 columns).
    pub description: &'static str,
    /// Its entry in the hint bar; `None` keeps it out of the bar.
    pub hint: Option<Hint>,
    /// Ctrl-C: `[keys]` cannot take it away.
    pub fixed: bool,
}

/// Moving: the list's selection, the details, the log pane and help scroll with the same keys.
const MOVE: &[Mode] = &[Mode::List, Mode::Details, Mode::Log, Mode::Help];
const BROWSE: &[Mode] = &[Mode::List, Mode::Details];
const VIEWS: &[Mode] = &[Mode::List, Mode::Details, Mode::Checklist];
const CHECKLIST: &[Mode] = &[Mode::Checklist];
/// The one-line prompts: the filter and the explain prompt take the same keys.
const PROMPTS: &[Mode] = &[Mode::Filter, Mode::Explain];
const EVERYWHERE: &[Mode] = &Mode::ALL;

/// A row with no hint.
const fn row(
    action: Bindable,
    keys: &'static [KeySpec],
    modes: &'static [Mode],
    description: &'static str,
) -> BindingSpec {
    BindingSpec {
        action,
        keys,
        modes,
        description,
        hint: None,
        fixed: false,
    }
}

/// A row whose hint is its own word.
const fn hinted(
    action: Bindable,
    keys: &'static [KeySpec],
    modes: &'static [Mode],
    description: &'static str,
    word: &'static str,
) -> BindingSpec {
    BindingSpec {
        hint: Some(Hint { after: None, word }),
        ..row(action, keys, modes, description)
    }
}

/// A row whose hint follows `after`'s key (`j/k move`).
const fn paired(
    action: Bindable,
    keys: &'static [KeySpec],
    modes: &'static [Mode],
    description: &'static str,
    after: Bindable,
    word: &'static str,
) -> BindingSpec {
    BindingSpec {
        hint: Some(Hint {
            after: Some(after),
            word,
        }),
        ..row(action, keys, modes, description)
    }
}

const DOWN: &[KeySpec] = &[KeySpec::char('j'), KeySpec::plain(KeyName::Down)];
const UP: &[KeySpec] = &[KeySpec::char('k'), KeySpec::plain(KeyName::Up)];
const PAGE_DOWN: &[KeySpec] = &[KeySpec::plain(KeyName::PageDown)];
const PAGE_UP: &[KeySpec] = &[KeySpec::plain(KeyName::PageUp)];
const TOP: &[KeySpec] = &[KeySpec::char('g'), KeySpec::plain(KeyName::Home)];
const BOTTOM: &[KeySpec] = &[KeySpec::char('G'), KeySpec::plain(KeyName::End)];
const ENTER: &[KeySpec] = &[KeySpec::plain(KeyName::Enter)];
const ESC: &[KeySpec] = &[KeySpec::plain(KeyName::Esc)];
const BACKSPACE: &[KeySpec] = &[KeySpec::plain(KeyName::Backspace)];

/// Every binding, in the order help shows them and the hint bar offers them (the most needed
/// first): the one table of keys.
#[rustfmt::skip]
pub const BINDINGS: &[BindingSpec] = {
    use Bindable as B;
    &[
        row(B::Down, DOWN, MOVE, "Next domain / scroll down"),
        paired(B::Up, UP, MOVE, "Previous domain / scroll up", B::Down, "move"),
        row(B::PageDown, PAGE_DOWN, MOVE, "One page down"),
        row(B::PageUp, PAGE_UP, MOVE, "One page up"),
        row(B::Top, TOP, MOVE, "First domain / top of details"),
        row(B::Bottom, BOTTOM, MOVE, "Last domain / end of details"),
        row(B::PreviousDomain, &[KeySpec::char('[')], &[Mode::Details], "Previous domain, in the details"),
        paired(B::NextDomain, &[KeySpec::char(']')], &[Mode::Details], "Next domain, in the details", B::PreviousDomain, "domain"),
        hinted(B::OpenDetails, ENTER, &[Mode::List], "Timeline and facts of the domain", "details"),
        hinted(B::OpenChecklist, &[KeySpec::char('c')], BROWSE, "Renewal checklist of the domain", "checklist"),
        hinted(B::StartFilter, &[KeySpec::char('/')], &[Mode::List], "Filter: name, IdP, tenant, status", "filter"),
        hinted(B::ApplyFilter, ENTER, PROMPTS, "Run the filter or the explanation", "apply"),
        row(B::FilterErase, BACKSPACE, PROMPTS, "Delete the last character"),
        hinted(B::ClearFilter, ESC, PROMPTS, "Clear the filter; close the prompt", "clear"),
        row(B::Down, DOWN, CHECKLIST, "Next step"),
        row(B::Up, UP, CHECKLIST, "Previous step"),
        row(B::Top, TOP, CHECKLIST, "First step"),
        row(B::Bottom, BOTTOM, CHECKLIST, "Last step"),
        row(B::PageDown, PAGE_DOWN, CHECKLIST, "Scroll the step down a page"),
        row(B::PageUp, PAGE_UP, CHECKLIST, "Scroll the step up a page"),
        hinted(B::ToggleDone, &[KeySpec::char(' ')], CHECKLIST, "Mark the step done (again: undo)", "done"),
        hinted(B::ToggleSkipped, &[KeySpec::char('s')], CHECKLIST, "Mark skipped (again: undo)", "skip"),
        hinted(B::ToggleFailed, &[KeySpec::char('f')], CHECKLIST, "Mark failed (again: undo)", "fail"),
        hinted(B::EditNote, &[KeySpec::char('n')], CHECKLIST, "Write a note on the step", "note"),
        hinted(B::CopyCommands, &[KeySpec::char('y')], CHECKLIST, "Copy the commands (OSC 52)", "copy"),
        row(B::WriteScript, &[KeySpec::char('w')], CHECKLIST, "Write the runbook script to a file"),
        hinted(B::SwitchDialect, &[KeySpec::char('d')], CHECKLIST, "Graph ⇄ MSOnline commands", "dialect"),
        hinted(B::SaveNote, ENTER, &[Mode::Note], "Save the note (empty removes it)", "save"),
        row(B::NoteErase, BACKSPACE, &[Mode::Note], "Delete the last character"),
        hinted(B::CancelNote, ESC, &[Mode::Note], "Keep the saved note", "cancel"),
        hinted(B::ToggleHelp, &[KeySpec::char('?')], &[Mode::List, Mode::Details, Mode::Checklist, Mode::Help], "Show or hide this help", "help"),
        hinted(B::Back, ESC, &[Mode::Details, Mode::Checklist, Mode::Help, Mode::List, Mode::Log], "Go back; close help; clear filter", "back"),
        hinted(B::Quit, &[KeySpec::char('q')], &[Mode::List, Mode::Details, Mode::Checklist, Mode::Help, Mode::Log], "Quit", "quit"),
        hinted(B::Refresh, &[KeySpec::char('r')], VIEWS, "Refresh the selected domain now", "refresh"),
        hinted(B::RefreshAll, &[KeySpec::char('R')], VIEWS, "Refresh every domain now", "all"),
        hinted(B::ToggleLog, &[KeySpec::char('L')], &[Mode::List, Mode::Details, Mode::Log], "Log pane: recent warnings, errors", "log"),
        hinted(B::Explain, &[KeySpec::char('e')], BROWSE, "Explain an error users see", "explain"),
        row(B::GroupBy, &[KeySpec::char('b')], &[Mode::List], "Group by tenant, by IdP, or not"),
        // Ctrl-C quits from anywhere, whatever `[keys]` says: the way out must not depend on a
        // config.
        BindingSpec {
            fixed: true,
            ..row(B::Quit, &[KeySpec::ctrl('c')], EVERYWHERE, "Quit, from anywhere")
        },
    ]
};

/// Every action has a row: default keys, views and words (checked when compiling).
const fn every_action_has_a_row() -> bool {
    let mut a = 0;
    while a < Bindable::ALL.len() {
        let mut r = 0;
        let mut found = false;
        while r < BINDINGS.len() {
            found |= BINDINGS[r].action as u8 == Bindable::ALL[a] as u8;
            r += 1;
        }
        if !found {
            return false;
        }
        a += 1;
    }
    true
}

const _: () = assert!(
    every_action_has_a_row(),
    "an action of `Bindable` has no row in `BINDINGS`: give it keys, views and a description"
);

/// The actions `[keys]` can rebind, in the order of [`BINDINGS`].
pub fn action_names() -> Vec<&'static str> {
    let mut names: Vec<&'static str> = Vec::new();
    for binding in BINDINGS {
        if !names.contains(&binding.action.name()) {
            names.push(binding.action.name());
        }
    }
    names
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
        other: Bindable,
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

/// The validated `[keys]`: the actions it rebinds and their new keys. Every other action keeps
/// its default keys ([`BINDINGS`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KeyBindings {
    rebound: BTreeMap<Bindable, Vec<KeySpec>>,
}

impl KeyBindings {
    /// Apply `rebindings` to the defaults: each entry replaces the keys of its action in every
    /// view it works in. Refused: unknown actions, unknown key names, plain characters for
    /// actions that work while typing, and two actions on one key in one view.
    pub fn from_rebindings(rebindings: &[Rebinding]) -> Result<Self, RebindError> {
        let mut bindings = Self::default();
        // Which entry set each row's keys, for blaming a clash on the config's line.
        let mut set_by: Vec<Option<usize>> = vec![None; BINDINGS.len()];
        for (entry, rebinding) in rebindings.iter().enumerate() {
            let action = lookup_action(entry, &rebinding.action)?;
            let keys = parse_keys(entry, rebinding)?;
            for (index, row) in BINDINGS.iter().enumerate() {
                if row.action != action || row.fixed {
                    continue;
                }
                if let Some(mode) = row.modes.iter().find(|m| m.takes_text())
                    && let Some(key) = rebinding
                        .keys
                        .iter()
                        .position(|text| parse_key(text).is_ok_and(KeySpec::is_text))
                {
                    return Err(RebindError::TextKey {
                        entry,
                        key,
                        action: rebinding.action.clone(),
                        written: rebinding.keys[key].clone(),
                        mode: mode.name(),
                    });
                }
                set_by[index] = Some(entry);
            }
            bindings.rebound.insert(action, keys);
        }
        bindings.check_clashes(rebindings, &set_by)?;
        Ok(bindings)
    }

    /// The keys `[keys]` gave `action`, when it rebinds it.
    pub fn rebound(&self, action: Bindable) -> Option<&[KeySpec]> {
        self.rebound.get(&action).map(Vec::as_slice)
    }

    /// The keys in force for a row of [`BINDINGS`]: its defaults unless `[keys]` rebinds its
    /// action (Ctrl-C stays).
    pub fn keys_of(&self, row: &BindingSpec) -> &[KeySpec] {
        match self.rebound(row.action) {
            Some(keys) if !row.fixed => keys,
            _ => row.keys,
        }
    }

    /// The action `key` runs in `mode`.
    pub fn action_in(&self, mode: Mode, key: KeySpec) -> Option<Bindable> {
        BINDINGS
            .iter()
            .find(|row| row.modes.contains(&mode) && self.keys_of(row).contains(&key))
            .map(|row| row.action)
    }

    /// Two different actions on one key in one mode: blame the later config entry.
    fn check_clashes(
        &self,
        rebindings: &[Rebinding],
        set_by: &[Option<usize>],
    ) -> Result<(), RebindError> {
        for mode in Mode::ALL {
            let active: Vec<usize> = (0..BINDINGS.len())
                .filter(|&i| BINDINGS[i].modes.contains(&mode))
                .collect();
            for (n, &a) in active.iter().enumerate() {
                for &b in &active[n + 1..] {
                    let (first, second) = (&BINDINGS[a], &BINDINGS[b]);
                    if first.action == second.action {
                        continue;
                    }
                    let first_keys = self.keys_of(first);
                    let Some(shared) = self.keys_of(second).iter().find(|k| first_keys.contains(k))
                    else {
                        continue;
                    };
                    // The row whose keys came from the later entry is the one to move.
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
                        other: other.action,
                        mode: mode.name(),
                    });
                }
            }
        }
        Ok(())
    }
}

fn lookup_action(entry: usize, name: &str) -> Result<Bindable, RebindError> {
    if let Some(found) = Bindable::ALL.iter().find(|b| b.name() == name) {
        return Ok(*found);
    }
    let names = action_names();
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

fn parse_keys(entry: usize, rebinding: &Rebinding) -> Result<Vec<KeySpec>, RebindError> {
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn key_names_parse_in_any_case() {
        assert_eq!(parse_key("x"), Ok(KeySpec::char('x')));
        assert_eq!(parse_key("R"), Ok(KeySpec::char('R')));
        assert_eq!(parse_key("enter"), Ok(KeySpec::plain(KeyName::Enter)));
        assert_eq!(parse_key("PgDn"), Ok(KeySpec::plain(KeyName::PageDown)));
        assert_eq!(parse_key("F5"), Ok(KeySpec::plain(KeyName::F(5))));
        assert_eq!(parse_key("Ctrl-R"), Ok(KeySpec::ctrl('r')));
        assert_eq!(parse_key("ctrl+x"), Ok(KeySpec::ctrl('x')));
        assert!(parse_key("F13").unwrap_err().contains("not a key name"));
        assert!(parse_key("PgDown").unwrap_err().contains("did you mean"));
        assert!(
            parse_key("Alt-x")
                .unwrap_err()
                .contains("Alt is not supported")
        );
    }

    #[test]
    fn the_defaults_do_not_clash() {
        for mode in Mode::ALL {
            let mut owner: std::collections::HashMap<KeySpec, Bindable> =
                std::collections::HashMap::new();
            for row in BINDINGS.iter().filter(|row| row.modes.contains(&mode)) {
                for key in row.keys {
                    let previous = owner.insert(*key, row.action);
                    assert!(
                        previous.is_none_or(|p| p == row.action),
                        "{key:?} does {previous:?} and {} in {mode:?}",
                        row.action
                    );
                }
            }
        }
    }

    #[test]
    fn a_rebinding_replaces_the_keys_in_every_view_but_not_ctrl_c() {
        let bindings = KeyBindings::from_rebindings(&[Rebinding {
            action: "quit".into(),
            keys: vec!["x".into(), "x".into()],
        }])
        .unwrap();
        assert_eq!(
            bindings.rebound(Bindable::Quit),
            Some(&[KeySpec::char('x')][..])
        );
        assert_eq!(
            bindings.action_in(Mode::Log, KeySpec::char('x')),
            Some(Bindable::Quit)
        );
        assert_eq!(bindings.action_in(Mode::List, KeySpec::char('q')), None);
        assert_eq!(
            bindings.action_in(Mode::Note, KeySpec::ctrl('c')),
            Some(Bindable::Quit)
        );
    }
}
