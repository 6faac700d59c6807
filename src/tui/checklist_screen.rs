//! The checklist screen: the state it keeps (which domain, which step, the note being typed) and
//! what its keys do to the app. The runbook itself is never stored here: it is rebuilt from the
//! domain's live state and the saved progress every time it is needed, so verification follows
//! the evidence. Marks change the in-memory progress at once (the screen answers the keystroke)
//! and go to the event loop as a [`ProgressChange`] to be saved.

use chrono::{DateTime, Utc};

use super::action::{Action, Effect};
use super::app::{App, Screen};
use super::keymap::Mode;
use crate::cert::Sha1;
use crate::checklist::{self, Checklist, ChecklistInput, Mark, Progress, StepId};
use crate::fleet::DomainId;
use crate::store::StoreError;

/// The open checklist.
#[derive(Clone, Debug, PartialEq)]
pub struct ChecklistScreen {
    domain: DomainId,
    /// The runbook as last built, once per update, from the domain's live state and the
    /// progress in memory: what the keys act on and what is drawn.
    list: Checklist,
    /// The step under the cursor, by id, so it stays put when steps appear or vanish; `index`
    /// is where it was, for when that step is gone.
    cursor_id: Option<StepId>,
    index: usize,
    follow: Follow,
    /// First visible line of the current step's details.
    scroll: usize,
    /// The note being typed, while `n` is active.
    note: Option<NoteInput>,
    /// The status line: what the last key did, or what failed.
    notice: Option<Notice>,
    /// Where `Esc` goes back to.
    return_to: ReturnTo,
}

/// The screen the checklist was opened from, where `Esc` goes back to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReturnTo {
    List,
    /// The details, as they were scrolled.
    Details {
        scroll: usize,
    },
}

impl ReturnTo {
    pub fn screen(self) -> Screen {
        match self {
            Self::List => Screen::List,
            Self::Details { scroll } => Screen::Details { scroll },
        }
    }
}

/// Where the cursor goes when the steps are built again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Follow {
    /// Until the saved progress arrives (or the operator moves), the first open step.
    FirstOpen,
    /// The saved progress arrived: the first open step of the next build, where it then stays.
    PinFirstOpen,
    /// Where it was put.
    Stay,
}

impl ChecklistScreen {
    /// The checklist of `domain`, whose runbook is `list` now.
    pub fn new(domain: DomainId, list: Checklist, return_to: ReturnTo) -> Self {
        Self {
            domain,
            list,
            cursor_id: None,
            index: 0,
            follow: Follow::FirstOpen,
            scroll: 0,
            note: None,
            notice: None,
            return_to,
        }
    }

    /// The runbook as last built.
    pub fn list(&self) -> &Checklist {
        &self.list
    }

    /// The domain whose runbook this is.
    pub fn domain(&self) -> DomainId {
        self.domain
    }

    /// First visible line of the current step's details.
    pub fn scroll(&self) -> usize {
        self.scroll
    }

    /// The scroll a frame used (kept inside the step).
    pub(super) fn set_scroll(&mut self, scroll: usize) {
        self.scroll = scroll;
    }

    /// The note being typed, while `n` is active.
    pub fn note(&self) -> Option<&NoteInput> {
        self.note.as_ref()
    }

    pub(super) fn note_mut(&mut self) -> Option<&mut NoteInput> {
        self.note.as_mut()
    }

    /// The status line: what the last key did, or what failed.
    pub fn notice(&self) -> Option<&Notice> {
        self.notice.as_ref()
    }

    pub(super) fn set_notice(&mut self, notice: Notice) {
        self.notice = Some(notice);
    }

    /// Where `Esc` goes back to.
    pub fn return_to(&self) -> ReturnTo {
        self.return_to
    }

    /// The cursor's step index in [`Self::list`], `None` when it has no steps.
    pub fn current(&self) -> Option<usize> {
        self.cursor(&self.list)
    }

