//! The f32 matrix products inside the fused LSTM ([`super::fused`]), as AVX-512 register tiles.
//!
//! Every product there is $C = C_0 + A B$ ([`Init`]: $C_0$ zero, $C$ itself, or a bias row) with
//! $B$ row-major ($B_{kj}$ at `b[k ldb + j]`), $C$ row-major, and $A$ read through two strides
//! ($A_{rk}$ at `a[r rs + k cs]`, so $A$ may be a transposed view). Per step and block of 16
//! rows: $b + [x_t \; h_{t-1}] W^\top$, $(16 \times (I + H))((I + H) \times 4H)$; $\bar A_t
//! W_{hh}$, $(16 \times 4H)(4H \times H)$; $\bar A_t W_{ih}$, $(16 \times 4H)(4H \times I)$.
//! Per block: $\bar A^\top [X \; H_{-1}]$, $(4H \times 16T)(16T \times (I + H))$.
//!
//! **Why not the general GEMM.** The gemm crate (through faer) packs its operands on every call,
//! and its widest AVX-512 tile covers 96 entries of the contiguous dimension, so $4H = 512$ splits
//! into $5 \cdot 96 + 32$ and $H = 128$ into $96 + 32$: the 32-wide remainder kernel ran at about
//! a quarter of the speed and took 13% of an LSTM training run, the packing another 6%.
//!
//! **The tile.** $C$ is cut into tiles of $R \le 4$ rows by $16V \le 64$ columns held in $RV \le
//! 16$ zmm accumulators. For each $k$ the tile loads $V$ vectors $B_{k, j..j+16V}$ and broadcasts
//! $R$ scalars $A_{rk}$: $RV$ fused multiply-adds for $R + V$ loads, with more independent
//! accumulators than the FMA latency needs. Column tiles run outermost, so a $K \times 64$ panel
//! of $B$ is reused from cache by every row tile. Nothing is packed: the callers lay out $B$
//! row-major once (the weights per call of the op, activations as they are stored). When $A$ is a
//! transposed view, $K$ is cut into passes of 64 (see `KC_STRIDED`). Measured alone with hot
//! caches, one thread (peak about 101 GFLOP/s): the per-step products 95-111 GFLOP/s, 5-10%
//! above faer; the large ones 98-108, within 8% of faer either way. Inside the op the gain is
//! larger: nothing is packed per call, and the weight gradient's passes keep $A$ in L1.
//! $N$ must be a multiple of 16; otherwise, without AVX-512, and for `f64`, the product goes to
//! faer, which is also the test oracle below.
//!
//! Every output is a sum over $k$ in increasing order with one rounding per FMA, so results do
//! not depend on how the rows are split among threads.

use faer::linalg::matmul::matmul;
use faer::{Accum, MatMut, MatRef, Par};

use super::fused::Elem;

/// $C \mathrel{(+)}= A B$, `m` x `n` x `k`; see the module docs for the layouts.
#[derive(Clone, Copy)]
pub(crate) struct Gemm<'a, T> {
    pub m: usize,
    pub n: usize,
    pub k: usize,
    /// $A$ and its row and column strides.
    pub a: &'a [T],
    pub a_rs: usize,
    pub a_cs: usize,
    /// $B$, row-major with row stride `ldb`.
    pub b: &'a [T],
    pub ldb: usize,
    /// What $C$ starts from.
    pub init: Init<'a, T>,
}

/// The starting value of $C$ in $C = C_0 + A B$.
#[derive(Clone, Copy)]
pub(crate) enum Init<'a, T> {
    /// $C_0 = 0$.
    Zero,
    /// $C_0 = C$: add to what is there.
    Keep,
    /// $C_0$ = this row (length $N$) in every row, e.g. a bias.
    Row(&'a [T]),
}

impl Gemm<'_, f32> {
    /// Run the product into `c` (row-major, row stride `ldc`) with the AVX-512 tiles where the
    /// CPU has them and $N$ is a multiple of 16, else with faer.
    ///
    /// # Panics
    /// If a slice is too short for the sizes and strides (an internal invariant of the caller).
    pub fn run_f32(&self, c: &mut [f32], ldc: usize) {
        if !self.check(c, ldc) {
            return;
        }
        #[cfg(target_arch = "x86_64")]
        if self.n.is_multiple_of(16) && avx512::available() {
            // SAFETY: the CPU has AVX-512F, and `check` keeps every access in bounds.
            return unsafe { avx512::gemm(self, c.as_mut_ptr(), ldc) };
        }
        self.with_faer(c, ldc);
    }
}

