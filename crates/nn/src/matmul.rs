//! The matrix-multiply back end of the fused CPU operations (convolution, linear layer): strided
//! matrix views, one GEMM entry point over the `gemm` crate (candle's own CPU matmul kernel), and
//! the small helpers every fused operation needs to reach a tensor's values.
//!
//! [`gemm_into`] computes $C \leftarrow A B$ or $C \leftarrow C + A B$ for $A \in \mathbb{R}^{m
//! \times k}$, $B \in \mathbb{R}^{k \times n}$ given as [`MatView`]s (any row and column strides,
//! so transposes cost nothing) into a row-major $C \in \mathbb{R}^{m \times n}$, either on the
//! calling thread (inside a loop that is itself parallel) or split by rows over the CPU pool.
//!
//! Every parallel loop of the fused operations runs on one small CPU pool defined here, in which
//! the calling thread takes part: a training step issues a few dozen short parallel loops, and
//! handing each to a separate pool (rayon's, where the caller sleeps until the workers are done)
//! costs two thread wake-ups per loop; with the caller working and taking tasks from a shared
//! cursor, a loop never waits for a worker that has not started. A parallel GEMM is split into
//! row blocks, each a single-threaded GEMM, instead of the kernel's own split, which
//! synchronises inside the product.
//!
//! Cost: $2mnk$ flops; the kernel packs panels of $A$ and $B$ so that strides only change the
//! packing cost, $O(mk + kn)$. Reference: K. Goto, R. van de Geijn, *Anatomy of
//! High-Performance Matrix Multiplication*, ACM TOMS 34(3), 2008.
//!
//! ```
//! use breadth_nn::matmul::{gemm_into, MatView, Threads};
//! let a = [1.0f32, 2.0, 3.0, 4.0]; // [[1, 2], [3, 4]]
//! let b = [1.0f32, 0.0, 1.0, 1.0]; // [[1, 0], [1, 1]]
//! let mut c = [0.0f32; 4];
//! gemm_into(&mut c, MatView::row_major(&a, 2, 2), MatView::row_major(&b, 2, 2).t(), false, Threads::Pool);
//! assert_eq!(c, [1.0, 3.0, 3.0, 7.0]); // A B^T
//! ```

use std::cell::Cell;
use std::hint::spin_loop;
use std::marker::PhantomData;
use std::ops::Range;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::time::{Duration, Instant};

use candle_core::{CpuStorage, Layout, Result, Storage, Tensor, WithDType};

/// Where a GEMM runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Threads {
    /// On the calling thread (the caller already runs in parallel).
    Caller,
    /// Split by rows over the CPU pool (a single large product).
    Pool,
}

/// A strided read-only matrix view for [`gemm_into`].
#[derive(Debug, Clone, Copy)]
pub struct MatView<'a, T> {
    data: &'a [T],
    rows: usize,
    cols: usize,
    row_stride: usize,
    col_stride: usize,
}

impl<'a, T> MatView<'a, T> {
    /// `data` as a row-major `rows x cols` matrix.
    pub fn row_major(data: &'a [T], rows: usize, cols: usize) -> Self {
        MatView {
            data,
            rows,
            cols,
            row_stride: cols,
            col_stride: 1,
        }
    }

    /// The transpose (no copy).
    pub fn t(self) -> Self {
        MatView {
            rows: self.cols,
            cols: self.rows,
            row_stride: self.col_stride,
            col_stride: self.row_stride,
            ..self
        }
    }

    /// Rows `r` of the matrix (no copy).
    fn rows(self, r: Range<usize>) -> Self {
        MatView {
            data: &self.data[(r.start * self.row_stride).min(self.data.len())..],
            rows: r.len(),
            ..self
        }
    }

    /// Every entry lies inside `data`.
    fn in_bounds(&self) -> bool {
        self.rows == 0
            || self.cols == 0
            || (self.rows - 1) * self.row_stride + (self.cols - 1) * self.col_stride
                < self.data.len()
    }
}

