//! Article extraction as the crawler runs it: fetched bytes decoded by `fetch::charset`
//! (BOM, declared charset, detection), then `extract_article` with automatic selectors.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The charset path alone on the raw bytes, also with a (lying) HTTP header.
    let _ = govwire::fetch::charset::meta_charset(data);
    let declared = govwire::fetch::charset::decode(data, Some("text/html; charset=utf-8"), None);
    let html = govwire::fetch::charset::decode(data, None, Some(b"de"));
    if std::str::from_utf8(data).is_ok() {
        // Valid UTF-8 declared as UTF-8 must come through unchanged.
        assert_eq!(
            declared.as_bytes(),
            data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data)
        );
    }
    let _ = govwire::extract::extract_article(&html, "https://example.org/a", &Default::default());
});
