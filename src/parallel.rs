//! Work spread over the machine's cores: the targets of one run, the services of one project.
//! Results come back in the items' own order, so output never depends on scheduling.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The number of similar jobs (services, say) from which spreading them over the cores pays:
/// below it, starting a thread costs more than it saves.
pub const PARALLEL_FROM: usize = 256;

/// How many threads to use: one per core. Asked once per run: the answer reads cgroup files.
pub fn cores() -> usize {
    static CORES: OnceLock<usize> = OnceLock::new();
    *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// How many threads `items` similar jobs are worth: one per core for a large project, none but
/// the caller's below [`PARALLEL_FROM`].
pub fn workers_for(items: usize) -> usize {
    if items >= PARALLEL_FROM { cores() } else { 1 }
}

/// `first` on another thread while `second` runs on this one, when `side_by_side` says it is
/// worth a thread and one can be had; otherwise one after the other, here.
pub fn both<A: Send, B>(
    side_by_side: bool,
    first: impl FnOnce() -> A + Send,
    second: impl FnOnce() -> B,
) -> (A, B) {
    if !side_by_side {
        let a = first();
        return (a, second());
    }
    // Kept here, so that if no thread can be had (a process limit, say) it still runs.
    let slot = std::sync::Mutex::new(Some(first));
    let take = || slot.lock().ok().and_then(|mut first| first.take());
    std::thread::scope(|scope| {
        let spawned = std::thread::Builder::new().spawn_scoped(scope, || take().map(|f| f()));
        let b = second();
        let a = spawned.ok().and_then(joined);
        match a.or_else(|| take().map(|f| f())) {
            Some(a) => (a, b),
            // `first` is taken exactly once: by the thread, or here when there was none.
            None => unreachable!("the side job neither ran nor stayed to run"),
        }
    })
}

/// A worker's result; a panic in it is carried on to the caller as if it ran there.
fn joined<T>(handle: std::thread::ScopedJoinHandle<'_, T>) -> T {
    handle
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

/// `job` on every item in their own order, on up to `workers` threads. Items are handed out
/// in runs, so results are gathered a run at a time rather than item by item.
pub fn map<T: Sync, R: Send>(items: &[T], workers: usize, job: impl Fn(&T) -> R + Sync) -> Vec<R> {
    map_with(items, workers, || (), |_, item| job(item))
}

/// [`map`], with scratch state (a reusable buffer, say) made by `state` for each run of items.
pub fn map_with<T: Sync, S, R: Send>(
    items: &[T],
    workers: usize,
    state: impl Fn() -> S + Sync,
    job: impl Fn(&mut S, &T) -> R + Sync,
) -> Vec<R> {
    if workers <= 1 {
        let mut scratch = state();
        return items.iter().map(|item| job(&mut scratch, item)).collect();
    }
    // Several runs per worker, so one slow run does not leave the others idle.
    let run_length = items.len().div_ceil(workers * 8).max(1);
    let runs: Vec<&[T]> = items.chunks(run_length).collect();
    let order: Vec<usize> = (0..runs.len()).collect();
    let done = run(&runs, &order, workers, |run| {
        let mut scratch = state();
        run.iter()
            .map(|item| job(&mut scratch, item))
            .collect::<Vec<R>>()
    });
    let mut results = Vec::with_capacity(items.len());
    done.into_iter().for_each(|run| results.extend(run));
    results
}

/// `job` on every item, on up to `workers` threads, taking items in `order`; results in the
/// items' own order. The calling thread takes the first item and then helps with the rest, so
/// one item starts no thread. A panic in a worker is carried on to the caller as if it ran
/// there.
pub fn run<T: Sync, R: Send>(
    items: &[T],
    order: &[usize],
    workers: usize,
    job: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    let next = AtomicUsize::new(1);
    let work = || {
        let mut done = Vec::new();
        loop {
            let taken = next.fetch_add(1, Ordering::Relaxed);
            let Some(&index) = order.get(taken) else {
                return done;
            };
            done.push((index, job(&items[index])));
        }
    };
    let mut done: Vec<(usize, R)> = std::thread::scope(|scope| {
        // A helper that cannot be started leaves its share to the others.
        let helpers: Vec<_> = (1..workers.min(items.len()))
            .filter_map(|_| std::thread::Builder::new().spawn_scoped(scope, work).ok())
            .collect();
        let mut done: Vec<(usize, R)> = order
            .first()
            .map(|&first| (first, job(&items[first])))
            .into_iter()
            .collect();
        done.extend(work());
        for helper in helpers {
            done.extend(joined(helper));
        }
        done
    });
    debug_assert_eq!(done.len(), items.len(), "`order` lists every item once");
    done.sort_by_key(|(index, _)| *index);
    done.into_iter().map(|(_, result)| result).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_keep_the_items_order_whatever_the_threads_do() {
        let items: Vec<u64> = (0..1000).collect();
        let squares = map(&items, 4, |n| {
            // Uneven work, so threads finish out of order.
            if n % 7 == 0 {
                std::thread::yield_now();
            }
            n * n
        });
        assert_eq!(squares, items.iter().map(|n| n * n).collect::<Vec<_>>());
    }

    #[test]
    fn the_calling_thread_takes_the_first_item_in_order() {
        let caller = std::thread::current().id();
        let items = ["a", "b", "c"];
        let threads = run(&items, &[2, 0, 1], 2, |_| std::thread::current().id());
        assert_eq!(threads[2], caller);
    }

    #[test]
    fn a_panic_in_a_worker_reaches_the_caller() {
        let items: Vec<u32> = (0..100).collect();
        let outcome = std::panic::catch_unwind(|| {
            map(&items, 2, |n| {
                assert_ne!(*n, 99, "item 99 fails");
                *n
            })
        });
        assert!(outcome.is_err());
    }

    #[test]
    fn both_jobs_run_side_by_side_or_not() {
        assert_eq!(both(true, || 1, || "b"), (1, "b"));
        assert_eq!(both(false, || 1, || "b"), (1, "b"));
    }

    #[test]
    fn one_worker_runs_everything_here() {
        let caller = std::thread::current().id();
        let threads = map(&[1, 2, 3], 1, |_| std::thread::current().id());
        assert!(threads.iter().all(|t| *t == caller));
    }
}
