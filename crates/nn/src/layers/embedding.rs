//! Embedding lookup: integer ids to learned vectors.
//!
//! $y_{\dots} = E_{\text{id}_{\dots}}$ for a table $E \in \mathbb{R}^{V \times d}$ of $V$ rows.
//! Backward scatters the upstream gradient into the rows that were looked up,
//! $\partial L / \partial E_v = \sum_{\text{positions } p: \text{id}_p = v} G_p$ (repeated ids
//! accumulate). Initialised $N(0, 1)$ as PyTorch's `nn.Embedding`.
//!
//! Shapes: ids of any shape (u32 or i64) give $(\text{ids shape}, d)$. Cost: $O(n d)$ for $n$ ids.
//! Reference: Y. Bengio et al., *A Neural Probabilistic Language Model*, JMLR 2003.
//!
//! ```
//! use breadth_nn::layers::embedding::Embedding;
//! use candle_core::{Device, Tensor, Var};
//! let table = Var::new(&[[0.0f32, 0.0], [1.0, 2.0], [3.0, 4.0]], &Device::Cpu).unwrap();
//! let emb = Embedding::from_var(table);
//! let ids = Tensor::new(&[[2u32, 1]], &Device::Cpu).unwrap();
//! let y = emb.apply(&ids).unwrap();
//! assert_eq!(y.dims(), &[1, 2, 2]);
//! assert_eq!(y.get(0).unwrap().get(0).unwrap().to_vec1::<f32>().unwrap(), vec![3.0, 4.0]);
//! assert!(emb.apply(&Tensor::new(&[3u32], &Device::Cpu).unwrap()).is_err());
//! ```

use breadth_core::Rng;
use candle_core::{DType, Result, Tensor, Var};

use crate::init::Init;
use crate::params::Params;

/// A table of `vocab` vectors of dimension `dim`.
#[derive(Debug, Clone)]
pub struct Embedding {
    table: Var,
}

impl Embedding {
    /// A table registered as `{name}.weight`, drawn from $N(0, 1)$.
    pub fn new(
        params: &mut Params,
        name: &str,
        vocab: usize,
        dim: usize,
        rng: &mut Rng,
        dtype: DType,
    ) -> breadth_core::Result<Self> {
        if vocab == 0 || dim == 0 {
            return Err(breadth_core::Error::param(
                name,
                format!("an embedding needs positive sizes, got {vocab} x {dim}"),
            ));
        }
        let init = Init::Normal { std: 1.0 };
        let table = params.add(
            &format!("{name}.weight"),
            init.sample(&[vocab, dim], rng, dtype)?,
            true,
        )?;
        Ok(Embedding { table })
    }

    /// An embedding over an existing $(V, d)$ table.
    pub fn from_var(table: Var) -> Self {
        Embedding { table }
    }

    /// The table, $(V, d)$.
    pub fn table(&self) -> &Var {
        &self.table
    }

    /// Look up `ids` (u32 or i64, any shape); ids outside $[0, V)$ are an error.
    pub fn apply(&self, ids: &Tensor) -> Result<Tensor> {
        let (vocab, dim) = self.table.dims2()?;
        let flat = ids.flatten_all()?.to_dtype(DType::I64)?;
        let host = flat.to_vec1::<i64>()?;
        if let Some(bad) = host.iter().find(|&&i| i < 0 || i as usize >= vocab) {
            candle_core::bail!("embedding id {bad} outside the vocabulary of {vocab}");
        }
        let mut shape = ids.dims().to_vec();
        shape.push(dim);
        self.table.index_select(&flat, 0)?.reshape(shape)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gradcheck::check_gradients;
    use crate::test_support::{check_case, fixture};
    use breadth_core::seeded_rng;
    use candle_core::Device;

    /// Forward and backward (with repeated ids) against `reference/nn.py` (torch 2.15.0), 1e-5.
    #[test]
    fn matches_pytorch() {
        let case = &fixture("layers")["cases"]["embedding"];
        check_case(case, &["idx:int", "weight"], 1e-5, |v| {
            Embedding::from_var(Var::from_tensor(&v[1])?).apply(&v[0])
        });
    }

    #[test]
    fn finite_differences_with_repeated_ids() {
        let ids = Tensor::new(&[[0u32, 2, 0], [1, 0, 2]], &Device::Cpu).unwrap();
        let table = Init::XavierNormal { gain: 1.0 }
            .sample(&[3, 2], &mut seeded_rng(0), DType::F64)
            .unwrap();
        let err = check_gradients(
            |v| Embedding::from_var(Var::from_tensor(&v[0])?).apply(&ids),
            &[table],
            1e-6,
        )
        .unwrap();
        assert!(err < 1e-8, "{err:e}");
    }

    #[test]
    fn standard_normal_table() {
        let mut p = Params::new();
        let e = Embedding::new(&mut p, "emb", 100, 50, &mut seeded_rng(0), DType::F64).unwrap();
        let v = e.table().flatten_all().unwrap().to_vec1::<f64>().unwrap();
        let var = v.iter().map(|x| x * x).sum::<f64>() / v.len() as f64;
        assert!((var - 1.0).abs() < 0.05, "{var}");
    }
}
