//! The PowerShell JSON imports on arbitrary bytes (UTF-8 with or without BOM, UTF-16 LE/BE,
//! broken JSON, wrong shapes): every failure is one line; no input may panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

use fedcert::source::imports::{
    parse_adfs_certificates, parse_adfs_properties, parse_entra_federation,
};

fn one_line(result: Result<impl Sized, String>) {
    if let Err(message) = result {
        assert!(!message.contains('\n'), "{message}");
    }
}

fuzz_target!(|data: &[u8]| {
    one_line(parse_entra_federation(data));
    one_line(parse_adfs_certificates(data));
    one_line(parse_adfs_properties(data));
});
