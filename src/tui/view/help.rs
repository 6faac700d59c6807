//! The `?` overlay: the keymap as a table (key, action, what it does, where it works), for the
//! screen help was opened over: the list and details, or the checklist (the other screen's keys
//! are in its own help). Where its rows do not fit (an 80x24 terminal), it scrolls with the
//! movement keys and says which rows it shows.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Cell, Clear, Row, Table};

use crate::tui::action::Action;
use crate::tui::app::Screen;
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
    pub fn for_screen(screen: Screen) -> Self {
        match screen {
            Screen::List | Screen::Details => Self::Browse,
            Screen::Checklist => Self::Checklist,
        }
    }

    pub fn modes(self) -> &'static [Mode] {
        match self {
            Self::Browse => &[Mode::List, Mode::Details, Mode::Filter, Mode::Explain],
            Self::Checklist => &[Mode::Checklist, Mode::Note],
        }
    }

    fn footer(self, keymap: &Keymap, ascii: bool) -> String {
        let back = keymap.key_label(&Action::Back, Mode::Help, ascii);
        let help = keymap.key_label(&Action::ToggleHelp, Mode::Help, ascii);
        let typing = match self {
            Self::Browse => "typed characters go into a prompt",
            Self::Checklist => "while writing a note, typed characters go into it",
        };
        format!(" {typing} · {back} or {help} closes ")
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

/// How help lays out over `area`: its box, whether the column heads fit, and how many rows of
/// keys it shows at once.
struct Layout {
    popup: Rect,
    headed: bool,
    visible: usize,
}

fn layout(area: Rect, rows: usize) -> Layout {
    // The column heads go first when the rows would not fit (an 80x24 terminal): every key
    // matters more than the names of the columns. Rows that still do not fit scroll.
    let headed = rows + 3 <= usize::from(area.height);
    let chrome = 2 + usize::from(headed);
    let height = u16::try_from(rows + chrome)
        .unwrap_or(u16::MAX)
        .min(area.height);
    let width = area.width.min(100);
    Layout {
        popup: Rect {
            x: area.x + (area.width - width) / 2,
            y: area.y + (area.height - height) / 2,
            width,
            height,
        },
        headed,
        visible: usize::from(height).saturating_sub(chrome),
    }
}

/// How many rows of keys help shows at once over `area`.
pub fn visible_rows(area: Rect, keymap: &Keymap, page: Page) -> usize {
    layout(area, page.bindings(keymap).count()).visible
}

/// How many rows of keys do not fit at once: how far help scrolls.
pub fn hidden_rows(area: Rect, keymap: &Keymap, page: Page) -> usize {
    let rows = page.bindings(keymap).count();
    rows.saturating_sub(layout(area, rows).visible)
}

/// Help over `area`, its rows from `scroll` on (kept inside the rows there are).
pub fn render(
    frame: &mut Frame,
    area: Rect,
    theme: Theme,
    keymap: &Keymap,
    page: Page,
    scroll: usize,
) {
    // The action column is the name `[keys]` rebinds it by (`open_details`).
    let rows: Vec<Row> = page
        .bindings(keymap)
        .map(|b| {
            Row::new([
                Cell::from(b.label(theme.ascii)).style(theme.key()),
                Cell::from(b.action_name()),
                Cell::from(b.description),
                Cell::from(modes_text(b, page)).style(theme.dim()),
            ])
        })
        .collect();
    let total = rows.len();
    let Layout {
        popup,
        headed,
        visible,
    } = layout(area, total);
    let first = scroll.min(total.saturating_sub(visible));
    let widths = [
        Constraint::Length(9),
        Constraint::Length(15),
        Constraint::Fill(1),
        Constraint::Length(17),
    ];
    let mut block = Block::bordered()
        .title(Line::styled(" keys ", theme.title()))
        .title_bottom(Line::styled(page.footer(keymap, theme.ascii), theme.dim()));
    if visible < total {
        // Where the window is, and that the movement keys scroll it.
        let down = keymap.key_label(&Action::Down, Mode::Help, theme.ascii);
        let up = keymap.key_label(&Action::Up, Mode::Help, theme.ascii);
        let position = format!(
            " {}–{} of {total} · {down}/{up} scroll ",
            first + 1,
            (first + visible).min(total)
        );
        block = block.title(Line::styled(position, theme.dim()).right_aligned());
    }
    let rows: Vec<Row> = rows.into_iter().skip(first).collect();
    let mut table = Table::new(rows, widths).column_spacing(1).block(block);
    if headed {
        table = table
            .header(Row::new(["KEY", "ACTION", "WHAT IT DOES", "WHERE"]).style(theme.heading()));
    }
    frame.render_widget(Clear, popup);
    frame.render_widget(table, popup);
}
