//! The TUI's whole state and the one function that changes it.
//!
//! `update` takes an [`Action`] and the current time and answers with [`Effect`]s; it does no
//! I/O and reads no clock, so tests drive it with plain values. The state is a [`Screen`] that
//! carries what only that screen keeps, overlays (help, the log pane, the prompts) and what the
//! views read, derived once per update: the list's order and an open checklist's steps. Page
//! sizes and scroll limits come from the last frame ([`App::laid_out`]), never from measuring.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::action::{Action, Effect};
use super::checklist_screen::{self, ChecklistScreen, Notice, ReturnTo};
use super::explain_screen::{Answer, ExplainPrompt, answer, one_line};
use super::keymap::{Keymap, Mode};
use super::log::LogRing;
use super::order::{Change, Grouping, ListOrder};
use super::theme::Theme;
use super::view;
use super::view::layout::LaidOut;
use crate::checklist::{self, Checklist, ChecklistInput, Dialect, Progress};
use crate::domain::DomainStatus;
pub use crate::fleet::Reassess;
use crate::fleet::{Applied, DomainId, Fleet};
use crate::poller::{PollCommand, PollEvent};

/// The most verdicts one tick re-assesses (a few µs each): when a whole fleet's countdown moves
/// in the same second, the rest follow in the next ticks instead of holding up keys and frames.
pub const REASSESS_PER_TICK: usize = 2_000;

/// The main view, carrying the state only it keeps: the details their scroll, the checklist its
/// domain, cursor, note and status line. Help and the log pane are overlays over any of them.
#[derive(Clone, Debug, PartialEq)]
pub enum Screen {
    List,
    /// The selected domain's details, scrolled down by `scroll` lines.
    Details {
        scroll: usize,
    },
    /// The renewal checklist of one domain.
    Checklist(Box<ChecklistScreen>),
}

impl Screen {
    pub fn kind(&self) -> ScreenKind {
        match self {
            Self::List => ScreenKind::List,
            Self::Details { .. } => ScreenKind::Details,
            Self::Checklist(_) => ScreenKind::Checklist,
        }
    }
}

/// Which screen is shown, its state aside.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScreenKind {
    List,
    Details,
    Checklist,
}

/// The `/` filter: the text and whether it is still being typed. It matches the domain name,
/// the identity provider's host, the tenant and the status word, case aside.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filter {
    pub text: String,
    pub editing: bool,
}

pub struct App {
    /// Changed only through [`App::domain_mut`] and [`update`], which keep `order` informed.
    fleet: Fleet,
    /// The list's order and the filter's matches, brought up to date by every update.
    order: ListOrder,
    screen: Screen,
    /// Help (`?`), over the screen, scrolled down by this many keys.
    help: Option<usize>,
    filter: Filter,
    /// The selected domain (stable while the list re-sorts).
    selected: Option<DomainId>,
    /// First visible row of the list.
    list_offset: usize,
    /// Terminal size (columns, rows).
    size: (u16, u16),
    /// What the last frame laid out: pages, scroll limits, where the regions were.
    laid: LaidOut,
    theme: Theme,
    /// Saved checklist progress by domain name, as last read or saved by the event loop.
    progress: HashMap<String, Progress>,
    /// The PowerShell the checklist's Entra steps use.
    dialect: Dialect,
    /// The keys in force: the defaults with the config's `[keys]`.
    keymap: Keymap,
    /// Recent warnings and errors, as the log layer sent them.
    log: LogRing,
    /// The log pane (`L`), over the body, scrolled up from the newest entry by this many.
    log_pane: Option<usize>,
    /// Where the full log goes, for the pane to name.
    log_file: Option<String>,
    /// The explain prompt (`e`) and its answer, which narrows the list.
    explain: Option<ExplainPrompt>,
    /// Until the operator's first key or click, the selection stays on the first row, the
    /// worst domain, as verdicts arrive and reorder the list.
    follow_top: bool,
    /// The domains belong to more than one tenant (the list then shows each one's).
    several_tenants: bool,
}

impl App {
    pub fn new(domains: Vec<DomainStatus>) -> Self {
        Self::with_fleet(Fleet::new(domains))
    }

    /// An app whose verdicts are recomputed by `reassess` (tests keep hand-made verdicts).
    pub fn with_reassess(domains: Vec<DomainStatus>, reassess: Reassess) -> Self {
        Self::with_fleet(Fleet::with_reassess(domains, reassess))
    }

