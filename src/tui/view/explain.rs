//! The answer of the explain prompt, over the list it narrows: the error and how many watched
//! domains show one of its causes (the title), what it means for federation, why the selected
//! domain is listed, the likely causes and the error's official text — in that order, each kept
//! whole, as many as the room allows.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::format;
use crate::tui::action::Action;
use crate::tui::app::App;
use crate::tui::explain_screen::Answer;
use crate::tui::keymap::Mode;
use crate::tui::theme::Theme;
use crate::words;

/// The rows the whole answer wants at `width` columns, its title and frame included, with the
/// first domain's why.
pub fn height(answer: &Answer, width: u16) -> u16 {
    let why = answer.matches.first().map(|(_, why)| why.as_str());
    let lines: usize = paragraphs(answer, why, width, Theme::new(true))
        .iter()
        .map(Vec::len)
        .sum();
    u16::try_from(lines + 2).unwrap_or(u16::MAX)
}

pub fn render(frame: &mut Frame, area: Rect, app: &App, answer: &Answer) {
    let theme = app.theme();
    let open = app
        .keymap()
        .key_label(&Action::OpenDetails, Mode::List, theme.ascii);
    let back = app
        .keymap()
        .key_label(&Action::Back, Mode::List, theme.ascii);
    let keys = if answer.matches.is_empty() {
        format!(" {back} every domain ")
    } else {
        format!(" {open} runbook · {back} every domain ")
    };
    let block = Block::new()
        .borders(Borders::TOP | Borders::BOTTOM)
        .title(Line::styled(format!(" {} ", title(answer)), theme.title()))
        .title(Line::styled(keys, theme.key()).right_aligned());
    let inner = block.inner(area);
    let why = app.selected().and_then(|id| answer.why(id));
    // Whole paragraphs, in order, while they fit: half a cause helps nobody.
    let mut room = usize::from(inner.height);
    let mut lines = Vec::new();
    for paragraph in paragraphs(answer, why, inner.width, theme) {
        if paragraph.len() > room {
            break;
        }
        room -= paragraph.len();
        lines.extend(paragraph);
    }
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

/// `AADSTS50008 · 2 domains show a cause now`: of the watched ones.
fn title(answer: &Answer) -> String {
    let code = answer.code.as_deref().unwrap_or("the pasted error");
    let count = i64::try_from(answer.matches.len()).unwrap_or(i64::MAX);
    if count == 0 {
        return format!("{code} · no domain shows a cause now");
    }
    let verb = match (answer.official.is_some(), count == 1) {
        (true, true) => "shows a cause now",
        (true, false) => "show a cause now",
        (false, true) => "fails now",
        (false, false) => "fail now",
    };
    format!("{code} · {} {verb}", words::count(count, "domain"))
}

/// The answer as paragraphs of lines `width` wide, most needed first.
fn paragraphs(
    answer: &Answer,
    why: Option<&str>,
    width: u16,
    theme: Theme,
) -> Vec<Vec<Line<'static>>> {
    let width = usize::from(width);
    let para = |lead: &str, text: &str, lead_style: Style| {
        let indent = lead.chars().count();
        format::wrap(text, width.saturating_sub(indent).max(1))
            .into_iter()
            .enumerate()
            .map(|(i, piece)| {
                let head = if i == 0 {
                    Span::styled(lead.to_owned(), lead_style)
                } else {
                    Span::raw(" ".repeat(indent))
                };
                Line::from(vec![head, Span::raw(piece)])
            })
            .collect::<Vec<_>>()
    };
    let mut out = Vec::new();
    if let Some(meaning) = answer.meaning {
        out.push(para("means: ", meaning, theme.key()));
    } else {
        let what = match &answer.code {
            Some(code) => format!("fedcert knows nothing about {code}"),
            None => "fedcert found no error code in the text".to_owned(),
        };
        out.push(para(
            "",
            &format!("{what}: listed are the watched domains whose sign-ins fail now"),
            theme.dim(),
        ));
    }
    if let Some(why) = why {
        out.push(para("why: ", why, theme.key()));
    }
    for (n, cause) in answer.causes.iter().enumerate() {
        out.push(para(&format!("cause {}: ", n + 1), cause, theme.dim()));
    }
    if let Some(official) = answer.official {
        out.push(para("Entra: ", official, theme.dim()));
    }
    out
}