impl<T: Elem> Gemm<'_, T> {
    /// Run the product into `c` (row-major, row stride `ldc`): [`Gemm::run_f32`] for `f32`,
    /// faer otherwise.
    ///
    /// # Panics
    /// If a slice is too short for the sizes and strides (an internal invariant of the caller).
    pub fn run(&self, c: &mut [T], ldc: usize) {
        T::small_gemm(self, c, ldc);
    }

    /// The same product through faer: the fallback and the oracle.
    pub fn with_faer(&self, c: &mut [T], ldc: usize) {
        if !self.check(c, ldc) {
            return;
        }
        let (m, n, k) = (self.m, self.n, self.k);
        // SAFETY: `check` keeps every (r, k) of the strided view inside `self.a`.
        let a = unsafe {
            MatRef::from_raw_parts(
                self.a.as_ptr(),
                m,
                k,
                self.a_rs as isize,
                self.a_cs as isize,
            )
        };
        let b = MatRef::from_row_major_slice_with_stride(self.b, k, n, self.ldb);
        // Not `MatMut::from_row_major_slice_with_stride_mut`: faer 0.24.4 builds that one with
        // the two strides swapped (row stride 1), a column-major view.
        // SAFETY: `check` keeps every (r, j) with row stride `ldc` inside `c`.
        let mut c = unsafe { MatMut::from_raw_parts_mut(c.as_mut_ptr(), m, n, ldc as isize, 1) };
        let accum = match self.init {
            Init::Zero => Accum::Replace,
            Init::Keep => Accum::Add,
            Init::Row(row) => {
                for r in 0..m {
                    for (j, &v) in row[..n].iter().enumerate() {
                        c[(r, j)] = v;
                    }
                }
                Accum::Add
            }
        };
        matmul(c, accum, a, b, T::one(), Par::Seq);
    }

    /// Panics unless every slice is long enough for the sizes and strides; false when C is
    /// empty (nothing to do).
    fn check(&self, c: &[T], ldc: usize) -> bool {
        let (m, n, k) = (self.m, self.n, self.k);
        if m == 0 || n == 0 {
            return false;
        }
        if let Init::Row(row) = self.init {
            assert!(row.len() >= n, "small_gemm: initial row too short");
        }
        let last =
            |rows: usize, rs: usize, cols: usize, cs: usize| (rows - 1) * rs + (cols - 1) * cs;
        assert!(c.len() > last(m, ldc, n, 1), "small_gemm: C too short");
        if k > 0 {
            assert!(
                self.a.len() > last(m, self.a_rs, k, self.a_cs),
                "small_gemm: A too short"
            );
            assert!(
                self.b.len() > last(k, self.ldb, n, 1),
                "small_gemm: B too short"
            );
        }
        true
    }
}

#[cfg(target_arch = "x86_64")]
mod avx512 {
    use super::{Gemm, Init};
    use std::arch::x86_64::*;

    /// Rows and 16-wide column vectors of the largest tile.
    const R: usize = 4;
    const V: usize = 4;
    /// The $k$ range of one pass when $A$ is read across rows (`a_cs > 1`, the weight
    /// gradients $\bar A^\top [X \; H]$): each $k$ then touches a new cache line of $A$, and
    /// 64 of them with a $64 \times 64$ panel of $B$ (16 KiB) stay in L1 while every row tile
    /// reuses them. Measured on $(512 \times 800)(800 \times 160)$: a fifth faster than one pass
    /// over all of $K$; blocking the other products (rows of $A$ contiguous) only added traffic
    /// to $C$.
    const KC_STRIDED: usize = 64;

    pub(super) fn available() -> bool {
        std::is_x86_feature_detected!("avx512f")
    }

    /// The product as passes over $k$ ranges ([`KC_STRIDED`]), each over all tiles.
    ///
    /// # Safety
    /// As [`tile`]'s: the CPU has AVX-512F, every addressed element is inside `g.a`, `g.b`
    /// and `c`, and `g.n` is a multiple of 16.
    #[target_feature(enable = "avx512f")]
    pub(super) unsafe fn gemm(g: &Gemm<'_, f32>, c: *mut f32, ldc: usize) {
        let kc = if g.a_cs == 1 { g.k } else { KC_STRIDED };
        let mut k0 = 0;
        loop {
            let kn = (g.k - k0).min(kc);
            // The first pass starts C as asked, the later ones add to it.
            let pass = Gemm {
                k: kn,
                a: &g.a[(k0 * g.a_cs).min(g.a.len())..],
                b: &g.b[(k0 * g.ldb).min(g.b.len())..],
                init: if k0 == 0 { g.init } else { Init::Keep },
                ..*g
            };
            // SAFETY: the pass addresses a subset of what the whole product does.
            unsafe { panel(&pass, c, ldc) };
            k0 += kn;
            if k0 >= g.k {
                break;
            }
        }
    }

