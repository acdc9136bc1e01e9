//! Zero-copy bridges between `ndarray` (the public array type) and `faer` (the linear algebra).
//!
//! An `ndarray` view is a pointer, a shape and element strides; so is a `faer` view. Converting is
//! therefore free in both directions as long as the strides are representable, which they always
//! are for `ndarray` views. Use [`as_faer`] to hand a matrix to faer's GEMM, QR, SVD, Cholesky or
//! eigen solvers, and [`to_ndarray`] to bring a result back.
//!
//! ```
//! use breadth_core::linalg::{as_faer, to_ndarray};
//! use ndarray::array;
//! let a = array![[1.0, 2.0], [3.0, 4.0]];
//! let b = array![[5.0], [6.0]];
//! let c = as_faer(a.view()) * as_faer(b.view());
//! assert_eq!(to_ndarray(c.as_ref()), a.dot(&b));
//! ```

use faer::{MatMut, MatRef};
use ndarray::{Array2, ArrayView2, ArrayViewMut2, ShapeBuilder};

/// View an ndarray matrix as a faer matrix, without copying.
pub fn as_faer(a: ArrayView2<'_, f64>) -> MatRef<'_, f64> {
    let (rows, cols) = a.dim();
    let strides = a.strides();
    // SAFETY: the pointer, shape and element strides come from a live ndarray view borrowed for
    // the returned lifetime; faer reads exactly the elements the view covers.
    unsafe { MatRef::from_raw_parts(a.as_ptr(), rows, cols, strides[0], strides[1]) }
}

/// View a mutable ndarray matrix as a mutable faer matrix, without copying.
pub fn as_faer_mut(mut a: ArrayViewMut2<'_, f64>) -> MatMut<'_, f64> {
    let (rows, cols) = a.dim();
    let (rs, cs) = (a.strides()[0], a.strides()[1]);
    // SAFETY: as in `as_faer`, and the view is uniquely borrowed for the returned lifetime.
    unsafe { MatMut::from_raw_parts_mut(a.as_mut_ptr(), rows, cols, rs, cs) }
}

/// Copy a faer matrix into an owned ndarray matrix (column-major faer results become
/// Fortran-ordered arrays, so the copy is one contiguous pass).
pub fn to_ndarray(m: MatRef<'_, f64>) -> Array2<f64> {
    let (rows, cols) = (m.nrows(), m.ncols());
    let mut out = Array2::<f64>::zeros((rows, cols).f());
    for j in 0..cols {
        for i in 0..rows {
            out[[i, j]] = m[(i, j)];
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{s, Array2};

    #[test]
    fn strided_and_transposed_views_agree_with_ndarray() {
        let a = Array2::from_shape_fn((7, 5), |(i, j)| (i * 5 + j) as f64 * 0.5 - 3.0);
        let b = Array2::from_shape_fn((7, 4), |(i, j)| ((i + 2 * j) % 5) as f64);
        let at = a.t();
        let sub = b.slice(s![.., ..;2]);
        let ours = to_ndarray((as_faer(at) * as_faer(sub)).as_ref());
        assert_eq!(ours, at.dot(&sub));
    }

    #[test]
    fn mutable_view_writes_through() {
        let mut a = Array2::<f64>::zeros((2, 3));
        as_faer_mut(a.view_mut())[(1, 2)] = 4.0;
        assert_eq!(a[[1, 2]], 4.0);
    }
}
