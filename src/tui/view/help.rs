//! The `?` overlay: the keymap as a table (key, action, what it does, where it works), for the
//! screen help was opened over: the list and details, or the checklist (the other screen's keys
//! are in its own help). Where its rows do not fit (an 80x24 terminal), it scrolls with the
//! movement keys and says which rows it shows.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Cell, Clear, Row, Table};

use super::layout::Extent;
use crate::tui::action::Action;
use crate::tui::app::ScreenKind;
use crate::tui::keymap::{Binding, Keymap, Mode};
use crate::tui::theme::Theme;

/// A page of help: the modes whose keys it lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Page {
    /// The list, the details and the filter.
    Browse,
    /// The checklist and its note input.
    Checklist,
}

impl Page {
    pub fn for_screen(screen: ScreenKind) -> Self {
        match screen {
            ScreenKind::List | ScreenKind::Details => Self::Browse,
            ScreenKind::Checklist => Self::Checklist,
        }
    }

    pub fn modes(self) -> &'static [Mode] {
        match self {
            Self::Browse => &[Mode::List, Mode::Details, Mode::Filter, Mode::Explain],
            Self::Checklist => &[Mode::Checklist, Mode::Note],
        }
    }

    fn footer(self, keymap: &Keymap, ascii: bool, scrolls: bool) -> String {
        let back = keymap.key_label(&Action::Back, Mode::Help, ascii);
        let help = keymap.key_label(&Action::ToggleHelp, Mode::Help, ascii);
        let scroll = if scrolls {
            let down = keymap.key_label(&Action::Down, Mode::Help, ascii);
            let up = keymap.key_label(&Action::Up, Mode::Help, ascii);
            format!(" · {down} {up} scroll")
        } else {
            String::new()
        };
        let typing = match self {
            Self::Browse => "typed characters go into a prompt",
            Self::Checklist => "while writing a note, typed characters go into it",
        };
        format!(" {typing} · {back} or {help} closes{scroll} ")
    }

    /// The bindings of `keymap` this page lists, in keymap order.
    pub fn bindings(self, keymap: &Keymap) -> impl Iterator<Item = &Binding> {
        keymap
            .bindings()
            .iter()
            .filter(move |b| b.modes.iter().any(|m| self.modes().contains(m)))
    }
}

fn modes_text(binding: &Binding, page: Page) -> String {
    if Mode::ALL.iter().all(|m| binding.modes.contains(m)) {
        return "everywhere".into();
    }
    binding
        .modes
        .iter()
        .filter(|m| **m == Mode::Help || page.modes().contains(m))
        .map(|m| m.name())
        .collect::<Vec<_>>()
        .join("/")
}

/// Where the help goes over `area` for `rows` keys, whether its column headings fit, and how
/// many keys show at once: the keys come first (without headings when they alone fill an
/// 80x24 terminal); the rest scroll.
fn placement(area: Rect, rows: usize) -> (Rect, bool, usize) {
    let headed = rows + 3 <= usize::from(area.height);
    let height = u16::try_from(rows + 2 + usize::from(headed))
        .unwrap_or(u16::MAX)
        .min(area.height);
    let width = area.width.min(100);
    let popup = Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    };
    let shown = usize::from(height).saturating_sub(2 + usize::from(headed));
    (popup, headed, shown)
}

/// Draw help over `area`, scrolled by `scroll` keys as far as it goes (until its last key is on
/// the last row); what it showed.
pub fn render(
    frame: &mut Frame,
    area: Rect,
    theme: Theme,
    keymap: &Keymap,
    (page, scroll): (Page, usize),
) -> Extent {
    let total = page.bindings(keymap).count();
    let (popup, headed, shown) = placement(area, total);
    let extent = Extent::clamped(total, shown, scroll);
    let scroll = extent.scroll;
    // The action column is the name `[keys]` rebinds it by (`open_details`).
    let rows: Vec<Row> = page
        .bindings(keymap)
        .skip(scroll)
        .take(shown)
        .map(|b| {
            Row::new([
                Cell::from(b.label(theme.ascii)).style(theme.key()),
                Cell::from(b.action_name()),
                Cell::from(b.description),
                Cell::from(modes_text(b, page)).style(theme.dim()),
            ])
        })
        .collect();
    let widths = [
        Constraint::Length(9),
        Constraint::Length(15),
        Constraint::Fill(1),
        Constraint::Length(17),
    ];
    let position = if shown < total {
        format!(" {}–{} of {} ", scroll + 1, scroll + shown, total)
    } else {
        String::new()
    };
    let block = Block::bordered()
        .title(Line::styled(" keys ", theme.title()))
        .title(Line::styled(position, theme.dim()).right_aligned())
        .title_bottom(Line::styled(
            page.footer(keymap, theme.ascii, shown < total),
            theme.dim(),
        ));
    let mut table = Table::new(rows, widths).column_spacing(1).block(block);
    if headed {
        table = table
            .header(Row::new(["KEY", "ACTION", "WHAT IT DOES", "WHERE"]).style(theme.heading()));
    }
    frame.render_widget(Clear, popup);
    frame.render_widget(table, popup);
    extent
}
