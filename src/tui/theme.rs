//! Colours, emphasis and glyphs. Every meaning is also carried by a word or a glyph, so with
//! `NO_COLOR` (or a monochrome terminal) nothing is lost: the theme then only uses bold and
//! reverse. The colours come from a [`Palette`]: a preset (`default`, `high-contrast`) with the
//! config's `[theme]` colours on top. `ascii` swaps the glyphs for old terminals and serial
//! consoles (see [`super::view::ascii`]).

use ratatui::style::{Color, Modifier, Style};

use crate::assess::{Severity, SyncState};
use crate::config::theme::{Colour, ThemeConfig, ThemePreset};

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

/// The palettes `[theme] preset` names (see [`ThemePreset`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Preset {
    #[default]
    Default,
    /// Bright colours, no dark grey, bold everywhere: for projectors, bright rooms and eyes
    /// that need it.
    HighContrast,
}

impl Preset {
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

impl From<ThemePreset> for Preset {
    fn from(preset: ThemePreset) -> Self {
        match preset {
            ThemePreset::Default => Self::Default,
            ThemePreset::HighContrast => Self::HighContrast,
        }
    }
}

impl Palette {
    /// `[theme]`: its preset's palette with the colours it sets on top.
    pub fn from_config(theme: &ThemeConfig) -> Self {
        let mut palette = Preset::from(theme.preset).palette();
        let roles = [
            (theme.critical, &mut palette.critical),
            (theme.warning, &mut palette.warning),
            (theme.unknown, &mut palette.unknown),
            (theme.ok, &mut palette.ok),
            (theme.accent, &mut palette.accent),
            (theme.dim, &mut palette.dim),
        ];
        for (colour, slot) in roles {
            if let Some(colour) = colour {
                *slot = color(colour);
            }
        }
        palette
    }
}

/// The terminal colour of a config colour.
pub fn color(colour: Colour) -> Color {
    match colour {
        Colour::Reset => Color::Reset,
        Colour::Black => Color::Black,
        Colour::Red => Color::Red,
        Colour::Green => Color::Green,
        Colour::Yellow => Color::Yellow,
        Colour::Blue => Color::Blue,
        Colour::Magenta => Color::Magenta,
        Colour::Cyan => Color::Cyan,
        Colour::Gray => Color::Gray,
        Colour::DarkGray => Color::DarkGray,
        Colour::LightRed => Color::LightRed,
        Colour::LightGreen => Color::LightGreen,
        Colour::LightYellow => Color::LightYellow,
        Colour::LightBlue => Color::LightBlue,
        Colour::LightMagenta => Color::LightMagenta,
        Colour::LightCyan => Color::LightCyan,
        Colour::White => Color::White,
        Colour::Rgb(r, g, b) => Color::Rgb(r, g, b),
    }
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
            Severity::Info => self.dim(),
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
    fn a_config_theme_is_its_preset_with_its_colours_on_top() {
        assert_eq!(
            Palette::from_config(&ThemeConfig::default()),
            Palette::default()
        );
        let theme = ThemeConfig {
            preset: ThemePreset::HighContrast,
            critical: Some(Colour::Rgb(255, 95, 0)),
            dim: Some(Colour::Reset),
            ..ThemeConfig::default()
        };
        let palette = Palette::from_config(&theme);
        assert_eq!(palette.critical, Color::Rgb(255, 95, 0));
        assert_eq!(palette.dim, Color::Reset);
        assert_eq!(palette.ok, Color::LightGreen, "the preset's");
        assert!(palette.bold);
    }

    #[test]
    fn without_colour_only_emphasis_is_left() {
        let theme = Theme::new(false).with_palette(Preset::HighContrast.palette());
        let style = theme.severity(Severity::Ok);
        assert_eq!(style.fg, None);
        assert!(style.add_modifier.contains(Modifier::BOLD));
    }
}