/// Zero of a candle element type.
pub(crate) fn zero<T: WithDType>() -> T {
    T::from_f64(0.0)
}

/// Products below this many flops run on one thread: a hand-off costs more than they do.
const PAR_MIN_FLOPS: usize = 1 << 20;

/// Row blocks of a parallel product are multiples of this (the kernel's register tile height),
/// so that no block ends in a partial tile.
const ROW_ALIGN: usize = 16;

/// `dst` (row-major, $m \times n$) $= A B$, or $\mathrel{+}= A B$ when `accumulate`.
///
/// [`Threads::Pool`] splits the rows of `dst` into one block per thread of the CPU pool; every
/// entry is computed by the same single-threaded kernel over the same $k$ order either way.
///
/// # Panics
/// When the shapes disagree or a view reaches outside its slice (a bug of the caller, never a
/// consequence of user input: the fused operations check shapes before they get here).
pub fn gemm_into<T: WithDType>(
    dst: &mut [T],
    a: MatView<'_, T>,
    b: MatView<'_, T>,
    accumulate: bool,
    threads: Threads,
) {
    let (m, k, n) = (a.rows, a.cols, b.cols);
    assert!(
        b.rows == k && dst.len() >= m * n && a.in_bounds() && b.in_bounds(),
        "gemm_into: inconsistent shapes"
    );
    let workers = pool_threads();
    if threads == Threads::Caller
        || workers == 1
        || m < 2 * ROW_ALIGN
        || 2 * m * n * k < PAR_MIN_FLOPS
        || n == 0
    {
        gemm_serial(&mut dst[..m * n], a, b, accumulate);
        return;
    }
    let block = m.div_ceil(workers).next_multiple_of(ROW_ALIGN);
    par_chunks_mut(&mut dst[..m * n], block * n, |i, d| {
        let r0 = i * block;
        gemm_serial(d, a.rows(r0..r0 + d.len() / n), b, accumulate);
    });
}

/// [`gemm_into`] on the calling thread, `dst` exactly $m \times n$.
fn gemm_serial<T: WithDType>(
    dst: &mut [T],
    a: MatView<'_, T>,
    b: MatView<'_, T>,
    accumulate: bool,
) {
    let (m, k, n) = (a.rows, a.cols, b.cols);
    debug_assert!(b.rows == k && dst.len() == m * n && a.in_bounds() && b.in_bounds());
    if k == 0 {
        if !accumulate {
            dst.fill(zero::<T>());
        }
        return;
    }
    // SAFETY: the caller checked that every index gemm reads (a, b) or writes (dst) is in bounds.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            dst.as_mut_ptr(),
            1,
            n as isize,
            accumulate,
            a.data.as_ptr(),
            a.col_stride as isize,
            a.row_stride as isize,
            b.data.as_ptr(),
            b.col_stride as isize,
            b.row_stride as isize,
            if accumulate {
                T::from_f64(1.0)
            } else {
                zero::<T>()
            },
            T::from_f64(1.0),
            false,
            false,
            false,
            gemm::Parallelism::None,
        );
    }
}

thread_local! {
    /// Set while the thread runs a task of [`par_ranges`]: nested loops then run inline (the
    /// pool is busy with the outer loop).
    static IN_TASK: Cell<bool> = const { Cell::new(false) };
}

/// How long an idle worker polls for the next loop before it sleeps: a training step issues
/// its parallel loops a few microseconds apart, and waking a sleeping thread costs about as much.
const WORKER_SPIN: Duration = Duration::from_micros(200);

