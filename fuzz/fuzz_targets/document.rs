//! STIX documents (bundle, envelope or single object): validation never panics, whatever the
//! bytes.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = stix::validate::validate_document(data);
});
