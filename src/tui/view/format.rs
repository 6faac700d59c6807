//! Layout helpers shared by the views: cutting, wrapping and packing text into cells and lines,
//! and the list's compact countdown. Words for facts (dates, ages, countdowns) come from
//! [`crate::words`].

use ratatui::style::Style;
use ratatui::text::{Line, Span};

/// A countdown in days for the list: `12d`, `18h` in the last day, `expired` after.
pub fn days_left(days: Option<f64>) -> String {
    match days {
        None => "—".into(),
        Some(d) if d <= 0.0 => "expired".into(),
        Some(d) if d < 1.0 => format!("{}h", whole(d * 24.0)),
        Some(d) => format!("{}d", whole(d)),
    }
}

/// Rounds toward zero to a whole number for display.
#[allow(clippy::cast_possible_truncation)]
fn whole(value: f64) -> i64 {
    value.trunc() as i64
}

/// `text` cut to `width` chars, the last one an ellipsis when something was cut.
pub fn fit(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(width.saturating_sub(1)).collect();
    if width > 0 {
        cut.push('…');
    }
    cut
}

/// Greedy word wrap to `width` columns (counted in chars); a word longer than a line is cut.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let mut word = word.to_owned();
        loop {
            let used = line.chars().count();
            let needed = word.chars().count() + usize::from(used > 0);
            if used + needed <= width {
                if used > 0 {
                    line.push(' ');
                }
                line.push_str(&word);
                break;
            }
            if used > 0 {
                lines.push(std::mem::take(&mut line));
                continue;
            }
            let rest: String = word.chars().skip(width).collect();
            lines.push(word.chars().take(width).collect());
            word = rest;
            if word.is_empty() {
                break;
            }
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// A `key value` field as lines: `key` padded to `key_width` after a two-space margin, in
/// `lead_style`, and `value` wrapped to `width` columns under itself, in `style`.
pub fn field(
    (key, key_width): (&str, usize),
    value: &str,
    width: usize,
    (lead_style, style): (Style, Style),
) -> impl Iterator<Item = Line<'static>> {
    let indent = key_width + 2;
    let first = format!("  {key:<key_width$}");
    wrap(value, width.saturating_sub(indent))
        .into_iter()
        .enumerate()
        .map(move |(i, piece)| {
            let lead = if i == 0 {
                first.clone()
            } else {
                " ".repeat(indent)
            };
            Line::from(vec![
                Span::styled(lead, lead_style),
                Span::styled(piece, style),
            ])
        })
}

/// Pack whole `items` into lines of at most `width` chars, joined by `separator` (an item longer
/// than a line gets a line of its own and is wrapped).
pub fn pack(items: &[String], separator: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for item in items {
        let used = line.chars().count();
        if used > 0 && used + separator.chars().count() + item.chars().count() <= width {
            line.push_str(separator);
            line.push_str(item);
            continue;
        }
        if used > 0 {
            lines.push(std::mem::take(&mut line));
        }
        let mut pieces = wrap(item, width);
        line = pieces.pop().unwrap_or_default();
        lines.extend(pieces);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_on_words_and_cuts_long_words() {
        assert_eq!(wrap("aa bb cc", 5), ["aa bb", "cc"]);
        assert_eq!(wrap("abcdefgh", 3), ["abc", "def", "gh"]);
        assert_eq!(wrap("", 3), [""]);
    }

    #[test]
    fn packs_whole_items() {
        let items = ["aaa".to_owned(), "bbb".to_owned(), "cc".to_owned()];
        assert_eq!(pack(&items, " · ", 9), ["aaa · bbb", "cc"]);
        assert_eq!(pack(&items, " · ", 3), ["aaa", "bbb", "cc"]);
    }

    #[test]
    fn fit_marks_a_cut_with_an_ellipsis() {
        assert_eq!(fit("fs.fourthcoffee.com", 16), "fs.fourthcoffee…");
        assert_eq!(fit("short", 16), "short");
        assert_eq!(fit("ab", 0), "");
    }

    #[test]
    fn countdowns() {
        assert_eq!(days_left(Some(12.9)), "12d");
        assert_eq!(days_left(Some(0.5)), "12h");
        assert_eq!(days_left(Some(-0.1)), "expired");
        assert_eq!(days_left(None), "—");
    }
}