    pub fn with_fleet(fleet: Fleet) -> Self {
        let mut tenants = fleet.statuses().iter().map(|d| d.config.tenant.as_deref());
        let first = tenants.next().flatten();
        let several_tenants = tenants.any(|t| t != first);
        let mut app = Self {
            order: ListOrder::new(fleet.statuses()),
            fleet,
            screen: Screen::List,
            help: None,
            filter: Filter::default(),
            selected: None,
            list_offset: 0,
            size: (view::layout::MIN_WIDTH, view::layout::MIN_HEIGHT),
            laid: LaidOut::default(),
            theme: Theme::new(true),
            progress: HashMap::new(),
            dialect: Dialect::default(),
            keymap: Keymap::default(),
            log: LogRing::new(),
            log_pane: None,
            log_file: None,
            explain: None,
            follow_top: true,
            several_tenants,
        };
        app.selected = app.visible().first().copied();
        app
    }

    pub fn theme(&self) -> Theme {
        self.theme
    }

    pub fn set_theme(&mut self, theme: Theme) {
        self.theme = theme;
    }

    /// The keys in force: the defaults with the config's `[keys]`.
    pub fn keymap(&self) -> &Keymap {
        &self.keymap
    }

    pub fn set_keymap(&mut self, keymap: Keymap) {
        self.keymap = keymap;
    }

    /// The screen shown, with its state.
    pub fn screen(&self) -> &Screen {
        &self.screen
    }

    pub fn screen_kind(&self) -> ScreenKind {
        self.screen.kind()
    }

    /// How far the details are scrolled down (0 when they are not shown).
    pub fn details_scroll(&self) -> usize {
        match self.screen {
            Screen::Details { scroll } => scroll,
            _ => 0,
        }
    }

    /// The open checklist.
    pub fn checklist(&self) -> Option<&ChecklistScreen> {
        match &self.screen {
            Screen::Checklist(screen) => Some(screen),
            _ => None,
        }
    }

    pub(super) fn checklist_mut(&mut self) -> Option<&mut ChecklistScreen> {
        match &mut self.screen {
            Screen::Checklist(screen) => Some(screen),
            _ => None,
        }
    }

    /// The checklist's status line: what the last key did, or what failed.
    pub fn notice(&self) -> Option<&Notice> {
        self.checklist().and_then(ChecklistScreen::notice)
    }

    /// Say `notice` on the open checklist's status line (nowhere when none is open).
    pub(super) fn notify(&mut self, notice: Notice) {
        if let Some(screen) = self.checklist_mut() {
            screen.set_notice(notice);
        }
    }

    /// Help is open.
    pub fn help_open(&self) -> bool {
        self.help.is_some()
    }

    /// How many keys help is scrolled down by.
    pub fn help_scroll(&self) -> usize {
        self.help.unwrap_or(0)
    }

    /// The log pane is open.
    pub fn log_open(&self) -> bool {
        self.log_pane.is_some()
    }

    /// How many entries the log pane is scrolled up from the newest.
    pub fn log_scroll(&self) -> usize {
        self.log_pane.unwrap_or(0)
    }

    /// Recent warnings and errors, as the log layer sent them.
    pub fn log(&self) -> &LogRing {
        &self.log
    }

    /// Where the full log goes, for the log pane to name.
    pub fn log_file(&self) -> Option<&str> {
        self.log_file.as_deref()
    }

    pub fn set_log_file(&mut self, path: Option<String>) {
        self.log_file = path;
    }

    pub fn filter(&self) -> &Filter {
        &self.filter
    }

    /// The explain prompt (`e`) and its answer.
    pub fn explain(&self) -> Option<&ExplainPrompt> {
        self.explain.as_ref()
    }

    /// First visible row of the list.
    pub fn list_offset(&self) -> usize {
        self.list_offset
    }

    /// The terminal's size (columns, rows), as last told.
    pub fn size(&self) -> (u16, u16) {
        self.size
    }

    /// The PowerShell the checklist's Entra steps use.
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    pub(super) fn switch_dialect(&mut self) {
        self.dialect = self.dialect.other();
    }

    /// A domain's saved checklist progress, as last read or saved.
    pub fn progress(&self, domain: &str) -> Option<&Progress> {
        self.progress.get(domain)
    }

