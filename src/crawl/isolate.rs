//! Panic isolation for the crawl: a panic while reading one source's listing or one article
//! becomes that source's (or that article's) error instead of killing the task that runs the
//! source, which in `serve` would leave the source unscheduled until a restart.
//!
//! Owns [`catch`] for synchronous parsing work, [`CatchUnwind`] for a whole crawl future, the
//! message taken from a panic payload and the panic metric. The test hook that injects a
//! panic exists only in debug builds, so it can never fire in a release binary.

use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::telemetry;

/// The text of a panic payload (`panic!("…")` carries a `&str` or a `String`).
pub(crate) fn message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "panic without a message".to_string()
    }
}

/// Counts one caught panic in the metrics, by `source` and `stage` (`listing`, `article`,
/// `crawl`).
pub(crate) fn count(source_id: &str, stage: &'static str) {
    metrics::counter!(telemetry::PANICS, "source" => source_id.to_string(), "stage" => stage)
        .increment(1);
}

/// Runs `f`, returning the panic message as the error when it panics. The work must not leave
/// shared state half-updated when it unwinds (parsing and extraction are pure).
pub(crate) fn catch<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    catch_unwind(AssertUnwindSafe(f)).map_err(|p| message(p.as_ref()))
}

/// A future whose panics (while being polled) are returned as `Err(message)`.
pub(crate) struct CatchUnwind<F>(Pin<Box<F>>);

impl<F: Future> CatchUnwind<F> {
    /// Wraps `fut`.
    pub(crate) fn new(fut: F) -> CatchUnwind<F> {
        CatchUnwind(Box::pin(fut))
    }
}

impl<F: Future> Future for CatchUnwind<F> {
    type Output = Result<F::Output, String>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let fut = self.0.as_mut();
        match catch_unwind(AssertUnwindSafe(|| fut.poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(v)) => Poll::Ready(Ok(v)),
            Err(p) => Poll::Ready(Err(message(p.as_ref()))),
        }
    }
}

/// Test-only panic injection (debug builds only: absent from release binaries, so it cannot
/// trigger in production). Tests name a source id or an article URL; the crawl then panics
/// while parsing that listing or extracting that article.
#[cfg(debug_assertions)]
#[doc(hidden)]
pub mod test_hooks {
    use std::sync::Mutex;

    static TARGETS: Mutex<Vec<String>> = Mutex::new(Vec::new());

    /// Makes the parser panic for the source with this id, or the article at this URL.
    pub fn panic_while_parsing(target: &str) {
        if let Ok(mut t) = TARGETS.lock() {
            t.push(target.to_string());
        }
    }

    /// Panics if `target` was named by [`panic_while_parsing`].
    pub(crate) fn maybe_panic(target: &str) {
        let hit = TARGETS
            .lock()
            .map(|t| t.iter().any(|x| x == target))
            .unwrap_or(false);
        if hit {
            panic!("injected test panic while parsing {target}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panics_become_messages() {
        assert_eq!(catch(|| 1), Ok(1));
        assert_eq!(catch(|| -> i32 { panic!("boom") }), Err("boom".to_string()));
        let n = 3;
        assert_eq!(
            catch(|| -> i32 { panic!("boom {n}") }),
            Err("boom 3".to_string())
        );
    }

    #[tokio::test]
    async fn a_panicking_future_is_an_error() {
        let ok = CatchUnwind::new(async { 5 }).await;
        assert_eq!(ok, Ok(5));
        let bad = CatchUnwind::new(async {
            tokio::task::yield_now().await;
            if ok.is_ok() {
                panic!("late");
            }
        })
        .await;
        assert_eq!(bad, Err("late".to_string()));
    }
}
