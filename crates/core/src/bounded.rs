//! Bounded concurrency for batches: transfers, parts of a multipart upload, prefix downloads.

use std::future::Future;
use std::sync::Arc;

use crate::{Error, Result};

/// Runs `work` on every item with at most `limit` at once. The results line up with the items
/// one for one, so callers can zip them: a task that panicked yields an `Error::Internal` for
/// its own item instead of vanishing from the list and shifting every later outcome onto the
/// wrong item.
pub async fn for_each_bounded<T, R, F, Fut>(items: Vec<T>, limit: usize, work: F) -> Vec<Result<R>>
where
    T: Send + 'static,
    R: Send + 'static,
    F: Fn(T) -> Fut,
    Fut: Future<Output = R> + Send + 'static,
{
    for_each_weighted(items, limit, |_| 1, work).await
}

/// `for_each_bounded` where an item takes `weight(item)` of the `limit` slots (at most all of
/// them), so that many light items can run where only a few heavy ones would. Items start in
/// order: a heavy one waits for its slots rather than being passed by lighter ones.
pub async fn for_each_weighted<T, R, F, Fut>(
    items: Vec<T>,
    limit: usize,
    weight: impl Fn(&T) -> usize,
    work: F,
) -> Vec<Result<R>>
where
    T: Send + 'static,
    R: Send + 'static,
    F: Fn(T) -> Fut,
    Fut: Future<Output = R> + Send + 'static,
{
    let limit = limit.clamp(1, tokio::sync::Semaphore::MAX_PERMITS.min(u32::MAX as usize));
    let semaphore = Arc::new(tokio::sync::Semaphore::new(limit));
    let mut set = tokio::task::JoinSet::new();
    let mut tasks = std::collections::HashMap::new();
    let count = items.len();
    for (index, item) in items.into_iter().enumerate() {
        let slots = weight(&item).clamp(1, limit) as u32;
        let permit = semaphore.clone().acquire_many_owned(slots).await;
        let fut = work(item);
        let handle = set.spawn(async move {
            let result = fut.await;
            drop(permit);
            result
        });
        tasks.insert(handle.id(), index);
    }
    let mut results: Vec<Option<Result<R>>> = (0..count).map(|_| None).collect();
    while let Some(joined) = set.join_next_with_id().await {
        let (id, outcome) = match joined {
            Ok((id, value)) => (id, Ok(value)),
            Err(e) => (e.id(), Err(Error::Internal(task_failure(e)))),
        };
        if let Some(&index) = tasks.get(&id) {
            results[index] = Some(outcome);
        }
    }
    results
        .into_iter()
        .map(|r| r.unwrap_or_else(|| Err(Error::Internal("a task ended without a result".into()))))
        .collect()
}

fn task_failure(e: tokio::task::JoinError) -> String {
    if e.is_cancelled() {
        return "the task was cancelled".into();
    }
    let panic = e.into_panic();
    let text = panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "no message".into());
    format!("a task panicked: {text}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::time::Duration;

    #[tokio::test]
    async fn bounded_work_keeps_order_and_limit() {
        let running = Arc::new(AtomicU64::new(0));
        let peak = Arc::new(AtomicU64::new(0));
        let results = for_each_bounded((0..20u64).collect(), 3, |i| {
            let (running, peak) = (running.clone(), peak.clone());
            async move {
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                peak.fetch_max(now, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(5)).await;
                running.fetch_sub(1, Ordering::SeqCst);
                i * 2
            }
        })
        .await;
        let values: Vec<u64> = results.into_iter().map(|r| r.expect("no panic")).collect();
        assert_eq!(values, (0..20).map(|i| i * 2).collect::<Vec<_>>());
        assert!(peak.load(Ordering::SeqCst) <= 3);
    }

    /// Light items fill the slots a heavy one would take whole, and the slots in use never
    /// exceed the limit.
    #[tokio::test]
    async fn weighted_work_runs_many_light_items_or_few_heavy_ones() {
        let in_use = Arc::new(AtomicU64::new(0));
        let (peak_use, peak_heavy, heavy) = (
            Arc::new(AtomicU64::new(0)),
            Arc::new(AtomicU64::new(0)),
            Arc::new(AtomicU64::new(0)),
        );
        let peak_light = Arc::new(AtomicU64::new(0));
        let light = Arc::new(AtomicU64::new(0));
        // Ten light items, then eight heavy ones.
        let weights: Vec<u64> = std::iter::repeat_n(1, 10)
            .chain(std::iter::repeat_n(4, 8))
            .collect();
        let results = for_each_weighted(
            weights,
            8,
            |w| *w as usize,
            |w| {
                let (in_use, peak_use) = (in_use.clone(), peak_use.clone());
                let (count, peak) = if w == 1 {
                    (light.clone(), peak_light.clone())
                } else {
                    (heavy.clone(), peak_heavy.clone())
                };
                async move {
                    peak_use.fetch_max(in_use.fetch_add(w, Ordering::SeqCst) + w, Ordering::SeqCst);
                    peak.fetch_max(count.fetch_add(1, Ordering::SeqCst) + 1, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(30)).await;
                    count.fetch_sub(1, Ordering::SeqCst);
                    in_use.fetch_sub(w, Ordering::SeqCst);
                    w
                }
            },
        )
        .await;
        assert_eq!(results.len(), 18);
        assert!(peak_use.load(Ordering::SeqCst) <= 8, "{peak_use:?}");
        assert_eq!(peak_light.load(Ordering::SeqCst), 8, "eight light items at once");
        assert_eq!(peak_heavy.load(Ordering::SeqCst), 2, "two heavy items at once");
    }

    /// Regression: a panicking task used to drop out of the results, so callers zipping plans
    /// with results pinned each later outcome on the wrong file.
    #[tokio::test]
    async fn a_panicking_task_keeps_its_place_as_an_error() {
        let results = for_each_bounded((0..6u64).collect(), 2, |i| async move {
            if i == 2 {
                panic!("boom on {i}");
            }
            i * 10
        })
        .await;
        assert_eq!(results.len(), 6);
        for (i, result) in results.iter().enumerate() {
            match result {
                Ok(value) => assert_eq!(*value, i as u64 * 10),
                Err(Error::Internal(message)) => {
                    assert_eq!(i, 2);
                    assert!(message.contains("boom on 2"), "{message}");
                }
                Err(other) => panic!("unexpected error {other}"),
            }
        }
        assert!(results[2].is_err());
    }
}