    /// The cursor's step index in `checklist`, `None` when it has no steps.
    pub fn cursor(&self, checklist: &Checklist) -> Option<usize> {
        let last = checklist.steps.len().checked_sub(1)?;
        if self.follow != Follow::Stay {
            return Some(checklist.first_open().unwrap_or(0));
        }
        let by_id = self
            .cursor_id
            .and_then(|id| checklist.steps.iter().position(|s| s.id == id));
        Some(by_id.unwrap_or(self.index.min(last)))
    }

    /// Put the cursor on the step at `index` of the list and keep it there.
    fn place(&mut self, index: usize) {
        self.follow = Follow::Stay;
        self.index = index;
        self.cursor_id = self.list.steps.get(index).map(|s| s.id);
    }

    /// Put the cursor on `step` and keep it there (a finding's step, opened from the details).
    pub fn point_at(&mut self, step: StepId) {
        self.cursor_id = Some(step);
        self.follow = Follow::Stay;
    }

    /// The steps were built again (a key, a tick, a refresh, a load): keep the cursor on its
    /// step, by id, or where it was when that step is gone.
    fn rebuilt(&mut self, list: Checklist) {
        self.list = list;
        match self.follow {
            Follow::FirstOpen => {}
            Follow::PinFirstOpen => self.place(self.list.first_open().unwrap_or(0)),
            Follow::Stay => {
                if let Some(index) = self.current() {
                    self.place(index);
                }
            }
        }
    }
}

/// A note being typed for one step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoteInput {
    pub step: StepId,
    pub text: String,
}

/// One change to a domain's saved progress, replayed by the event loop on the file under its
/// lock. It carries the outcome (the mark to set, the note to keep), not the keystroke, so that
/// replaying it on a file another fedcert changed meanwhile gives what the operator saw.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProgressChange {
    /// The run key: the primary certificate the checklist was built under.
    pub primary: Option<Sha1>,
    pub step: StepId,
    pub at: DateTime<Utc>,
    pub edit: Edit,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Edit {
    Mark(Mark),
    /// The note to keep; empty removes it.
    Note(String),
}

impl ProgressChange {
    pub fn apply(&self, progress: &mut Progress) {
        match &self.edit {
            Edit::Mark(mark) => progress.set_mark(self.primary, self.step, *mark, self.at),
            Edit::Note(text) => progress.set_note(self.primary, self.step, text, self.at),
        }
    }
}

/// A line for the status bar: what the last key did, or what went wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    pub text: String,
    /// Errors stay until something succeeds; other notices go with the next move.
    pub error: bool,
}

impl Notice {
    pub fn info(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            error: false,
        }
    }

    pub fn error(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            error: true,
        }
    }
}

/// The checklist's own actions.
pub fn update(app: &mut App, action: Action, now: DateTime<Utc>) -> Vec<Effect> {
    match action {
        Action::ToggleDone => return toggle(app, Mark::Done, now),
        Action::ToggleSkipped => return toggle(app, Mark::Skipped, now),
        Action::ToggleFailed => return toggle(app, Mark::Failed, now),
        Action::EditNote => edit_note(app),
        Action::NoteChar(c) => {
            if let Some(note) = note_mut(app) {
                note.text.push(c);
            }
        }
        Action::NoteBackspace => {
            if let Some(note) = note_mut(app) {
                note.text.pop();
            }
        }
        Action::SaveNote => return save_note(app, now),
        Action::CancelNote => {
            if let Some(screen) = app.checklist_mut() {
                screen.note = None;
            }
        }
        Action::CopyCommands => return copy_commands(app),
        Action::WriteScript => return write_script(app),
        Action::ScriptWritten { domain, result } => {
            app.notify(match result {
                Ok(path) => Notice::info(format!(
                    "wrote the runbook of {domain} as a script: {}",
                    path.display()
                )),
                Err(error) => Notice::error(format!(
                    "cannot write the runbook script of {domain}: {error}"
                )),
            });
        }
        Action::SwitchDialect => {
            app.switch_dialect();
            app.notify(Notice::info(format!(
                "commands now in {}",
                app.dialect().label()
            )));
        }
        Action::ProgressLoaded { domain, result } => loaded(app, domain, result),
        Action::ProgressSaved { domain, result } => saved(app, domain, result),
        _ => {}
    }
    Vec::new()
}