/// The loop a pool runs: its body (lifetime erased; see [`par_ranges`] for why this is sound),
/// the number of tasks and the tasks per grab.
#[derive(Clone, Copy)]
struct Job {
    body: *const (dyn Fn(Range<usize>) + Sync + 'static),
    tasks: usize,
    chunk: usize,
}

/// What the caller and the workers share.
struct Shared {
    /// The loop on offer (`None` once the caller has finished it) and its generation.
    slot: Mutex<(Option<Job>, u64)>,
    wake: Condvar,
    /// The generation, readable without the lock while a worker polls.
    generation: AtomicU64,
    /// Next chunk of tasks to hand out.
    next: AtomicUsize,
    /// Tasks finished.
    done: AtomicUsize,
    /// Workers inside the current loop's body.
    active: AtomicUsize,
    /// A task panicked.
    panicked: AtomicBool,
}

// SAFETY: `Job::body` points to a `Sync` closure that outlives every use by a worker (the caller
// waits for `active == 0` after withdrawing the job); everything else is atomics and locks.
unsafe impl Send for Shared {}
// SAFETY: as above.
unsafe impl Sync for Shared {}

/// The CPU pool of the fused operations: `threads - 1` workers and the calling thread.
struct Pool {
    shared: Arc<Shared>,
    threads: usize,
    /// Held by the thread whose loop the pool runs; other callers run theirs inline.
    caller: Mutex<()>,
}

impl Shared {
    /// Take chunks of `job` until none is left, counting finished tasks.
    fn work(&self, job: Job) {
        let _guard = TaskGuard(IN_TASK.with(|t| t.replace(true)));
        loop {
            let start = self.next.fetch_add(1, Ordering::Relaxed) * job.chunk;
            if start >= job.tasks {
                return;
            }
            let r = start..(start + job.chunk).min(job.tasks);
            let len = r.len();
            // SAFETY: the body is alive while this thread is counted in `active` (workers) or
            // is the caller itself.
            let body = unsafe { &*job.body };
            if std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| body(r))).is_err() {
                self.panicked.store(true, Ordering::Relaxed);
            }
            self.done.fetch_add(len, Ordering::Release);
        }
    }

    fn worker(&self) {
        let mut seen = 0;
        loop {
            let t0 = Instant::now();
            let mut spins = 0u32;
            while self.generation.load(Ordering::Acquire) == seen {
                spin_loop();
                spins += 1;
                if spins.is_multiple_of(256) && t0.elapsed() > WORKER_SPIN {
                    break;
                }
            }
            let mut slot = self.slot.lock().unwrap_or_else(|e| e.into_inner());
            while slot.1 == seen {
                slot = self.wake.wait(slot).unwrap_or_else(|e| e.into_inner());
            }
            seen = slot.1;
            let Some(job) = slot.0 else { continue };
            self.active.fetch_add(1, Ordering::AcqRel);
            drop(slot);
            self.work(job);
            self.active.fetch_sub(1, Ordering::AcqRel);
        }
    }
}

/// Wait, spinning briefly and then yielding the core, until `ready()`.
fn wait_until(ready: impl Fn() -> bool) {
    let mut spins = 0u32;
    while !ready() {
        if spins < 4096 {
            spin_loop();
            spins += 1;
        } else {
            std::thread::yield_now();
        }
    }
}

/// The pool, started on first use with `RAYON_NUM_THREADS` threads when that is set (the same
/// count as rayon's global pool), else one per available core.
fn pool() -> &'static Pool {
    static POOL: OnceLock<Pool> = OnceLock::new();
    POOL.get_or_init(|| {
        let threads = std::env::var("RAYON_NUM_THREADS")
            .ok()
            .and_then(|v| v.parse::<usize>().ok())
            .filter(|&t| t > 0)
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |t| t.get()));
        let shared = Arc::new(Shared {
            slot: Mutex::new((None, 0)),
            wake: Condvar::new(),
            generation: AtomicU64::new(0),
            next: AtomicUsize::new(0),
            done: AtomicUsize::new(0),
            active: AtomicUsize::new(0),
            panicked: AtomicBool::new(false),
        });
        let mut started = 1;
        for i in 1..threads {
            let s = Arc::clone(&shared);
            let spawned = std::thread::Builder::new()
                .name(format!("breadth-nn-{i}"))
                .spawn(move || s.worker());
            // Without the thread the pool is smaller, never wrong.
            started += usize::from(spawned.is_ok());
        }
        Pool {
            shared,
            threads: started,
            caller: Mutex::new(()),
        }
    })
}