    /// A domain's progress in memory, to change (an empty one when none was read).
    pub(super) fn progress_mut(&mut self, domain: &str) -> &mut Progress {
        self.progress
            .entry(domain.to_owned())
            .or_insert_with(|| Progress::new(domain.to_owned()))
    }

    /// The progress just read or saved for `domain` replaces the one in memory.
    pub(super) fn set_progress(&mut self, domain: String, progress: Progress) {
        self.progress.insert(domain, progress);
    }

    /// Whether the screen draws in ASCII only.
    pub fn ascii(&self) -> bool {
        self.theme.ascii
    }

    /// The runbook the operator would open for `status` now: the dialect and the progress the
    /// app holds.
    pub fn checklist_of(&self, status: &DomainStatus, now: DateTime<Utc>) -> Checklist {
        let entra = status.entra();
        let progress = self.progress.get(&status.config.name);
        let input = ChecklistInput::from_status(status, entra.as_ref(), progress, now);
        checklist::build(&input, self.dialect)
    }

    /// Where the keyboard goes now.
    pub fn mode(&self) -> Mode {
        if self.explain.as_ref().is_some_and(|e| e.editing) {
            Mode::Explain
        } else if self.filter.editing {
            Mode::Filter
        } else if self.help.is_some() {
            Mode::Help
        } else if self.log_pane.is_some() {
            Mode::Log
        } else {
            match &self.screen {
                Screen::List => Mode::List,
                Screen::Details { .. } => Mode::Details,
                Screen::Checklist(c) if c.note().is_some() => Mode::Note,
                Screen::Checklist(_) => Mode::Checklist,
            }
        }
    }

    /// The note being typed on the checklist, if any.
    pub fn note_input(&self) -> Option<&str> {
        self.checklist()
            .and_then(ChecklistScreen::note)
            .map(|n| n.text.as_str())
    }

    /// Every domain, in the config's order (a [`DomainId`] indexes it).
    pub fn domains(&self) -> &[DomainStatus] {
        self.fleet.statuses()
    }

    pub fn fleet(&self) -> &Fleet {
        &self.fleet
    }

    /// One domain, to change: the list's order looks at it again at the end of the next
    /// [`update`] (the event loop runs one before every frame), the next tick re-assesses it and
    /// makes the explain prompt's answer again.
    pub fn domain_mut(&mut self, id: DomainId) -> Option<&mut DomainStatus> {
        self.order.mark(id.index(), Change::Facts);
        self.answer_is_stale();
        self.fleet.get_mut(id)
    }

    /// The list's order, as the last update left it: what the views read.
    fn order(&self) -> &ListOrder {
        &self.order
    }

    /// The list's order brought up to date with the domains and the filter, for an update to
    /// act on.
    fn settled_order(&mut self) -> &ListOrder {
        self.order.settle(self.fleet.statuses(), &self.filter.text);
        &self.order
    }

    /// The domains the list shows, worst first: CRIT, WARN, UNKNOWN, OK, then the fewest days
    /// left, then by name.
    pub fn visible(&self) -> Vec<DomainId> {
        ids(self.order().visible())
    }

    /// How many domains the filter lets through.
    pub fn visible_count(&self) -> usize {
        self.order().visible().len()
    }

    /// The rows `start..start + len` of [`Self::visible`] (fewer at the end), and how many
    /// rows there are in all: what the list draws.
    pub fn visible_window(&self, start: usize, len: usize) -> (usize, Vec<DomainId>) {
        let order = self.order();
        let visible = order.visible();
        let start = start.min(visible.len());
        let end = start.saturating_add(len).min(visible.len());
        (visible.len(), ids(&visible[start..end]))
    }

    /// How many domains stand at CRIT, WARN, UNKNOWN and OK, the filter aside.
    pub fn severity_counts(&self) -> [usize; 4] {
        self.order().counts()
    }

    /// The domains belong to more than one tenant (or some to none).
    pub fn several_tenants(&self) -> bool {
        self.several_tenants
    }

    /// How the list's rows are grouped.
    pub fn grouping(&self) -> Grouping {
        self.order().grouping()
    }

