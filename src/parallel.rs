//! Independent work spread over the machine's cores: the scanner's reads, the parsing of
//! node snapshots, of snapshot pairs and of requirements.

use std::thread;

/// More threads than this never paid on the machines genevars runs on.
const MAX_THREADS: usize = 8;

/// How many threads share `items` items so that each gets at least `min_per_thread`: one
/// per core, one when there is little work (starting threads costs more than it saves).
pub fn threads_for(items: usize, min_per_thread: usize) -> usize {
    thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(MAX_THREADS)
        .min(items / min_per_thread.max(1))
        .max(1)
}

/// `f` on at most `threads` contiguous chunks of `items`, each chunk on a thread of its own
/// (with one thread, on this one), in order. Each chunk comes with what `f` gave or, if `f`
/// panicked on it, the panic: the caller decides what a panic costs.
pub fn map_chunks<'a, T: Sync, R: Send>(
    items: &'a [T],
    threads: usize,
    f: impl Fn(&'a [T]) -> R + Sync,
) -> Vec<(&'a [T], thread::Result<R>)> {
    if threads <= 1 || items.len() <= 1 {
        return vec![(items, Ok(f(items)))];
    }
    let chunk_size = items.len().div_ceil(threads);
    let f = &f;
    let mut chunks = items.chunks(chunk_size);
    let first = chunks.next().unwrap_or_default();
    thread::scope(|scope| {
        let workers: Vec<_> = chunks
            .map(|chunk| (chunk, scope.spawn(move || f(chunk))))
            .collect();
        // The first chunk is this thread's own: one thread fewer to start, and this one is
        // already running.
        let own = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(first)));
        std::iter::once((first, own))
            .chain(
                workers
                    .into_iter()
                    .map(|(chunk, worker)| (chunk, worker.join())),
            )
            .collect()
    })
}

/// [`map_chunks`] over one thread per core, re-raising a panic as it would be raised
/// without threads.
pub fn map_chunks_per_core<'a, T: Sync, R: Send>(
    items: &'a [T],
    f: impl Fn(&'a [T]) -> R + Sync,
) -> Vec<R> {
    map_chunks_of_at_least(items, 1, f)
}

/// [`map_chunks_per_core`] with at least `min_per_thread` items per thread.
pub fn map_chunks_of_at_least<'a, T: Sync, R: Send>(
    items: &'a [T],
    min_per_thread: usize,
    f: impl Fn(&'a [T]) -> R + Sync,
) -> Vec<R> {
    map_chunks(items, threads_for(items.len(), min_per_thread), f)
        .into_iter()
        .map(|(_, result)| result.unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
        .collect()
}

/// `a()` and `b()`: at the same time, `b` on a thread of its own, when `parallel`; else
/// one after the other. A panic in either is raised here, as without threads.
pub fn join<A: Send, B: Send>(
    parallel: bool,
    a: impl FnOnce() -> A + Send,
    b: impl FnOnce() -> B + Send,
) -> (A, B) {
    if !parallel {
        let a = a();
        return (a, b());
    }
    thread::scope(|scope| {
        let other = scope.spawn(b);
        let a = a();
        let b = other
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (a, b)
    })
}

/// Drops `value` on a thread of its own: freeing a large parsed value takes milliseconds
/// that the caller need not wait for. When no thread can be started, the refused closure
/// and the value with it are dropped here.
pub fn drop_aside<T: Send + 'static>(value: T) {
    let _detached = thread::Builder::new()
        .name("genevars-drop".into())
        .spawn(move || drop(value));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn join_gives_both_results_in_place_either_way() {
        for parallel in [false, true] {
            let (a, b) = join(parallel, || "a".repeat(3), || thread::current().id());
            assert_eq!(a, "aaa");
            assert_eq!(b == thread::current().id(), !parallel);
        }
    }

    #[test]
    fn chunks_come_back_in_order() {
        let items: Vec<usize> = (0..1001).collect();
        for threads in [1, 2, 3, 8] {
            let doubled: Vec<usize> = map_chunks(&items, threads, |c| {
                c.iter().map(|i| i * 2).collect::<Vec<_>>()
            })
            .into_iter()
            .flat_map(|(_, r)| r.unwrap())
            .collect();
            assert_eq!(doubled, items.iter().map(|i| i * 2).collect::<Vec<_>>());
        }
        assert_eq!(map_chunks_per_core(&[] as &[usize], |c| c.len()), vec![0]);
    }

    #[test]
    fn a_panicking_chunk_is_reported_with_its_items() {
        let items: Vec<usize> = (0..10).collect();
        let results = map_chunks(&items, 2, |c| {
            assert!(!c.contains(&7), "seven");
            c.len()
        });
        assert!(matches!(results[0], (chunk, Ok(5)) if chunk == &items[..5]));
        assert!(results[1].1.is_err() && results[1].0 == &items[5..]);
    }

    #[test]
    fn a_value_dropped_aside_is_dropped() {
        struct Tell(std::sync::mpsc::Sender<thread::ThreadId>);
        impl Drop for Tell {
            fn drop(&mut self) {
                let _ = self.0.send(thread::current().id());
            }
        }
        let (tx, rx) = std::sync::mpsc::channel();
        drop_aside(Tell(tx));
        let dropped_on = rx
            .recv_timeout(std::time::Duration::from_secs(30))
            .expect("dropped");
        assert_ne!(dropped_on, thread::current().id());
    }

    #[test]
    fn one_thread_for_little_work() {
        assert_eq!(threads_for(10, 128), 1);
        assert_eq!(threads_for(0, 0), 1);
        assert!(threads_for(100_000, 1) <= MAX_THREADS);
    }
}