/// Clears [`IN_TASK`] when a task ends, also by a panic.
struct TaskGuard(bool);

impl Drop for TaskGuard {
    fn drop(&mut self) {
        IN_TASK.with(|t| t.set(self.0));
    }
}

/// Runs `f` with every parallel loop inside it inline on the calling thread: the
/// single-threaded reference of the tests of thread-count independence.
#[cfg(test)]
pub(crate) fn on_one_thread<R>(f: impl FnOnce() -> R) -> R {
    let _guard = TaskGuard(IN_TASK.with(|t| t.replace(true)));
    f()
}

/// Threads of the CPU pool, the caller included.
pub(crate) fn pool_threads() -> usize {
    pool().threads
}

/// Calls `f` on consecutive ranges that together cover the tasks `0..tasks` once, spread over
/// the CPU pool: the calling thread takes part, and every thread takes a few tasks at a time
/// from a shared cursor, so the caller never waits for a worker that has not started (on a busy
/// machine it may do every task itself). Inside a task, for a single task, or while another
/// thread's loop occupies the pool, the loop runs inline as one range.
///
/// # Panics
/// When a task panicked (after every task has run).
pub(crate) fn par_ranges(tasks: usize, f: impl Fn(Range<usize>) + Sync) {
    if tasks == 0 {
        return;
    }
    let pool = pool();
    let busy = || IN_TASK.with(Cell::get);
    let guard = match pool.caller.try_lock() {
        Ok(g) if tasks > 1 && pool.threads > 1 && !busy() => g,
        _ => return f(0..tasks),
    };
    let s = &*pool.shared;
    let body: &(dyn Fn(Range<usize>) + Sync) = &f;
    // SAFETY: only the lifetime is erased. Workers dereference the pointer only while counted
    // in `active`, and this function returns only after withdrawing the job and seeing
    // `active == 0`, so no use outlives `f`.
    let body: *const (dyn Fn(Range<usize>) + Sync + 'static) =
        unsafe { std::mem::transmute(body as *const (dyn Fn(Range<usize>) + Sync)) };
    let job = Job {
        body,
        tasks,
        chunk: tasks.div_ceil(4 * pool.threads),
    };
    {
        let mut slot = s.slot.lock().unwrap_or_else(|e| e.into_inner());
        s.next.store(0, Ordering::Relaxed);
        s.done.store(0, Ordering::Relaxed);
        s.panicked.store(false, Ordering::Relaxed);
        slot.0 = Some(job);
        slot.1 += 1;
        s.generation.store(slot.1, Ordering::Release);
    }
    s.wake.notify_all();
    s.work(job);
    wait_until(|| s.done.load(Ordering::Acquire) >= tasks);
    s.slot.lock().unwrap_or_else(|e| e.into_inner()).0 = None;
    wait_until(|| s.active.load(Ordering::Acquire) == 0);
    let panicked = s.panicked.load(Ordering::Relaxed);
    drop(guard);
    assert!(!panicked, "a task of a parallel loop panicked");
}

/// Calls `f(i)` once for every task `i` in `0..tasks`, in parallel (see [`par_ranges`]).
pub(crate) fn par_for(tasks: usize, f: impl Fn(usize) + Sync) {
    par_ranges(tasks, |r| r.for_each(&f));
}

/// Calls `f(i, chunk, scratch)` for the consecutive chunks of `chunk` values of `dst` (the last
/// may be shorter), in parallel, with a buffer of `scratch` zeros per range of tasks, which a
/// task gets as its predecessor in the range left it.
pub(crate) fn par_chunks_scratch<T: Send, S: WithDType>(
    dst: &mut [T],
    chunk: usize,
    scratch: usize,
    f: impl Fn(usize, &mut [T], &mut [S]) + Sync,
) {
    let chunk = chunk.max(1);
    let len = dst.len();
    let shared = Disjoint::new(dst);
    par_ranges(len.div_ceil(chunk), |tasks| {
        let mut buf = vec![zero::<S>(); scratch];
        for i in tasks {
            // SAFETY: the chunks of distinct tasks are disjoint, and each task runs once.
            f(
                i,
                unsafe { shared.range(i * chunk..((i + 1) * chunk).min(len)) },
                &mut buf,
            );
        }
    });
}

/// Calls `f(i, chunk)` for the consecutive chunks of `chunk` values of `dst` (the last may be
/// shorter), in parallel.
pub(crate) fn par_chunks_mut<T: Send>(
    dst: &mut [T],
    chunk: usize,
    f: impl Fn(usize, &mut [T]) + Sync,
) {
    let chunk = chunk.max(1);
    let len = dst.len();
    let shared = Disjoint::new(dst);
    par_for(len.div_ceil(chunk), |i| {
        // SAFETY: the chunks of distinct tasks are disjoint, and each task runs once.
        f(i, unsafe {
            shared.range(i * chunk..((i + 1) * chunk).min(len))
        })
    });
}

/// A mutable slice shared by parallel tasks that each write their own disjoint ranges of it.
pub(crate) struct Disjoint<'a, T> {
    ptr: *mut T,
    len: usize,
    _borrow: PhantomData<&'a mut [T]>,
}

