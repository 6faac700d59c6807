//! Certificate analysis on arbitrary bytes: as DER, and as a PEM / DER file the way `inspect`
//! reads one. No input may panic; every failure is a `CertError` with a one-line message.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match fedcert::cert::analyze(data) {
        Ok(info) => {
            // What every view computes from a certificate.
            let _ = info.base64();
            let _ = info.sha1.to_string();
            let _ = info.not_after - info.not_before;
        }
        Err(e) => assert!(!e.to_string().contains('\n'), "{e}"),
    }
    if let Ok(ders) = fedcert::cert::read_certificates(data) {
        for der in ders {
            let _ = fedcert::cert::analyze(&der);
        }
    }
});
