//! Progress of a long load: a live bar on a terminal, a plain line every few seconds otherwise
//! (CI logs, cron mail).

use std::io::IsTerminal;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Shows how many records have been read.
pub struct Progress {
    bar: Option<ProgressBar>,
    started: Instant,
    seen: Arc<AtomicUsize>,
}

impl Progress {
    /// Starts showing progress on standard error.
    pub fn start() -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template(
                    "{spinner} {human_pos} records read ({per_sec}) {elapsed}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            bar.enable_steady_tick(Duration::from_millis(200));
            bar
        });
        Self {
            bar,
            started: Instant::now(),
            seen: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// The callback the reader calls with the records read so far.
    pub fn reporter(&self) -> Box<dyn FnMut(usize) + Send> {
        let bar = self.bar.clone();
        let seen = Arc::clone(&self.seen);
        let started = self.started;
        let mut last_line = Instant::now();
        Box::new(move |n| {
            seen.store(n, Ordering::Relaxed);
            match &bar {
                Some(bar) => bar.set_position(n as u64),
                None if last_line.elapsed() >= Duration::from_secs(5) => {
                    last_line = Instant::now();
                    eprintln!(
                        "progress: {n} records read in {:.1} s",
                        started.elapsed().as_secs_f64()
                    );
                }
                None => {}
            }
        })
    }

    /// Clears the bar; the summary line follows.
    pub fn finish(self) {
        if let Some(bar) = self.bar {
            bar.finish_and_clear();
        }
        tracing::debug!(
            records = self.seen.load(Ordering::Relaxed),
            elapsed_ms = self.started.elapsed().as_millis(),
            "delivery read and loaded"
        );
    }
}