    /// Group the list's rows the next way (by tenant, by IdP, then not at all), keeping the
    /// selection. By tenant only when the domains span several: one tenant makes one group.
    fn cycle_grouping(&mut self) {
        let order = &mut self.order;
        let mut next = order.grouping().next();
        if next == Grouping::Tenant && !self.several_tenants {
            next = next.next();
        }
        order.set_grouping(next, self.fleet.statuses());
        self.list_offset = 0;
        self.settle_selection();
    }

    /// The tenants whose domains cannot read Entra until someone signs in, each once, in the
    /// order of the config.
    pub fn sign_ins_needed(&self) -> Vec<&crate::source::graph::SignInNeeded> {
        let mut needed: Vec<&crate::source::graph::SignInNeeded> = Vec::new();
        for status in self.fleet.statuses() {
            if let Some(sign_in) = status.sign_in_needed()
                && !needed.iter().any(|n| n.tenant == sign_in.tenant)
            {
                needed.push(sign_in);
            }
        }
        needed
    }

    pub fn selected(&self) -> Option<DomainId> {
        self.selected
    }

    pub fn selected_status(&self) -> Option<&DomainStatus> {
        self.selected.and_then(|id| self.fleet.get(id))
    }

    fn select(&mut self, id: DomainId) {
        self.selected = Some(id);
        self.fleet.mark_seen(id);
    }

    /// Keep the selection on a visible row (the list's draw keeps that row in sight).
    fn settle_selection(&mut self) {
        let selected = self.selected;
        let (position, first) = {
            let order = self.settled_order();
            let position = selected.and_then(|s| order.position(s.index()));
            (
                position,
                order.visible().first().copied().map(DomainId::from_index),
            )
        };
        match (position, first) {
            (Some(position), Some(first)) if self.follow_top && position > 0 => self.select(first),
            (Some(_), _) => {}
            (None, Some(first)) => self.select(first),
            (None, None) => self.selected = None,
        }
    }

    /// The first row of a list window `rows` high: the last one drawn, moved as little as keeps
    /// the selection in sight and the window full.
    pub fn list_window(&self, rows: usize) -> usize {
        let rows = rows.max(1);
        let order = self.order();
        let position = self
            .selected
            .and_then(|s| order.position(s.index()))
            .unwrap_or(0);
        let mut first = self.list_offset;
        if position < first {
            first = position;
        } else if position >= first + rows {
            first = position + 1 - rows;
        }
        first.min(order.visible().len().saturating_sub(rows))
    }

    /// What the last frame laid out, from the event loop: the next keys page and scroll by it,
    /// and the app keeps the first row and scrolls that frame showed (a draw keeps them inside
    /// what there is to show).
    pub fn laid_out(&mut self, laid: LaidOut) {
        if let Some(list) = laid.list {
            self.list_offset = list.scroll;
        }
        match &mut self.screen {
            Screen::Details { scroll } => {
                if let Some(details) = laid.details {
                    *scroll = details.scroll;
                }
            }
            Screen::Checklist(checklist) => {
                if let Some(step) = laid.step {
                    checklist.set_scroll(step.scroll);
                }
            }
            Screen::List => {}
        }
        if let (Some(scroll), Some(help)) = (&mut self.help, laid.help) {
            *scroll = help.scroll;
        }
        if let (Some(scroll), Some(log)) = (&mut self.log_pane, laid.log) {
            *scroll = log.scroll;
        }
        self.laid = laid;
    }

    fn move_selection(&mut self, delta: isize) {
        let selected = self.selected;
        let target = {
            let order = self.settled_order();
            let visible = order.visible();
            let Some(last) = visible.len().checked_sub(1) else {
                return;
            };
            let current = selected
                .and_then(|s| order.position(s.index()))
                .unwrap_or(0);
            DomainId::from_index(visible[current.saturating_add_signed(delta).min(last)])
        };
        self.select(target);
        self.settle_selection();
    }

    /// Scroll the details by `delta` lines, within what the last frame showed of them.
    fn scroll_details(&mut self, delta: isize) {
        let max = self.laid.details.unwrap_or_default().max_scroll();
        if let Screen::Details { scroll } = &mut self.screen {
            *scroll = scroll.saturating_add_signed(delta).min(max);
        }
    }

