//! `[theme]` as the engine sees it, with no terminal types: a preset and the colours written on
//! top of it. The TUI turns a [`ThemeConfig`] into its palette.

/// The palettes `[theme] preset` names.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ThemePreset {
    #[default]
    Default,
    /// Bright colours, no dark grey, bold everywhere.
    HighContrast,
}

impl ThemePreset {
    pub const NAMES: [(&'static str, ThemePreset); 2] = [
        ("default", ThemePreset::Default),
        ("high-contrast", ThemePreset::HighContrast),
    ];
}

/// A colour `[theme]` can name: the terminal's own colours, or `#rrggbb`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Colour {
    /// The terminal's default colour.
    Reset,
    Black,
    Red,
    Green,
    Yellow,
    Blue,
    Magenta,
    Cyan,
    Gray,
    DarkGray,
    LightRed,
    LightGreen,
    LightYellow,
    LightBlue,
    LightMagenta,
    LightCyan,
    White,
    Rgb(u8, u8, u8),
}

/// The colour names `[theme]` accepts, besides `#rrggbb`.
pub const COLOUR_NAMES: &[(&str, Colour)] = &[
    ("default", Colour::Reset),
    ("black", Colour::Black),
    ("red", Colour::Red),
    ("green", Colour::Green),
    ("yellow", Colour::Yellow),
    ("blue", Colour::Blue),
    ("magenta", Colour::Magenta),
    ("cyan", Colour::Cyan),
    ("gray", Colour::Gray),
    ("grey", Colour::Gray),
    ("dark-gray", Colour::DarkGray),
    ("dark-grey", Colour::DarkGray),
    ("light-red", Colour::LightRed),
    ("light-green", Colour::LightGreen),
    ("light-yellow", Colour::LightYellow),
    ("light-blue", Colour::LightBlue),
    ("light-magenta", Colour::LightMagenta),
    ("light-cyan", Colour::LightCyan),
    ("white", Colour::White),
];

/// A colour as `[theme]` writes it: a name of [`COLOUR_NAMES`] (any case, `_` for `-`) or
/// `#rrggbb`.
pub fn parse_colour(text: &str) -> Result<Colour, String> {
    let trimmed = text.trim();
    if let Some(hex) = trimmed.strip_prefix('#') {
        let channel = |i: usize| u8::from_str_radix(hex.get(i..i + 2).unwrap_or("x"), 16).ok();
        return match (hex.len(), channel(0), channel(2), channel(4)) {
            (6, Some(r), Some(g), Some(b)) => Ok(Colour::Rgb(r, g, b)),
            _ => Err(format!(
                "{text:?} is not a #rrggbb colour (six hex digits, e.g. \"#ff5f00\")"
            )),
        };
    }
    let name = trimmed.to_ascii_lowercase().replace('_', "-");
    COLOUR_NAMES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, colour)| *colour)
        .ok_or_else(|| {
            let names: Vec<&str> = COLOUR_NAMES.iter().map(|(n, _)| *n).collect();
            format!(
                "{text:?} is not a colour; use #rrggbb or one of {}",
                names.join(", ")
            )
        })
}

/// The validated `[theme]`: a preset, and each role's colour when the file sets it (`None`
/// keeps the preset's).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ThemeConfig {
    pub preset: ThemePreset,
    /// CRIT, broken sync, errors.
    pub critical: Option<Colour>,
    /// WARN, pending sync, stale snapshots, milestones.
    pub warning: Option<Colour>,
    pub unknown: Option<Colour>,
    /// OK, in sync, done steps.
    pub ok: Option<Colour>,
    /// Headings, keys, today's marker, changed domains.
    pub accent: Option<Colour>,
    /// Secondary text: ages, labels, the clock.
    pub dim: Option<Colour>,
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn colours_by_name_or_hex() {
        assert_eq!(parse_colour("Light_Red"), Ok(Colour::LightRed));
        assert_eq!(parse_colour(" grey "), Ok(Colour::Gray));
        assert_eq!(parse_colour("#ff5f00"), Ok(Colour::Rgb(255, 95, 0)));
        assert!(
            parse_colour("#ff5f0")
                .unwrap_err()
                .contains("six hex digits")
        );
        assert!(
            parse_colour("mauve")
                .unwrap_err()
                .contains("one of default, black")
        );
    }
}
