//! Helpers shared by the unit tests: reading the PyTorch fixtures written by `reference/nn.py`
//! (torch 2.15.0, CPU) and comparing tensors.

use candle_core::{DType, Device, Tensor};
use serde_json::Value;

/// The fixture file `name` under `tests/fixtures/nn/`, parsed.
pub fn fixture(name: &str) -> Value {
    let path = format!(
        "{}/tests/fixtures/nn/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap()
}

/// A `{shape, data}` fixture entry as a tensor of `dtype` (integers become i64 when `dtype` is I64).
pub fn tensor(v: &Value, dtype: DType) -> Tensor {
    let shape: Vec<usize> = v["shape"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_u64().unwrap() as usize)
        .collect();
    let data: Vec<f64> = v["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_f64().unwrap())
        .collect();
    let t = Tensor::from_vec(data, shape, &Device::Cpu).unwrap();
    if dtype == DType::I64 {
        let ints: Vec<i64> = t
            .flatten_all()
            .unwrap()
            .to_vec1::<f64>()
            .unwrap()
            .iter()
            .map(|&x| x as i64)
            .collect();
        Tensor::from_vec(ints, t.shape(), &Device::Cpu).unwrap()
    } else {
        t.to_dtype(dtype).unwrap()
    }
}

/// Largest `|a - b| / max(1, |b|)` over all elements (shapes must agree).
pub fn max_rel_err(a: &Tensor, b: &Tensor) -> f64 {
    assert_eq!(a.dims(), b.dims(), "shapes differ");
    let a = a
        .to_dtype(DType::F64)
        .unwrap()
        .flatten_all()
        .unwrap()
        .to_vec1::<f64>()
        .unwrap();
    let b = b
        .to_dtype(DType::F64)
        .unwrap()
        .flatten_all()
        .unwrap()
        .to_vec1::<f64>()
        .unwrap();
    a.iter()
        .zip(&b)
        .map(|(x, y)| (x - y).abs() / y.abs().max(1.0))
        .fold(0.0, f64::max)
}

/// Assert `a` matches `b` within `tol` (relative to `max(1, |b|)`), naming the comparison.
pub fn assert_close(a: &Tensor, b: &Tensor, tol: f64, what: &str) {
    let err = max_rel_err(a, b);
    assert!(err <= tol, "{what}: max error {err:e} > {tol:e}");
}

/// Run `f` on the fixture case's `inputs` (in the order named; names ending in `:int` are loaded
/// as i64 and get no gradient) and check the output and the gradient of `sum(out * grad_out)`
/// with respect to every float input against the stored PyTorch values, within `tol`.
pub fn check_case<F>(case: &Value, names: &[&str], tol: f64, f: F)
where
    F: Fn(&[Tensor]) -> candle_core::Result<Tensor>,
{
    let mut args = Vec::new();
    for name in names {
        let t = match name.strip_suffix(":int") {
            Some(n) => tensor(&case["inputs"][n], DType::I64),
            None => candle_core::Var::from_tensor(&tensor(&case["inputs"][name], DType::F32))
                .unwrap()
                .as_tensor()
                .clone(),
        };
        args.push(t);
    }
    let y = f(&args).unwrap();
    assert_close(&y, &tensor(&case["out"], DType::F32), tol, "forward");
    let g = tensor(&case["grad_out"], DType::F32)
        .reshape(y.shape())
        .unwrap();
    let grads = (y * g).unwrap().sum_all().unwrap().backward().unwrap();
    for (name, t) in names.iter().zip(&args) {
        if name.ends_with(":int") {
            continue;
        }
        let want = tensor(&case["grads"][name], DType::F32);
        let got = grads
            .get(t)
            .unwrap_or_else(|| panic!("no gradient for {name}"));
        assert_close(got, &want, tol, &format!("gradient of {name}"));
    }
}
