//! Rounds spread over worker threads, with results independent of the thread count.
//!
//! Every round is a pure function of its seed and runs on one thread, so the only thing the
//! thread count changes is which thread computes which round, never the numbers.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// Computes `round(item)` for every item (a seed, or whatever names a round) on up to
/// `threads` threads; results come back in the order of `items`. `done` sees each result
/// as soon as it is computed (in whatever order the threads finish: for progress reports
/// only).
pub fn map_rounds<S: Copy + Sync, T: Send>(
    items: &[S],
    threads: usize,
    round: impl Fn(S) -> T + Sync,
    done: impl Fn(&T) + Sync,
) -> Vec<T> {
    let next = AtomicUsize::new(0);
    let slots: Mutex<Vec<Option<T>>> = Mutex::new(items.iter().map(|_| None).collect());
    let workers = threads.clamp(1, items.len().max(1));
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(&item) = items.get(i) else { break };
                let result = round(item);
                done(&result);
                slots.lock().expect("a worker panicked")[i] = Some(result);
            });
        }
    });
    let slots = slots.into_inner().expect("a worker panicked");
    slots
        .into_iter()
        .map(|s| s.expect("every round ran"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_is_kept_for_any_thread_count() {
        let seeds: Vec<u64> = (10..30).collect();
        for threads in [1, 2, 7] {
            let out = map_rounds(&seeds, threads, |s| s * s, |_| {});
            assert_eq!(out, seeds.iter().map(|s| s * s).collect::<Vec<_>>());
        }
    }
}
