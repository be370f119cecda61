//! Config parsing: `sources.toml` text through the TOML reader and our validation, including
//! the `file:line:column` rendering of every problem.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match govwire::config::parse(text, "sources.toml") {
        Ok(config) => {
            let _ = format!("{config:?}");
        }
        Err(e) => {
            let lines = text.lines().count().max(1);
            for p in e.problems() {
                assert!(
                    p.line >= 1 && p.line <= lines + 1,
                    "line {} of {lines}",
                    p.line
                );
                assert!(p.column >= 1, "column {}", p.column);
            }
            let _ = e.to_string();
        }
    }
});
