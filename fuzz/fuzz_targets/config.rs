//! The config reader on arbitrary text: every failure is a `ConfigError` with one line naming
//! the file, line and column; no input may panic (spans and column arithmetic included).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Err(e) = fedcert::config::parse_str(text, "fuzz.toml") {
        let message = e.to_string();
        assert!(!message.contains('\n'), "{message}");
        assert!(message.starts_with("fuzz.toml:"), "{message}");
    }
});