    /// A page: what the last frame showed of the region the keys move.
    fn page(&self) -> isize {
        let laid = &self.laid;
        let extent = match self.screen.kind() {
            _ if self.help.is_some() => laid.help,
            _ if self.log_pane.is_some() => laid.log,
            ScreenKind::List => laid.list,
            ScreenKind::Details => laid.details,
            ScreenKind::Checklist => laid.step,
        };
        let rows = extent.map_or(0, |e| e.shown);
        isize::try_from(rows.max(1)).unwrap_or(isize::MAX)
    }

    /// Move the selection (list) or the view (details, the log pane, help).
    fn navigate(&mut self, delta: isize) {
        if self.help.is_some() {
            self.scroll_help(delta);
            return;
        }
        if self.log_pane.is_some() {
            self.scroll_log(delta);
            return;
        }
        match self.screen.kind() {
            ScreenKind::List => self.move_selection(delta),
            ScreenKind::Details => self.scroll_details(delta),
            ScreenKind::Checklist => checklist_screen::move_cursor(self, delta),
        }
    }

    /// `Esc`: close help, then the log pane, then the checklist or the details; on the list,
    /// clear an applied filter.
    fn back(&mut self) {
        if self.help.is_some() {
            self.help = None;
        } else if self.log_pane.is_some() {
            self.log_pane = None;
        } else if let Screen::Checklist(checklist) = &self.screen {
            self.screen = checklist.return_to().screen();
        } else if let Screen::Details { .. } = self.screen {
            self.screen = Screen::List;
        } else if self.answer().is_some() {
            self.set_explain(None);
        } else if !self.filter.text.is_empty() {
            self.filter = Filter::default();
            self.settle_selection();
        }
    }

    /// The answer of the explain prompt in force, which narrows the list.
    pub fn answer(&self) -> Option<&Answer> {
        self.explain.as_ref().and_then(|e| e.answer.as_ref())
    }

    /// Set the explain prompt, and the list's restriction to its answer's domains.
    fn set_explain(&mut self, explain: Option<ExplainPrompt>) {
        let domains = self.fleet.statuses().len();
        let mask = explain
            .as_ref()
            .and_then(|e| e.answer.as_ref())
            .map(|a| a.mask(domains));
        self.order.restrict(mask);
        self.explain = explain;
        self.settle_selection();
    }

    /// Explain the prompt's text: the answer shows over the list, narrowed to its domains, and
    /// the first of them is selected.
    fn apply_explain(&mut self, now: DateTime<Utc>) {
        let Some(mut prompt) = self.explain.take() else {
            return;
        };
        prompt.editing = false;
        prompt.stale = false;
        if prompt.text.trim().is_empty() {
            // Nothing typed: back to whatever was shown before.
            self.set_explain(prompt.answer.is_some().then_some(prompt));
            return;
        }
        prompt.answer = Some(answer(&prompt.text, self.fleet.statuses(), now));
        self.screen = Screen::List;
        self.list_offset = 0;
        self.set_explain(Some(prompt));
        // The worst of them, as the list orders them.
        if let Some(&first) = self.visible().first() {
            self.select(first);
            self.settle_selection();
        }
    }

    /// The one-line prompts — the filter and the explain prompt, which takes the filter's
    /// keys — and pasted text wherever typing goes.
    fn on_prompt(&mut self, action: Action, now: DateTime<Utc>) {
        let action = match (self.mode(), action) {
            (Mode::Explain, Action::ApplyFilter) => Action::ApplyExplain,
            (Mode::Explain, Action::FilterBackspace) => Action::ExplainBackspace,
            (Mode::Explain, Action::ClearFilter) => Action::CancelExplain,
            (_, action) => action,
        };
        match action {
            Action::StartFilter => {
                self.filter.editing = true;
                self.settle_selection();
            }
            Action::FilterChar(c) => {
                self.filter.text.push(c);
                self.settle_selection();
            }
            Action::FilterBackspace => {
                self.filter.text.pop();
                self.settle_selection();
            }
            Action::ApplyFilter => {
                self.filter.editing = false;
                let first = self.settled_order().visible().first().copied();
                if let Some(first) = first {
                    self.select(DomainId::from_index(first));
                }
                self.list_offset = 0;
            }
            Action::ClearFilter => {
                self.filter = Filter::default();
                self.settle_selection();
            }
            Action::StartExplain => {
                let answer = self.explain.take().and_then(|e| e.answer);
                self.explain = Some(ExplainPrompt {
                    text: String::new(),
                    editing: true,
                    answer,
                    stale: false,
                });
            }
            Action::ExplainChar(c) => {
                if let Some(prompt) = self.explain.as_mut() {
                    prompt.text.push(c);
                }
            }
            Action::ExplainBackspace => {
                if let Some(prompt) = self.explain.as_mut() {
                    prompt.text.pop();
                }
            }
            Action::ApplyExplain => self.apply_explain(now),
            Action::CancelExplain => {
                let answer = self.explain.take().and_then(|e| e.answer);
                self.explain = answer.map(|answer| ExplainPrompt {
                    text: String::new(),
                    editing: false,
                    answer: Some(answer),
                    stale: false,
                });
            }
            Action::Paste(text) => self.paste(&text),
            _ => {}
        }
    }

