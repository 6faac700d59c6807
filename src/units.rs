//! Human spellings of durations (`"15m"`, `"1h30m"`, `"300ms"`) and byte sizes (`"32MiB"`),
//! both ways: parsed from the config, printed in messages. A leaf: the config and the sources
//! both use it, and it imports neither.

use std::time::Duration;

/// What a duration looks like, for error messages.
pub const DURATION_HELP: &str =
    "a duration such as \"15m\", \"20s\", \"1h30m\" or \"300ms\" (units: ms, s, m, h, d)";

/// What a byte size looks like, for error messages.
pub const BYTE_SIZE_HELP: &str = "a size such as \"32MiB\", \"512KiB\" or a number of bytes (units: B, KB, MB, GB, KiB, MiB, GiB)";

/// Parse `"15m"`, `"20s"`, `"1h30m"`, `"1h 30m"`, `"300ms"`, `"2d"`.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let bad = || format!("{text:?} is not {DURATION_HELP}");
    let mut rest = text.trim();
    if rest.is_empty() {
        return Err(bad());
    }
    let mut total = Duration::ZERO;
    while !rest.is_empty() {
        let digits_end = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        let unit_end = rest[digits_end..]
            .find(|c: char| !c.is_ascii_alphabetic())
            .map_or(rest.len(), |i| digits_end + i);
        let amount: u64 = rest[..digits_end].parse().map_err(|_| bad())?;
        let unit_millis: u64 = match &rest[digits_end..unit_end] {
            "ms" => 1,
            "s" => 1_000,
            "m" | "min" => 60_000,
            "h" => 3_600_000,
            "d" => 86_400_000,
            _ => return Err(bad()),
        };
        let millis = amount.checked_mul(unit_millis).ok_or_else(bad)?;
        total = total
            .checked_add(Duration::from_millis(millis))
            .ok_or_else(bad)?;
        rest = rest[unit_end..].trim_start();
    }
    Ok(total)
}

/// `300 ms`, `20 s`, `15 min`, `1 h 30 min`, `2 d`: for messages.
pub fn format_duration(duration: Duration) -> String {
    let millis = duration.as_millis();
    if millis < 1_000 {
        return format!("{millis} ms");
    }
    if !millis.is_multiple_of(1_000) {
        return format!("{:.1} s", duration.as_secs_f64());
    }
    let mut secs = duration.as_secs();
    let mut parts = Vec::new();
    for (unit, size) in [("d", 86_400), ("h", 3_600), ("min", 60), ("s", 1)] {
        if secs >= size {
            parts.push(format!("{} {unit}", secs / size));
            secs %= size;
        }
    }
    parts.join(" ")
}

/// Parse `"32MiB"`, `"512 KiB"`, `"64KB"`, `"1000"` or `"1000B"` into bytes.
pub fn parse_byte_size(text: &str) -> Result<u64, String> {
    let bad = || format!("{text:?} is not {BYTE_SIZE_HELP}");
    let trimmed = text.trim();
    let digits_end = trimmed
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(trimmed.len());
    let amount: u64 = trimmed[..digits_end].parse().map_err(|_| bad())?;
    let multiplier: u64 = match trimmed[digits_end..].trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "kb" => 1_000,
        "mb" => 1_000_000,
        "gb" => 1_000_000_000,
        "kib" => 1 << 10,
        "mib" => 1 << 20,
        "gib" => 1 << 30,
        _ => return Err(bad()),
    };
    amount.checked_mul(multiplier).ok_or_else(bad)
}

/// `32 MiB`, `512 KiB`, `1000 bytes`: for messages.
pub fn format_bytes(bytes: u64) -> String {
    for (unit, size) in [("GiB", 1u64 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)] {
        if bytes >= size && bytes.is_multiple_of(size) {
            return format!("{} {unit}", bytes / size);
        }
    }
    format!("{bytes} bytes")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse() {
        let cases = [
            ("15m", 900_000),
            ("20s", 20_000),
            ("1h30m", 5_400_000),
            ("1h 30m", 5_400_000),
            ("300ms", 300),
            ("2d", 172_800_000),
            ("10min", 600_000),
        ];
        for (text, millis) in cases {
            assert_eq!(
                parse_duration(text),
                Ok(Duration::from_millis(millis)),
                "{text}"
            );
        }
    }

    #[test]
    fn bad_durations_are_refused() {
        for text in [
            "",
            "15",
            "m",
            "15 minutes",
            "1.5h",
            "-5s",
            "99999999999999999999d",
        ] {
            let err = parse_duration(text).expect_err(text);
            assert_eq!(err, format!("{text:?} is not {DURATION_HELP}"));
        }
    }

    #[test]
    fn durations_print() {
        assert_eq!(format_duration(Duration::from_millis(300)), "300 ms");
        assert_eq!(format_duration(Duration::from_secs(20)), "20 s");
        assert_eq!(format_duration(Duration::from_secs(5_400)), "1 h 30 min");
        assert_eq!(format_duration(Duration::from_millis(1_500)), "1.5 s");
    }

    #[test]
    fn byte_sizes_parse_and_print() {
        assert_eq!(parse_byte_size("32MiB"), Ok(32 << 20));
        assert_eq!(parse_byte_size("512 KiB"), Ok(512 << 10));
        assert_eq!(parse_byte_size("64kb"), Ok(64_000));
        assert_eq!(parse_byte_size("1000"), Ok(1000));
        assert!(parse_byte_size("MiB").is_err());
        assert!(parse_byte_size("12 parsecs").is_err());
        assert!(parse_byte_size("99999999999GiB").is_err());
        assert_eq!(format_bytes(32 << 20), "32 MiB");
        assert_eq!(format_bytes(1000), "1000 bytes");
    }
}