fn note_mut(app: &mut App) -> Option<&mut NoteInput> {
    app.checklist_mut().and_then(|s| s.note.as_mut())
}

/// The runbook of the open checklist's domain, built afresh from its live state and the
/// progress in memory.
pub fn build(app: &App, now: DateTime<Utc>) -> Option<Checklist> {
    let screen = app.checklist()?;
    let status = app.fleet().get(screen.domain)?;
    let entra = status.entra();
    let progress = app.progress(&status.config.name);
    let input = ChecklistInput::from_status(status, entra.as_ref(), progress, now);
    Some(checklist::build(&input, app.dialect()))
}

/// The open checklist's runbook, as last built, and the index of the step under the cursor.
fn current(app: &App) -> Option<(&Checklist, usize)> {
    let screen = app.checklist()?;
    Some((&screen.list, screen.current()?))
}

/// Move the cursor by `delta` steps (clamped to the first and last).
pub fn move_cursor(app: &mut App, delta: isize) {
    if let Some(screen) = app.checklist_mut()
        && let Some(index) = screen.current()
    {
        let last = screen.list.steps.len() - 1;
        let target = index.saturating_add_signed(delta).min(last);
        if target != index {
            screen.scroll = 0;
        }
        screen.place(target);
    }
    drop_info_notice(app);
}

/// Scroll the current step's details by `delta` lines within `max`.
pub fn scroll(app: &mut App, delta: isize, max: usize) {
    if let Some(screen) = app.checklist_mut() {
        screen.scroll = screen.scroll.saturating_add_signed(delta).min(max);
    }
}

/// Build the open checklist's runbook again, once, from the state the update left, and keep the
/// cursor on its step.
pub fn rebuild(app: &mut App, now: DateTime<Utc>) {
    let Some(list) = build(app, now) else {
        return;
    };
    if let Some(screen) = app.checklist_mut() {
        screen.rebuilt(list);
    }
}

fn drop_info_notice(app: &mut App) {
    if let Some(screen) = app.checklist_mut()
        && screen.notice.as_ref().is_some_and(|n| !n.error)
    {
        screen.notice = None;
    }
}

/// The domain name of the open checklist.
fn domain_name(app: &App) -> Option<String> {
    let screen = app.checklist()?;
    Some(app.fleet().get(screen.domain)?.config.name.clone())
}

/// Apply `edit` to the current step in memory and ask the loop to save it.
fn change(app: &mut App, step: StepId, edit: Edit, now: DateTime<Utc>) -> Vec<Effect> {
    let (Some(domain), Some((list, _))) = (domain_name(app), current(app)) else {
        return Vec::new();
    };
    let change = ProgressChange {
        primary: list.primary,
        step,
        at: now,
        edit,
    };
    change.apply(app.progress_mut(&domain));
    vec![Effect::SaveProgress { domain, change }]
}

/// `Space`, `s`, `f`: set the current step to `target`, or back to todo when it already is.
fn toggle(app: &mut App, target: Mark, now: DateTime<Utc>) -> Vec<Effect> {
    let Some((list, index)) = current(app) else {
        return Vec::new();
    };
    let step = &list.steps[index];
    let current_mark = step.record.as_ref().map_or(Mark::Todo, |r| r.mark);
    let mark = if current_mark == target {
        Mark::Todo
    } else {
        target
    };
    let verified = if step.verified.is_some() {
        " (fedcert verified it from live data; your mark counts if that evidence goes away)"
    } else {
        ""
    };
    let id = step.id;
    let notice = Notice::info(match mark {
        Mark::Todo => format!("step {} is open again{verified}", index + 1),
        _ => format!("step {} marked {}{verified}", index + 1, mark.as_str()),
    });
    app.notify(notice);
    if let Some(screen) = app.checklist_mut() {
        screen.place(index);
    }
    change(app, id, Edit::Mark(mark), now)
}

