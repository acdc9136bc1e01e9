//! Dimensionality reduction: PCA (exact, covariance-eigh and randomized), truncated SVD,
//! incremental PCA, FastICA and t-SNE, plus the shared dense linear-algebra kernels and
//! [`embed`], which runs any of them by name (what `breadth reduce` needs).
//!
//! ```
//! use breadth_classic::decomposition::linalg::sym_eigen;
//! use ndarray::array;
//! let (vals, _) = sym_eigen(array![[2.0, 0.0], [0.0, 5.0]].view()).unwrap();
//! assert_eq!(vals.to_vec(), vec![5.0, 2.0]);
//! ```

pub mod barnes_hut;
pub mod fastica;
pub mod incremental_pca;
pub mod linalg;
pub mod pca;
pub mod truncated_svd;
pub mod tsne;

use breadth_core::registry::{configure, Task};
use breadth_core::{Dataset, Error, Fit, Result};
use ndarray::Array2;

/// Embed the rows of `data` with the reduction method `name` and `key=value` settings: `tsne`
/// (which maps only its training rows), or any registered transformer of this crate (`pca`,
/// `fastica`, `truncated-svd`, ...). Returns the embedding and its column names; this is what
/// `breadth reduce ALGO` runs before writing or plotting.
pub fn embed(
    name: &str,
    settings: &[(String, String)],
    data: &Dataset,
) -> Result<(Array2<f64>, Vec<String>)> {
    if name == "tsne" {
        let params: tsne::TsneParams = configure("tsne", settings)?;
        let t = params.fit(data)?;
        let names = (0..t.embedding().ncols())
            .map(|j| format!("tsne{j}"))
            .collect();
        return Ok((t.embedding().clone(), names));
    }
    let spec = crate::registry::models()
        .into_iter()
        .find(|m| m.name == name && m.task == Task::Transformation)
        .ok_or_else(|| {
            Error::param(
                "algorithm",
                format!("`{name}` is neither tsne nor a registered transformer"),
            )
        })?;
    let model = spec.fit_with(settings, data)?;
    let z = model.transform(data.features())?;
    let names = (0..z.ncols()).map(|j| format!("{name}{j}")).collect();
    Ok((z, names))
}

#[cfg(test)]
mod tests {
    #[test]
    fn embed_runs_tsne_and_registered_transformers() {
        let iris = breadth_data::datasets::load("iris").unwrap();
        let set = |k: &str, v: &str| (k.to_string(), v.to_string());
        let (z, names) = super::embed("pca", &[set("n_components", "2")], &iris).unwrap();
        assert_eq!((z.dim(), names[1].as_str()), ((150, 2), "pca1"));
        let (t, _) = super::embed(
            "tsne",
            &[set("perplexity", "10"), set("max_iter", "250")],
            &iris,
        )
        .unwrap();
        assert_eq!(t.dim(), (150, 2));
        assert!(super::embed("kmeans", &[], &iris).is_err());
    }
}
