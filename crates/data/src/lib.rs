//! # breadth-data
//!
//! Getting data in and ready: the embedded datasets ([`datasets`]), reading delimited text
//! ([`csv`]), and [`load`], which accepts `builtin:NAME` or a file path wherever a command takes
//! data; random [`sampling`] of rows; [`model_selection`] (splits, cross-validation, grid and
//! random search) and [`pipeline`]s of transformers and a final model.
//!
//! ```
//! let t = breadth_data::load("builtin:wine", &Default::default()).unwrap();
//! assert_eq!(t.dataset.n_features(), 13);
//! ```
#![deny(missing_docs)]

pub mod csv;
pub mod datasets;
pub mod generators;
pub mod impute;
pub mod model_selection;
pub mod npy;
pub mod pipeline;
pub mod preprocessing;
pub mod registry;
pub mod resample;
pub mod sampling;

use breadth_core::Result;

/// Load `builtin:NAME` (an embedded dataset) or a delimited text file.
pub fn load(spec: &str, opts: &csv::CsvOptions) -> Result<csv::Table> {
    match spec.strip_prefix("builtin:") {
        Some(name) => Ok(csv::Table {
            dataset: datasets::load(name)?,
            encodings: Vec::new(),
        }),
        None => csv::read_csv_path(std::path::Path::new(spec), opts),
    }
}
