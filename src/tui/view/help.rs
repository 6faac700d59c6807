//! The `?` overlay: the keymap as a table (key, action, what it does, where it works).

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Cell, Clear, Row, Table};

use crate::tui::keymap::{BINDINGS, Binding, Mode};
use crate::tui::theme::Theme;

const ALL_MODES: [Mode; 4] = [Mode::List, Mode::Details, Mode::Help, Mode::Filter];

fn modes_text(binding: &Binding) -> String {
    if ALL_MODES.iter().all(|m| binding.modes.contains(m)) {
        return "everywhere".into();
    }
    binding
        .modes
        .iter()
        .map(|m| m.name())
        .collect::<Vec<_>>()
        .join("/")
}

/// The action's name as the code spells it (`OpenDetails`), so help and keymap stay one table.
fn action_name(binding: &Binding) -> String {
    format!("{:?}", binding.action)
}

pub fn render(frame: &mut Frame, area: Rect, theme: Theme) {
    let height = u16::try_from(BINDINGS.len() + 3)
        .unwrap_or(u16::MAX)
        .min(area.height);
    let width = area.width.min(100);
    let popup = Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    };
    let rows = BINDINGS.iter().map(|b| {
        Row::new([
            Cell::from(b.label).style(theme.key()),
            Cell::from(action_name(b)),
            Cell::from(b.description),
            Cell::from(modes_text(b)).style(theme.dim()),
        ])
    });
    let widths = [
        Constraint::Length(9),
        Constraint::Length(15),
        Constraint::Fill(1),
        Constraint::Length(17),
    ];
    let block = Block::bordered()
        .title(Line::styled(" keys ", theme.title()))
        .title_bottom(Line::styled(
            " while filtering, typed characters go into the filter · Esc or ? closes ",
            theme.dim(),
        ));
    let table = Table::new(rows, widths)
        .header(Row::new(["KEY", "ACTION", "WHAT IT DOES", "WHERE"]).style(theme.heading()))
        .column_spacing(1)
        .block(block);
    frame.render_widget(Clear, popup);
    frame.render_widget(table, popup);
}
