//! The live view of `watch` and `submit --watch`: a progress bar with the current step and the
//! ETA on a terminal, the event lines above it; plain lines when the output is not a terminal
//! (a CI log, a pipe), so logs stay readable.

use crate::output::Output;
use indicatif::{ProgressBar, ProgressStyle};
use specdoc_core::Step;
use specdoc_proto::job::v1 as pb;
use std::io::IsTerminal;

/// The bar, when there is a terminal to draw it on.
pub struct Progress {
    bar: Option<ProgressBar>,
}

impl Progress {
    /// A bar for text output on a terminal; nothing otherwise.
    pub fn new(out: Output) -> Self {
        let bar = (out == Output::Text && std::io::stdout().is_terminal()).then(|| {
            let bar = ProgressBar::new(100);
            if let Ok(style) =
                ProgressStyle::with_template("{bar:30.cyan/blue} {pos:>3}% {wide_msg}")
            {
                bar.set_style(style.progress_chars("=> "));
            }
            bar
        });
        Self { bar }
    }

    /// Shows one event: its line, and the bar moved to its progress.
    pub fn show(&mut self, event: &pb::JobEvent, line: &str) {
        let Some(bar) = &self.bar else {
            println!("{line}");
            return;
        };
        bar.println(line);
        bar.set_position(u64::from(event.progress_percent));
        let step = Step::from_proto(event.step).map_or("", Step::as_str);
        let eta = event.eta.as_ref().map_or(String::new(), |eta| {
            format!("  ETA {:.0}s", eta.seconds_remaining)
        });
        bar.set_message(format!("{step}{eta}"));
    }

    /// Removes the bar (the lines stay).
    pub fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}
