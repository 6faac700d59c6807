//! Signature verification on arbitrary bytes: no input may panic, hang or grow memory without
//! bound; the verdict is the same read from memory and streamed alongside the parse; every
//! reason renders on one line. Seed it with `tests/fixtures/signature/*.xml`.
#![no_main]

use fedcert::metadata::signature::{self, Outcome};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let verification = signature::verify_bytes(data);
    let reason = match &verification.outcome {
        Outcome::Invalid(why) => why.to_string(),
        Outcome::Unsupported(why) => why.to_string(),
        Outcome::Verified | Outcome::Unsigned => String::new(),
    };
    assert!(!reason.contains('\n'), "{reason:?}");
    if let Ok((_, streamed)) = signature::parse_and_verify(data, |e| e, |_| {}) {
        assert_eq!(streamed, verification);
    }
});
