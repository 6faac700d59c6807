//! The metadata parser on arbitrary bytes, then the IdP facts the verdict reads from it: no input
//! may panic, hang or grow memory without bound; every failure is a `MetadataError`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(doc) = fedcert::metadata::parse_bytes(data) else {
        return;
    };
    // Every error message must render (Display of every variant) on one line.
    for entity in &doc.entities {
        for key in &entity.certificates {
            if let Err(e) = &key.cert {
                assert!(!e.to_string().contains('\n'));
            }
        }
    }
    let _ = fedcert::assess::idp_facts(&doc, None);
    if let Some(first) = doc.entities.first() {
        let _ = fedcert::assess::idp_facts(&doc, Some(&first.entity_id));
    }
});