// SAFETY: tasks reach the values only through `range`, whose contract keeps the ranges in use
// disjoint, so sending the view to other threads shares no value between threads.
unsafe impl<T: Send> Sync for Disjoint<'_, T> {}

impl<'a, T> Disjoint<'a, T> {
    /// Shares `s` until the view is dropped.
    pub(crate) fn new(s: &'a mut [T]) -> Self {
        Disjoint {
            ptr: s.as_mut_ptr(),
            len: s.len(),
            _borrow: PhantomData,
        }
    }

    /// The values in `r`.
    ///
    /// # Safety
    /// No two slices alive at the same time may overlap.
    #[allow(clippy::mut_from_ref)]
    pub(crate) unsafe fn range(&self, r: Range<usize>) -> &mut [T] {
        assert!(
            r.start <= r.end && r.end <= self.len,
            "Disjoint: range out of bounds"
        );
        // SAFETY: in bounds by the assertion; exclusive by the caller's contract.
        unsafe { std::slice::from_raw_parts_mut(self.ptr.add(r.start), r.len()) }
    }
}

/// The values of a contiguous CPU storage under `l`.
pub(crate) fn values<'a, T: WithDType>(
    s: &'a CpuStorage,
    l: &Layout,
    what: &str,
) -> Result<&'a [T]> {
    match l.contiguous_offsets() {
        Some((a, b)) => Ok(&s.as_slice::<T>()?[a..b]),
        None => candle_core::bail!("{what}: the fused operation needs contiguous tensors"),
    }
}

/// Run `f` on the values of the contiguous CPU tensor `t` (used by backward passes, which receive
/// tensors rather than storages).
pub(crate) fn with_values<T: WithDType, R>(
    t: &Tensor,
    what: &str,
    f: impl FnOnce(&[T]) -> Result<R>,
) -> Result<R> {
    let (storage, layout) = t.storage_and_layout();
    match &*storage {
        Storage::Cpu(s) => f(values::<T>(s, layout, what)?),
        _ => candle_core::bail!("{what}: the fused operation runs on the CPU only"),
    }
}

/// Runs `$f::<f32>(..)` or `$f::<f64>(..)` by the dtype `$dtype`, and fails for other dtypes.
macro_rules! by_dtype {
    ($op:expr, $dtype:expr, $f:ident ( $($arg:expr),* )) => {
        match $dtype {
            candle_core::DType::F32 => $f::<f32>($($arg),*),
            candle_core::DType::F64 => $f::<f64>($($arg),*),
            d => candle_core::bail!("{}: unsupported dtype {d:?}", $op),
        }
    };
}
pub(crate) use by_dtype;