    /// One pass: column tiles of 64 outermost, so that one panel of $B$ serves every row tile.
    #[target_feature(enable = "avx512f")]
    unsafe fn panel(g: &Gemm<'_, f32>, c: *mut f32, ldc: usize) {
        let mut j = 0;
        while j < g.n {
            let vectors = ((g.n - j) / 16).min(V);
            let mut r = 0;
            while r < g.m {
                let rows = (g.m - r).min(R);
                // SAFETY: (r, j) is inside C and the tile inside (m, n), as the caller promised.
                unsafe {
                    match (rows, vectors) {
                        (4, 4) => tile::<4, 4>(g, c, ldc, r, j),
                        (3, 4) => tile::<3, 4>(g, c, ldc, r, j),
                        (2, 4) => tile::<2, 4>(g, c, ldc, r, j),
                        (1, 4) => tile::<1, 4>(g, c, ldc, r, j),
                        (4, 3) => tile::<4, 3>(g, c, ldc, r, j),
                        (3, 3) => tile::<3, 3>(g, c, ldc, r, j),
                        (2, 3) => tile::<2, 3>(g, c, ldc, r, j),
                        (1, 3) => tile::<1, 3>(g, c, ldc, r, j),
                        (4, 2) => tile::<4, 2>(g, c, ldc, r, j),
                        (3, 2) => tile::<3, 2>(g, c, ldc, r, j),
                        (2, 2) => tile::<2, 2>(g, c, ldc, r, j),
                        (1, 2) => tile::<1, 2>(g, c, ldc, r, j),
                        (4, _) => tile::<4, 1>(g, c, ldc, r, j),
                        (3, _) => tile::<3, 1>(g, c, ldc, r, j),
                        (2, _) => tile::<2, 1>(g, c, ldc, r, j),
                        _ => tile::<1, 1>(g, c, ldc, r, j),
                    }
                }
                r += rows;
            }
            j += 16 * vectors;
        }
    }

    /// One `RR` x `16 VV` tile of C at row `r0`, column `j0`.
    ///
    /// # Safety
    /// The CPU has AVX-512F; `g.a`, `g.b` and `c` (row stride `ldc`) hold every element the
    /// tile addresses.
    #[target_feature(enable = "avx512f")]
    #[inline]
    unsafe fn tile<const RR: usize, const VV: usize>(
        g: &Gemm<'_, f32>,
        c: *mut f32,
        ldc: usize,
        r0: usize,
        j0: usize,
    ) {
        // SAFETY (whole body): every pointer stays inside the extents the caller vouched for.
        unsafe {
            let mut acc = [[_mm512_setzero_ps(); VV]; RR];
            match g.init {
                Init::Zero => {}
                Init::Keep => {
                    for (r, row) in acc.iter_mut().enumerate() {
                        for (v, x) in row.iter_mut().enumerate() {
                            *x = _mm512_loadu_ps(c.add((r0 + r) * ldc + j0 + 16 * v));
                        }
                    }
                }
                Init::Row(init) => {
                    for row in acc.iter_mut() {
                        for (v, x) in row.iter_mut().enumerate() {
                            *x = _mm512_loadu_ps(init.as_ptr().add(j0 + 16 * v));
                        }
                    }
                }
            }
            let mut a = g.a.as_ptr().add(r0 * g.a_rs);
            let mut b = g.b.as_ptr().add(j0);
            for _ in 0..g.k {
                let mut bv = [_mm512_setzero_ps(); VV];
                for (v, x) in bv.iter_mut().enumerate() {
                    *x = _mm512_loadu_ps(b.add(16 * v));
                }
                for (r, row) in acc.iter_mut().enumerate() {
                    let ar = _mm512_set1_ps(*a.add(r * g.a_rs));
                    for (x, &bx) in row.iter_mut().zip(&bv) {
                        *x = _mm512_fmadd_ps(ar, bx, *x);
                    }
                }
                a = a.add(g.a_cs);
                b = b.add(g.ldb);
            }
            for (r, row) in acc.iter().enumerate() {
                for (v, &x) in row.iter().enumerate() {
                    _mm512_storeu_ps(c.add((r0 + r) * ldc + j0 + 16 * v), x);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use breadth_core::seeded_rng;
    use rand::Rng;

    fn random(len: usize, seed: u64) -> Vec<f32> {
        let mut rng = seeded_rng(seed);
        (0..len).map(|_| rng.random_range(-1.0..1.0)).collect()
    }

    /// The tiles agree with faer on every remainder of rows (1-4) and column vectors (1-4),
    /// with padded strides, a transposed A, K = 0 and every starting value of C.
    #[test]
    fn matches_faer() {
        for &(m, n, k) in &[
            (16, 512, 128),
            (7, 80, 33),
            (1, 16, 1),
            (5, 48, 0),
            (9, 112, 17),
            (3, 32, 200),
        ] {
            for transposed in [false, true] {
                let row = random(n, 4);
                for init in [Init::Zero, Init::Keep, Init::Row(&row)] {
                    let (a_rs, a_cs) = if transposed { (1, m + 3) } else { (k + 2, 1) };
                    let a = random((m + 3) * (k + 3), 1);
                    let (ldb, ldc) = (n + 16, n + 5);
                    let b = random(k.max(1) * ldb, 2);
                    let g = Gemm {
                        m,
                        n,
                        k,
                        a: &a,
                        a_rs,
                        a_cs,
                        b: &b,
                        ldb,
                        init,
                    };
                    let c0 = random(m * ldc, 3);
                    let (mut fast, mut oracle) = (c0.clone(), c0.clone());
                    g.run(&mut fast, ldc);
                    g.with_faer(&mut oracle, ldc);
                    for (x, y) in fast.iter().zip(&oracle) {
                        assert!(
                            (x - y).abs() <= 1e-5 * (1.0 + y.abs()),
                            "{m}x{n}x{k} transposed {transposed}: {x} vs {y}"
                        );
                    }
                }
            }
        }
    }
}