    /// Pasted text goes where typing goes: the explain prompt, the filter or a note.
    fn paste(&mut self, text: &str) {
        let line = one_line(text);
        match self.mode() {
            Mode::Explain => {
                if let Some(prompt) = self.explain.as_mut() {
                    prompt.text.push_str(&line);
                }
            }
            Mode::Filter => {
                self.filter.text.push_str(line.trim());
                self.settle_selection();
            }
            Mode::Note => {
                if let Some(note) = self.checklist_mut().and_then(ChecklistScreen::note_mut) {
                    note.text.push_str(&line);
                }
            }
            _ => {}
        }
    }

    /// `]` / `[`, `L`, the wheel and clicks.
    fn move_around(&mut self, action: &Action) {
        match *action {
            Action::NextDomain => self.step_domain(1),
            Action::PreviousDomain => self.step_domain(-1),
            Action::ToggleLog => {
                self.log_pane = match self.log_pane {
                    Some(_) => None,
                    None => Some(0),
                };
            }
            Action::Scroll { lines, column, row } => self.wheel(lines, column, row),
            Action::Click { column, row } => self.click(column, row),
            _ => {}
        }
    }

    /// Scroll help, within its rows.
    fn scroll_help(&mut self, delta: isize) {
        let max = self.laid.help.unwrap_or_default().max_scroll();
        if let Some(scroll) = &mut self.help {
            *scroll = scroll.saturating_add_signed(delta).min(max);
        }
    }

    /// Scroll the log pane: `delta` down means towards the newest entry.
    fn scroll_log(&mut self, delta: isize) {
        let max = self.laid.log.unwrap_or_default().max_scroll();
        if let Some(scroll) = &mut self.log_pane {
            *scroll = scroll
                .saturating_add_signed(delta.saturating_neg())
                .min(max);
        }
    }

    /// `]` / `[` in the details: the neighbour in the list's order, details from the top.
    fn step_domain(&mut self, delta: isize) {
        if let Screen::Details { .. } = self.screen {
            self.move_selection(delta);
            self.screen = Screen::Details { scroll: 0 };
        }
    }

    /// The wheel: over the list it moves the selection, over the details, the checklist's step
    /// or the log pane it scrolls them.
    fn wheel(&mut self, lines: isize, column: u16, row: u16) {
        if self.help.is_some() {
            self.scroll_help(lines);
            return;
        }
        if self.log_pane.is_some() {
            self.scroll_log(lines);
            return;
        }
        let regions = self.laid.regions;
        let over = |area: Option<ratatui::layout::Rect>| {
            area.is_some_and(|a| a.contains(ratatui::layout::Position::new(column, row)))
        };
        if over(regions.list) {
            self.move_selection(lines.signum());
        } else if over(regions.details) {
            self.scroll_details(lines);
        } else if over(regions.checklist) {
            self.scroll_step(lines);
        }
    }

    /// A click on a list row selects its domain; a click on the selected row opens it.
    fn click(&mut self, column: u16, row: u16) {
        if self.help.is_some() || self.log_pane.is_some() {
            return;
        }
        let Some(list) = self.laid.regions.list else {
            return;
        };
        let first_row = list.y + 1; // below the column header
        if !list.contains(ratatui::layout::Position::new(column, row)) || row < first_row {
            return;
        }
        let position = self.list_offset + usize::from(row - first_row);
        let Some(id) = self.settled_order().visible().get(position).copied() else {
            return;
        };
        let id = DomainId::from_index(id);
        if self.selected == Some(id) {
            self.screen = Screen::Details { scroll: 0 };
        } else {
            self.select(id);
            if let Screen::Details { scroll } = &mut self.screen {
                *scroll = 0;
            }
        }
        self.settle_selection();
    }