/// `n`: start typing a note for the current step, starting from the saved one.
fn edit_note(app: &mut App) {
    let Some(screen) = app.checklist_mut() else {
        return;
    };
    let Some(index) = screen.current() else {
        return;
    };
    let step = &screen.list.steps[index];
    let note = NoteInput {
        step: step.id,
        text: step.note().unwrap_or_default().to_owned(),
    };
    screen.place(index);
    screen.note = Some(note);
}

/// `Enter` while typing a note: keep it (empty removes it).
fn save_note(app: &mut App, now: DateTime<Utc>) -> Vec<Effect> {
    let Some(note) = app.checklist_mut().and_then(|s| s.note.take()) else {
        return Vec::new();
    };
    let text = note.text.trim().to_owned();
    app.notify(Notice::info(if text.is_empty() {
        "note removed"
    } else {
        "note saved"
    }));
    change(app, note.step, Edit::Note(text), now)
}

/// `y`: the current step's commands, one per line, exactly as shown, to the clipboard.
fn copy_commands(app: &mut App) -> Vec<Effect> {
    let Some((list, index)) = current(app) else {
        return Vec::new();
    };
    let commands = &list.steps[index].commands;
    let (lines, text) = (commands.len(), commands.join("\n"));
    if lines == 0 {
        app.notify(Notice::info("nothing to copy: this step has no commands"));
        return Vec::new();
    }
    let plural = if lines == 1 { "" } else { "s" };
    app.notify(Notice::info(format!(
        "copied {lines} line{plural} (OSC 52) · no OSC 52 here? select them below, or {} writes a script",
        app.keymap()
            .key_label(&Action::WriteScript, Mode::Checklist, app.theme().ascii)
    )));
    vec![Effect::Copy(text)]
}

/// `w`: the whole runbook as a PowerShell script (`checklist --format ps1`, in the dialect
/// shown) to a file in the data dir, for terminals the clipboard does not reach.
fn write_script(app: &App) -> Vec<Effect> {
    let (Some((list, _)), Some(domain)) = (current(app), domain_name(app)) else {
        return Vec::new();
    };
    vec![Effect::WriteScript {
        domain,
        script: checklist::format::script(list),
    }]
}

/// The loop read a domain's saved progress.
fn loaded(app: &mut App, domain: String, result: Result<Progress, StoreError>) {
    let for_open_checklist = domain_name(app).as_deref() == Some(domain.as_str());
    match result {
        Ok(progress) => app.set_progress(domain, progress),
        Err(message) => {
            app.notify(Notice::error(format!(
                "cannot read the saved progress: {message}"
            )));
        }
    }
    // The cursor starts on the first open step of the progress just read (at the rebuild that
    // ends this update), and stays put after.
    if for_open_checklist
        && let Some(screen) = app.checklist_mut()
        && screen.follow == Follow::FirstOpen
    {
        screen.follow = Follow::PinFirstOpen;
    }
}

/// The loop saved a change: the file's progress replaces the one in memory (it includes what
/// another fedcert may have saved meanwhile). A failure stays on screen until a save succeeds.
fn saved(app: &mut App, domain: String, result: Result<Progress, StoreError>) {
    match result {
        Ok(progress) => {
            app.set_progress(domain, progress);
            if let Some(screen) = app.checklist_mut()
                && screen.notice.as_ref().is_some_and(|n| n.error)
            {
                screen.notice = None;
            }
        }
        Err(message) => {
            app.notify(Notice::error(format!(
                "NOT SAVED: {message} (the mark shows here but is not on disk)"
            )));
        }
    }
}