#[cfg(test)]
mod tests {
    use super::*;
    use breadth_core::seeded_rng;
    use rand::Rng;

    /// The triple loop, the oracle of the kernel.
    fn naive(a: MatView<'_, f64>, b: MatView<'_, f64>) -> Vec<f64> {
        let mut c = vec![0.0; a.rows * b.cols];
        for i in 0..a.rows {
            for j in 0..b.cols {
                for p in 0..a.cols {
                    c[i * b.cols + j] += a.data[i * a.row_stride + p * a.col_stride]
                        * b.data[p * b.row_stride + j * b.col_stride];
                }
            }
        }
        c
    }

    #[test]
    fn every_task_runs_once_also_nested_and_repeated() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        for round in 0..300 {
            let tasks = 1 + round % 37;
            let hits: Vec<AtomicUsize> = (0..tasks * 3).map(|_| AtomicUsize::new(0)).collect();
            par_for(tasks, |i| {
                // A nested loop runs inline on the task's thread.
                par_for(3, |j| {
                    hits[i * 3 + j].fetch_add(1, Ordering::Relaxed);
                });
            });
            assert!(
                hits.iter().all(|h| h.load(Ordering::Relaxed) == 1),
                "round {round}"
            );
        }
        let mut v = vec![0usize; 1000];
        par_chunks_mut(&mut v, 7, |i, c| c.iter_mut().for_each(|x| *x += i + 1));
        assert!(v.iter().enumerate().all(|(k, &x)| x == k / 7 + 1));
    }

    #[test]
    fn a_panicking_task_panics_the_caller_and_the_pool_survives() {
        let r = std::panic::catch_unwind(|| {
            par_for(8, |i| assert!(i != 5, "task five"));
        });
        assert!(r.is_err());
        let mut v = vec![0u8; 64];
        par_chunks_mut(&mut v, 4, |_, c| c.fill(1));
        assert!(v.iter().all(|&x| x == 1));
    }

    #[test]
    fn the_row_split_product_equals_the_single_thread_one_bit_for_bit() {
        let mut rng = seeded_rng(4);
        let (m, k, n) = (150, 96, 130);
        let a: Vec<f32> = (0..m * k).map(|_| rng.random_range(-1.0..1.0)).collect();
        let b: Vec<f32> = (0..k * n).map(|_| rng.random_range(-1.0..1.0)).collect();
        let (av, bv) = (MatView::row_major(&a, m, k), MatView::row_major(&b, k, n));
        assert!(2 * m * n * k >= PAR_MIN_FLOPS);
        let mut one = vec![0.5f32; m * n];
        let mut pool = one.clone();
        gemm_into(&mut one, av, bv, true, Threads::Caller);
        gemm_into(&mut pool, av, bv, true, Threads::Pool);
        assert_eq!(one, pool);
    }

    #[test]
    fn matches_the_triple_loop_with_transposes_and_accumulation() {
        let mut rng = seeded_rng(3);
        let (m, k, n) = (37, 19, 53);
        let a: Vec<f64> = (0..m * k).map(|_| rng.random_range(-1.0..1.0)).collect();
        let b: Vec<f64> = (0..n * k).map(|_| rng.random_range(-1.0..1.0)).collect();
        let (av, bv) = (
            MatView::row_major(&a, m, k),
            MatView::row_major(&b, n, k).t(),
        );
        let want = naive(av, bv);
        for threads in [Threads::Caller, Threads::Pool] {
            let mut c = vec![1.0; m * n];
            gemm_into(&mut c, av, bv, true, threads);
            for (got, w) in c.iter().zip(&want) {
                assert!((got - 1.0 - w).abs() < 1e-12, "{got} vs {w}");
            }
            gemm_into(&mut c, av, bv, false, threads);
            for (got, w) in c.iter().zip(&want) {
                assert!((got - w).abs() < 1e-12, "{got} vs {w}");
            }
        }
    }
}
