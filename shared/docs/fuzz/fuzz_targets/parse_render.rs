//! Fuzz target: arbitrary bytes through the whole engine (parse with default limits, score,
//! fill prose, render Markdown and HTML). Refusals are fine; panics, hangs and runaway memory
//! are findings. The rendered HTML must also keep only its own script element.
#![no_main]

use libfuzzer_sys::fuzz_target;
use specdoc_docs::{Limits, html, markdown, parse, prose, score};

fuzz_target!(|data: &[u8]| {
    let Ok(mut spec) = parse(data, &Limits::default()) else {
        return;
    };
    let sc = score::score(&spec);
    let md = markdown::render(&spec, Some(&sc));
    let page = html::render(&spec, Some(&sc));
    assert!(!md.is_empty());
    assert_eq!(page.to_ascii_lowercase().matches("<script").count(), 1);
    prose::fill_missing(&mut spec);
    let _ = html::render(&spec, None);
});
