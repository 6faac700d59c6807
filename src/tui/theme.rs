//! Colours, emphasis and glyphs. Every meaning is also carried by a word or a glyph, so with
//! `NO_COLOR` (or a monochrome terminal) nothing is lost: the theme then only uses bold and
//! reverse. The colours come from a [`Palette`]: a preset (`default`, `high-contrast`) with the
//! config's `[theme]` colours on top. `ascii` swaps the glyphs for old terminals and serial
//! consoles (see [`super::view::ascii`]).

use ratatui::style::{Color, Modifier, Style};

use crate::assess::{Severity, SyncState};

/// The colour of each role the screen uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Palette {
    /// CRIT, broken sync, errors.
    pub critical: Color,
    /// WARN, pending sync, stale snapshots, milestones.
    pub warning: Color,
    pub unknown: Color,
    /// OK, in sync, done steps.
    pub ok: Color,
    /// Headings, keys, today's marker, changed domains.
    pub accent: Color,
    /// Secondary text: ages, labels, the clock.
    pub dim: Color,
    /// Bold on every status word and accent, not only on CRIT and WARN.
    pub bold: bool,
}

/// The palettes `[theme] preset` names.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Preset {
    #[default]
    Default,
    /// Bright colours, no dark grey, bold everywhere: for projectors, bright rooms and eyes
    /// that need it.
    HighContrast,
}

impl Preset {
    pub const NAMES: [(&'static str, Preset); 2] = [
        ("default", Preset::Default),
        ("high-contrast", Preset::HighContrast),
    ];

    pub fn palette(self) -> Palette {
        match self {
            Self::Default => Palette {
                critical: Color::Red,
                warning: Color::Yellow,
                unknown: Color::Magenta,
                ok: Color::Green,
                accent: Color::Cyan,
                dim: Color::DarkGray,
                bold: false,
            },
            Self::HighContrast => Palette {
                critical: Color::LightRed,
                warning: Color::LightYellow,
                unknown: Color::LightMagenta,
                ok: Color::LightGreen,
                accent: Color::LightCyan,
                dim: Color::Gray,
                bold: true,
            },
        }
    }
}

impl Default for Palette {
    fn default() -> Self {
        Preset::Default.palette()
    }
}

/// The colour names `[theme]` accepts, besides `#rrggbb`.
pub const COLOR_NAMES: &[(&str, Color)] = &[
    ("default", Color::Reset),
    ("black", Color::Black),
    ("red", Color::Red),
    ("green", Color::Green),
    ("yellow", Color::Yellow),
    ("blue", Color::Blue),
    ("magenta", Color::Magenta),
    ("cyan", Color::Cyan),
    ("gray", Color::Gray),
    ("grey", Color::Gray),
    ("dark-gray", Color::DarkGray),
    ("dark-grey", Color::DarkGray),
    ("light-red", Color::LightRed),
    ("light-green", Color::LightGreen),
    ("light-yellow", Color::LightYellow),
    ("light-blue", Color::LightBlue),
    ("light-magenta", Color::LightMagenta),
    ("light-cyan", Color::LightCyan),
    ("white", Color::White),
];

/// A colour as `[theme]` writes it: a name of [`COLOR_NAMES`] (any case, `_` for `-`) or
/// `#rrggbb`.
pub fn parse_color(text: &str) -> Result<Color, String> {
    let trimmed = text.trim();
    if let Some(hex) = trimmed.strip_prefix('#') {
        let channel = |i: usize| u8::from_str_radix(hex.get(i..i + 2).unwrap_or("x"), 16).ok();
        return match (hex.len(), channel(0), channel(2), channel(4)) {
            (6, Some(r), Some(g), Some(b)) => Ok(Color::Rgb(r, g, b)),
            _ => Err(format!(
                "{text:?} is not a #rrggbb colour (six hex digits, e.g. \"#ff5f00\")"
            )),
        };
    }
    let name = trimmed.to_ascii_lowercase().replace('_', "-");
    COLOR_NAMES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, color)| *color)
        .ok_or_else(|| {
            let names: Vec<&str> = COLOR_NAMES.iter().map(|(n, _)| *n).collect();
            format!(
                "{text:?} is not a colour; use #rrggbb or one of {}",
                names.join(", ")
            )
        })
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Theme {
    pub color: bool,
    /// ASCII glyphs only (`--ascii`, or a locale that is not UTF-8).
    pub ascii: bool,
    pub palette: Palette,
}

impl Theme {
    /// The default palette, colours on or off, Unicode glyphs.
    pub fn new(color: bool) -> Self {
        Self {
            color,
            ascii: false,
            palette: Palette::default(),
        }
    }

    #[must_use]
    pub fn with_palette(self, palette: Palette) -> Self {
        Self { palette, ..self }
    }

    #[must_use]
    pub fn with_ascii(self, ascii: bool) -> Self {
        Self { ascii, ..self }
    }

    fn fg(self, color: Color) -> Style {
        let style = if self.color {
            Style::new().fg(color)
        } else {
            Style::new()
        };
        if self.palette.bold {
            style.add_modifier(Modifier::BOLD)
        } else {
            style
        }
    }

    pub fn severity(self, severity: Severity) -> Style {
        let p = self.palette;
        match severity {
            Severity::Critical => self.fg(p.critical).add_modifier(Modifier::BOLD),
            Severity::Warning => self.fg(p.warning).add_modifier(Modifier::BOLD),
            Severity::Unknown => self.fg(p.unknown),
            Severity::Ok => self.fg(p.ok),
        }
    }

    pub fn sync(self, sync: SyncState) -> Style {
        let p = self.palette;
        match sync {
            SyncState::InSync => self.fg(p.ok),
            SyncState::Pending => self.fg(p.warning),
            SyncState::Broken => self.fg(p.critical).add_modifier(Modifier::BOLD),
            SyncState::Unknown => self.dim(),
        }
    }

    pub fn error(self) -> Style {
        self.fg(self.palette.critical)
    }

    pub fn stale(self) -> Style {
        self.fg(self.palette.warning)
    }

    /// A domain whose certificate set changed since the operator last looked at it.
    pub fn changed(self) -> Style {
        self.accent()
    }

    pub fn selected(self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED)
    }

    pub fn heading(self) -> Style {
        self.accent()
    }

    pub fn title(self) -> Style {
        Style::new().add_modifier(Modifier::BOLD)
    }

    pub fn dim(self) -> Style {
        if self.color {
            Style::new().fg(self.palette.dim)
        } else {
            Style::new()
        }
    }

    pub fn key(self) -> Style {
        self.accent()
    }

    pub fn today(self) -> Style {
        self.accent()
    }

    pub fn milestone(self) -> Style {
        self.fg(self.palette.warning)
    }

    fn accent(self) -> Style {
        self.fg(self.palette.accent).add_modifier(Modifier::BOLD)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn colours_by_name_or_hex() {
        assert_eq!(parse_color("Light_Red"), Ok(Color::LightRed));
        assert_eq!(parse_color("#ff5f00"), Ok(Color::Rgb(255, 95, 0)));
        assert!(
            parse_color("#ff5f0")
                .unwrap_err()
                .contains("six hex digits")
        );
        assert!(
            parse_color("mauve")
                .unwrap_err()
                .contains("one of default, black")
        );
    }

    #[test]
    fn without_colour_only_emphasis_is_left() {
        let theme = Theme::new(false).with_palette(Preset::HighContrast.palette());
        let style = theme.severity(Severity::Ok);
        assert_eq!(style.fg, None);
        assert!(style.add_modifier.contains(Modifier::BOLD));
    }
}