    /// Scroll the current step's details (checklist `PgUp`/`PgDn`).
    fn scroll_step(&mut self, delta: isize) {
        let max = self.laid.step.unwrap_or_default().max_scroll();
        checklist_screen::scroll(self, delta, max);
    }

    /// `PgUp`/`PgDn`: a page of the list, of the details, or of the current step.
    fn page_by(&mut self, pages: isize) {
        let delta = pages.saturating_mul(self.page());
        if self.screen.kind() == ScreenKind::Checklist && self.help.is_none() {
            self.scroll_step(delta);
        } else {
            self.navigate(delta);
        }
    }

    /// Open the selected domain's checklist and ask the loop for its saved progress: from the
    /// list, with the cursor on its first open step; from its details, on the step that carries
    /// out its top finding's advice.
    fn open_checklist(&mut self, now: DateTime<Utc>) -> Vec<Effect> {
        let Some(id) = self.selected else {
            return Vec::new();
        };
        self.select(id);
        let return_to = match self.screen {
            Screen::List | Screen::Checklist(_) => ReturnTo::List,
            Screen::Details { scroll } => ReturnTo::Details { scroll },
        };
        let status = &self.fleet[id];
        let list = self.checklist_of(status, now);
        let target = matches!(self.screen, Screen::Details { .. })
            .then(|| {
                status
                    .assessment
                    .findings
                    .iter()
                    .find_map(|f| list.step_of(f))
                    .map(|(id, _)| id)
            })
            .flatten();
        let mut screen = ChecklistScreen::new(id, list, return_to);
        if let Some(step) = target {
            screen.point_at(step);
        }
        self.screen = Screen::Checklist(Box::new(screen));
        vec![Effect::LoadProgress {
            domain: self.fleet[id].config.name.clone(),
        }]
    }

    /// At the end of every update on the checklist: build its steps again, once, from what the
    /// update left (a key, a tick, a refresh, a load), and keep the cursor on its step (the draw
    /// keeps the scroll inside the step).
    fn settle_checklist(&mut self, now: DateTime<Utc>) {
        if let Screen::Checklist(_) = self.screen {
            checklist_screen::rebuild(self, now);
        }
    }

    /// Re-assess the domains whose verdict may have changed by `now` (the fleet's rule), and
    /// let the list's order look at them again.
    fn reassess_due(&mut self, now: DateTime<Utc>) {
        let order = &mut self.order;
        let due = self.fleet.reassess_some_due(now, REASSESS_PER_TICK);
        for id in &due {
            order.mark(id.index(), Change::Verdict);
        }
        if !due.is_empty() {
            self.answer_is_stale();
        }
    }

    /// A verdict changed: the answer in force is made again at the next tick.
    fn answer_is_stale(&mut self) {
        if let Some(prompt) = self.explain.as_mut().filter(|e| e.answer.is_some()) {
            prompt.stale = true;
        }
    }

    /// Make a stale answer again from the prompt's text, keeping the selection where it can.
    fn renew_answer(&mut self, now: DateTime<Utc>) {
        let Some(prompt) = self.explain.as_mut().filter(|e| e.stale) else {
            return;
        };
        prompt.stale = false;
        if let Some(asked) = prompt.answer.as_ref().map(|a| a.asked.clone()) {
            prompt.answer = Some(answer(&asked, self.fleet.statuses(), now));
            let explain = self.explain.take();
            self.set_explain(explain);
        }
    }

    fn on_poll(&mut self, event: PollEvent, now: DateTime<Utc>) {
        match self.fleet.apply(event, now) {
            Some(Applied::Refreshed {
                domain: id,
                regrouped,
            }) => {
                self.order.mark(id.index(), Change::Facts);
                // Its IdP group's other domains may have a new verdict too.
                for peer in regrouped {
                    self.order.mark(peer.index(), Change::Verdict);
                }
                self.answer_is_stale();
                // A change to the domain on screen needs no highlight.
                if self.screen != Screen::List && self.selected == Some(id) {
                    self.fleet.mark_seen(id);
                }
                self.settle_selection();
            }
            // A tenant's audit log, or a saved history, changes its domains' verdicts.
            Some(Applied::Tenant(ids) | Applied::Histories(ids)) => {
                let order = &mut self.order;
                for id in &ids {
                    order.mark(id.index(), Change::Verdict);
                }
                self.answer_is_stale();
                self.settle_selection();
            }
            Some(Applied::Fetching(_)) | None => {}
        }
    }

