//! A minimal `.npy` reader for the benchmark examples (little-endian f64, C order, 1-D or 2-D).
//! breadth-metrics must not depend on breadth-data (which depends on it), so the examples carry
//! this small reader instead of `breadth_data::npy`.

use ndarray::Array2;

/// Read a float64 `.npy` file as a matrix (a 1-D array becomes one column).
pub fn read_npy(path: &str) -> Array2<f64> {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    assert_eq!(&bytes[..6], b"\x93NUMPY", "{path}: not an .npy file");
    let (header_len, start) = if bytes[6] == 1 {
        (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10)
    } else {
        (
            u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize,
            12,
        )
    };
    let header = std::str::from_utf8(&bytes[start..start + header_len]).expect("ASCII header");
    assert!(
        header.contains("'<f8'") && header.contains("'fortran_order': False"),
        "{path}: need C-order <f8, got {header}"
    );
    let shape_txt = header
        .split("'shape': (")
        .nth(1)
        .and_then(|s| s.split(')').next())
        .expect("shape");
    let dims: Vec<usize> = shape_txt
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let (rows, cols) = match dims.as_slice() {
        [n] => (*n, 1),
        [r, c] => (*r, *c),
        other => panic!("{path}: unsupported shape {other:?}"),
    };
    let data: Vec<f64> = bytes[start + header_len..]
        .chunks_exact(8)
        .map(|c| f64::from_le_bytes(c.try_into().expect("8 bytes")))
        .collect();
    Array2::from_shape_vec((rows, cols), data).expect("shape matches the data")
}
