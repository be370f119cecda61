//! Feed ingest: raw bytes from a feed URL through feed-rs and our entry mapping.
#![no_main]

use std::collections::HashSet;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(candidates) = govwire::extract::parse_feed(data, "https://example.org/feed") else {
        return;
    };
    // The module's promises: only http(s) links, never the same link twice.
    let mut seen = HashSet::new();
    for c in &candidates {
        assert!(
            c.url.starts_with("http://") || c.url.starts_with("https://"),
            "non-http link {:?}",
            c.url
        );
        assert!(seen.insert(c.url.as_str()), "duplicate link {:?}", c.url);
    }
});