    /// Each tenant's latest posture (unwatched federated domains, audit log).
    pub fn tenants(&self) -> &[crate::tenant::TenantPosture] {
        self.fleet.tenants()
    }
}

/// The order's indices as domain ids.
fn ids(indices: &[usize]) -> Vec<DomainId> {
    indices.iter().copied().map(DomainId::from_index).collect()
}

/// Apply one action at `now`; the returned effects are for the event loop to carry out. An open
/// checklist's steps are built once, at the end, from the state the action left (opening one
/// builds them as it opens).
pub fn update(app: &mut App, action: Action, now: DateTime<Utc>) -> Vec<Effect> {
    if action.chooses_a_domain() {
        app.follow_top = false;
    }
    let opens_checklist = match action {
        Action::OpenChecklist => true,
        // With an explained error, Enter on a domain opens its runbook.
        Action::OpenDetails => app.answer().is_some() && app.screen == Screen::List,
        _ => false,
    };
    if opens_checklist {
        return app.open_checklist(now);
    }
    let effects = apply(app, action, now);
    app.settle_checklist(now);
    // What the views read is what this update left.
    app.settled_order();
    effects
}

fn apply(app: &mut App, action: Action, now: DateTime<Utc>) -> Vec<Effect> {
    match action {
        Action::Up => app.navigate(-1),
        Action::Down => app.navigate(1),
        Action::PageUp => app.page_by(-1),
        Action::PageDown => app.page_by(1),
        Action::Top => app.navigate(isize::MIN),
        Action::Bottom => app.navigate(isize::MAX),
        Action::OpenDetails => {
            if let Some(id) = app.selected {
                app.select(id);
                app.screen = Screen::Details { scroll: 0 };
            }
        }
        Action::OpenChecklist => return app.open_checklist(now),
        action @ (Action::NextDomain
        | Action::PreviousDomain
        | Action::ToggleLog
        | Action::Scroll { .. }
        | Action::Click { .. }) => app.move_around(&action),
        Action::Back => app.back(),
        action @ (Action::ToggleDone
        | Action::ToggleSkipped
        | Action::ToggleFailed
        | Action::EditNote
        | Action::NoteChar(_)
        | Action::NoteBackspace
        | Action::SaveNote
        | Action::CancelNote
        | Action::CopyCommands
        | Action::WriteScript
        | Action::ScriptWritten { .. }
        | Action::SwitchDialect
        | Action::ProgressLoaded { .. }
        | Action::ProgressSaved { .. }) => return checklist_screen::update(app, action, now),
        Action::EffectFailed(message) => app.notify(Notice::error(message)),
        Action::RefreshSelected => {
            if let Some(id) = app.selected {
                return vec![Effect::Poll(PollCommand::Refresh(id))];
            }
        }
        Action::RefreshAll => return vec![Effect::Poll(PollCommand::RefreshAll)],
        Action::StartFilter
        | Action::FilterChar(_)
        | Action::FilterBackspace
        | Action::ApplyFilter
        | Action::ClearFilter
        | Action::StartExplain
        | Action::ExplainChar(_)
        | Action::ExplainBackspace
        | Action::ApplyExplain
        | Action::CancelExplain
        | Action::Paste(_) => app.on_prompt(action, now),
        Action::ToggleHelp => {
            app.help = match app.help {
                Some(_) => None,
                None => Some(0),
            };
        }
        Action::CycleGrouping => app.cycle_grouping(),
        Action::Quit => return vec![Effect::Quit],
        Action::Tick => {
            app.reassess_due(now);
            app.renew_answer(now);
            app.settle_selection();
        }
        Action::Resize { width, height } => {
            app.size = (width, height);
            app.settle_selection();
        }
        Action::Logged(entry) => {
            app.log.push(entry);
            // Scrolled back to read older entries: keep them where they are (the draw keeps the
            // scroll inside the entries there are).
            if let Some(scroll) = app.log_pane.as_mut().filter(|s| **s > 0) {
                *scroll += 1;
            }
        }
        Action::Poll(event) => {
            app.on_poll(event, now);
        }
    }
    Vec::new()
}
