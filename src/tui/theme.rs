//! Colours and emphasis. Every meaning is also carried by a word or a glyph, so with `NO_COLOR`
//! (or a monochrome terminal) nothing is lost: the theme then only uses bold and reverse.

use ratatui::style::{Color, Modifier, Style};

use crate::assess::{Severity, SyncState};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Theme {
    pub color: bool,
}

impl Theme {
    pub fn new(color: bool) -> Self {
        Self { color }
    }

    fn fg(self, color: Color) -> Style {
        if self.color {
            Style::new().fg(color)
        } else {
            Style::new()
        }
    }

    pub fn severity(self, severity: Severity) -> Style {
        match severity {
            Severity::Critical => self.fg(Color::Red).add_modifier(Modifier::BOLD),
            Severity::Warning => self.fg(Color::Yellow).add_modifier(Modifier::BOLD),
            Severity::Unknown => self.fg(Color::Magenta),
            Severity::Ok => self.fg(Color::Green),
        }
    }

    pub fn sync(self, sync: SyncState) -> Style {
        match sync {
            SyncState::InSync => self.fg(Color::Green),
            SyncState::Pending => self.fg(Color::Yellow),
            SyncState::Broken => self.fg(Color::Red).add_modifier(Modifier::BOLD),
            SyncState::Unknown => self.dim(),
        }
    }

    pub fn error(self) -> Style {
        self.fg(Color::Red)
    }

    pub fn stale(self) -> Style {
        self.fg(Color::Yellow)
    }

    /// A domain whose certificate set changed since the operator last looked at it.
    pub fn changed(self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }

    pub fn selected(self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED)
    }

    pub fn heading(self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }

    pub fn title(self) -> Style {
        Style::new().add_modifier(Modifier::BOLD)
    }

    pub fn dim(self) -> Style {
        if self.color {
            Style::new().fg(Color::DarkGray)
        } else {
            Style::new()
        }
    }

    pub fn key(self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }

    pub fn today(self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }

    pub fn milestone(self) -> Style {
        self.fg(Color::Yellow)
    }
}
