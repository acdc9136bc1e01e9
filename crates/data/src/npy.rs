//! NumPy `.npy` files (format versions 1 and 2) for 1-D and 2-D `float64` arrays, the exchange
//! format of the side-by-side benchmarks: the harness writes the data once with `numpy.save`, and
//! both breadth and the peer read the same bytes.
//!
//! Layout: the magic `\x93NUMPY`, a version (major, minor), a little-endian header length (u16 in
//! version 1, u32 in version 2), an ASCII Python dict `{'descr': '<f8', 'fortran_order': False,
//! 'shape': (n, d), }` padded with spaces to a multiple of 64 bytes, then the raw values.
//! Integer (`<i8`, `<i4`) and `<f4` files are read and widened to `f64`.
//!
//! ```
//! use breadth_data::npy::{to_bytes, from_bytes};
//! use ndarray::array;
//! let a = array![[1.0, 2.0], [3.0, 4.5]];
//! assert_eq!(from_bytes(&to_bytes(&a.view()), "m.npy").unwrap(), a);
//! ```

use std::path::Path;

use breadth_core::{Error, Result};
use ndarray::{Array2, ArrayView2};

const MAGIC: &[u8] = b"\x93NUMPY";

fn bad(source: &str, reason: impl Into<String>) -> Error {
    Error::Parse {
        source_name: source.into(),
        line: 0,
        reason: reason.into(),
    }
}

/// Serialize a matrix as a version-1 `.npy` file of `<f8`, C order.
pub fn to_bytes(a: &ArrayView2<'_, f64>) -> Vec<u8> {
    let mut header = format!(
        "{{'descr': '<f8', 'fortran_order': False, 'shape': ({}, {}), }}",
        a.nrows(),
        a.ncols()
    );
    let unpadded = MAGIC.len() + 2 + 2 + header.len() + 1;
    header.push_str(&" ".repeat((64 - unpadded % 64) % 64));
    header.push('\n');
    let mut out = Vec::with_capacity(unpadded + 64 + a.len() * 8);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&[1, 0]);
    out.extend_from_slice(&(header.len() as u16).to_le_bytes());
    out.extend_from_slice(header.as_bytes());
    for v in a.iter() {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out
}

fn dict_value<'a>(header: &'a str, key: &str) -> Option<&'a str> {
    let start = header.find(&format!("'{key}'"))? + key.len() + 2;
    let rest = header[start..].trim_start().strip_prefix(':')?.trim_start();
    let end = if rest.starts_with('(') {
        rest.find(')')? + 1
    } else {
        rest.find(',')?
    };
    Some(rest[..end].trim())
}

/// Parse `.npy` bytes; a 1-D array becomes one column.
pub fn from_bytes(bytes: &[u8], source: &str) -> Result<Array2<f64>> {
    if bytes.len() < 10 || &bytes[..6] != MAGIC {
        return Err(bad(source, "not a .npy file (bad magic)"));
    }
    let (len, start) = match bytes[6] {
        1 => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10),
        2 | 3 if bytes.len() >= 12 => (
            u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize,
            12,
        ),
        v => return Err(bad(source, format!("unsupported .npy version {v}"))),
    };
    let header = bytes
        .get(start..start + len)
        .and_then(|h| std::str::from_utf8(h).ok())
        .ok_or_else(|| bad(source, "truncated or non-text .npy header"))?;
    let descr = dict_value(header, "descr").ok_or_else(|| bad(source, "no descr in header"))?;
    let width = match descr.trim_matches('\'') {
        "<f8" | "<i8" => 8,
        "<f4" | "<i4" => 4,
        other => {
            return Err(bad(
                source,
                format!("unsupported dtype {other}; use float64"),
            ))
        }
    };
    if dict_value(header, "fortran_order") != Some("False") {
        return Err(bad(
            source,
            "Fortran-ordered arrays are not supported; save a C-ordered copy",
        ));
    }
    let shape = dict_value(header, "shape").ok_or_else(|| bad(source, "no shape in header"))?;
    let dims: Vec<usize> = shape
        .trim_matches(|c| c == '(' || c == ')')
        .split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|s| {
            s.trim()
                .parse::<usize>()
                .map_err(|_| bad(source, format!("bad shape {shape}")))
        })
        .collect::<Result<_>>()?;
    let (rows, cols) = match dims[..] {
        [n] => (n, 1),
        [n, d] => (n, d),
        _ => {
            return Err(bad(
                source,
                format!("expected a 1-D or 2-D array, shape is {shape}"),
            ))
        }
    };
    let data = &bytes[start + len..];
    let count = rows
        .checked_mul(cols)
        .ok_or_else(|| bad(source, "shape overflows"))?;
    if data.len() != count * width {
        return Err(bad(
            source,
            format!(
                "expected {} data bytes, found {}",
                count * width,
                data.len()
            ),
        ));
    }
    let kind = descr.trim_matches('\'');
    let values: Vec<f64> = data
        .chunks_exact(width)
        .map(|c| match kind {
            "<f8" => f64::from_le_bytes(c.try_into().expect("8 bytes")),
            "<i8" => i64::from_le_bytes(c.try_into().expect("8 bytes")) as f64,
            "<f4" => f64::from(f32::from_le_bytes(c.try_into().expect("4 bytes"))),
            _ => f64::from(i32::from_le_bytes(c.try_into().expect("4 bytes"))),
        })
        .collect();
    Array2::from_shape_vec((rows, cols), values).map_err(|e| bad(source, e.to_string()))
}

/// Read a `.npy` file.
pub fn read(path: &Path) -> Result<Array2<f64>> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    from_bytes(&bytes, &path.display().to_string())
}

/// Write a `.npy` file atomically.
pub fn write(path: &Path, a: &ArrayView2<'_, f64>) -> Result<()> {
    breadth_core::model_file::write_atomic(path, &to_bytes(a))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_is_padded_to_64_bytes() {
        let a = Array2::from_shape_fn((3, 2), |(i, j)| (i * 2 + j) as f64);
        let b = to_bytes(&a.view());
        let len = u16::from_le_bytes([b[8], b[9]]) as usize;
        assert_eq!((10 + len) % 64, 0);
        assert_eq!(from_bytes(&b, "m").unwrap(), a);
    }

    #[test]
    fn truncation_and_garbage_are_errors() {
        let b = to_bytes(&Array2::<f64>::zeros((2, 2)).view());
        for cut in 0..b.len() {
            assert!(from_bytes(&b[..cut], "m").is_err());
        }
        assert!(from_bytes(b"hello world", "m").is_err());
    }
}
