//! The data arguments shared by every subcommand that reads a table, and the record of the
//! training columns kept in model files so that new data is read the same way.

use breadth_core::{Dataset, Error, Result};
use breadth_data::csv::{
    CategoricalEncoding, ColumnEncoding, CsvOptions, MissingPolicy, TargetColumn, TargetKind,
};
use clap::{Args, ValueEnum};
use serde::{Deserialize, Serialize};

/// How to read the target column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TaskArg {
    /// Decide from the values (text or few integers: classes).
    Auto,
    /// Class labels.
    Classification,
    /// Continuous values.
    Regression,
}

/// Where the data comes from and how to read it.
#[derive(Debug, Clone, Args)]
pub struct DataArgs {
    /// A CSV/TSV file, or `builtin:NAME` (see `breadth datasets`).
    #[arg(long)]
    pub data: String,
    /// Target column: a header name, a zero-based index, `last` (default) or `none`.
    #[arg(long)]
    pub target: Option<String>,
    /// Read the target as classes or continuous values.
    #[arg(long, value_enum, default_value_t = TaskArg::Auto)]
    pub task: TaskArg,
    /// Encode text feature columns one-hot instead of ordinally.
    #[arg(long)]
    pub one_hot: bool,
    /// Keep missing cells (empty, NA, ?) as NaN for an imputer instead of refusing the file.
    #[arg(long)]
    pub keep_missing: bool,
    /// Semi-supervised: rows with an empty target cell are unlabelled (for label-propagation,
    /// label-spreading, self-training).
    #[arg(long)]
    pub semi_supervised: bool,
}

/// What a model file records about its training data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Schema {
    /// The data argument it was trained on.
    pub data: String,
    /// Feature names after encoding, in model order.
    pub feature_names: Vec<String>,
    /// Text columns and their categories.
    pub encodings: Vec<ColumnEncoding>,
    /// The target column's name in the training file, if any.
    pub target_column: Option<String>,
    /// Whether missing cells were kept as NaN.
    pub keep_missing: bool,
}

impl DataArgs {
    fn csv_options(&self) -> CsvOptions {
        CsvOptions {
            target: self
                .target
                .as_deref()
                .map_or(TargetColumn::Last, TargetColumn::parse),
            target_kind: match self.task {
                TaskArg::Auto => TargetKind::Auto,
                TaskArg::Classification => TargetKind::Classes,
                TaskArg::Regression => TargetKind::Continuous,
            },
            categorical: if self.one_hot {
                CategoricalEncoding::OneHot
            } else {
                CategoricalEncoding::Ordinal
            },
            missing: if self.keep_missing {
                MissingPolicy::AsNan
            } else {
                MissingPolicy::Refuse
            },
            unlabelled_target: self.semi_supervised,
            ..CsvOptions::default()
        }
    }

    /// Load the dataset and the schema to store with a model fitted on it.
    pub fn load(&self) -> Result<(Dataset, Schema)> {
        let table = breadth_data::load(&self.data, &self.csv_options())?;
        let target_column = match (&self.target, self.data.starts_with("builtin:")) {
            (_, true) => None,
            (Some(t), _) if t == "none" => None,
            _ => header_of(&self.data)?.and_then(|names| {
                let idx = match self.target.as_deref().map(TargetColumn::parse) {
                    None | Some(TargetColumn::Last) => names.len().checked_sub(1),
                    Some(TargetColumn::Index(i)) => Some(i),
                    Some(TargetColumn::Name(n)) => names.iter().position(|c| *c == n),
                    Some(TargetColumn::None) => None,
                };
                idx.and_then(|i| names.get(i).cloned())
            }),
        };
        let schema = Schema {
            data: self.data.clone(),
            feature_names: table.dataset.feature_names().to_vec(),
            encodings: table.encodings,
            target_column,
            keep_missing: self.keep_missing,
        };
        Ok((table.dataset, schema))
    }
}

fn header_of(path: &str) -> Result<Option<Vec<String>>> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    Ok(breadth_data::csv::header_names(&text, path))
}

/// Read new data for a model trained with `schema`: same encodings, same column order; the
/// training target column is used as the target when present.
pub fn load_like(spec: &str, schema: &Schema) -> Result<Dataset> {
    let dataset = if let Some(name) = spec.strip_prefix("builtin:") {
        breadth_data::datasets::load(name)?
    } else {
        let header = header_of(spec)?;
        let has_target = match (&schema.target_column, &header) {
            (Some(t), Some(h)) => h.contains(t),
            (Some(_), None) => {
                // Headerless: one column more than the features means the last is the target.
                let text = std::fs::read_to_string(spec).map_err(|e| Error::io(spec, e))?;
                let first = text.lines().next().unwrap_or_default();
                let width = first
                    .split([',', ';', '\t'])
                    .count()
                    .max(first.split_whitespace().count());
                width == schema.feature_names.len() + 1
            }
            _ => false,
        };
        let opts = CsvOptions {
            target: match (&schema.target_column, has_target, &header) {
                (Some(t), true, Some(_)) => TargetColumn::Name(t.clone()),
                (_, true, _) => TargetColumn::Last,
                _ => TargetColumn::None,
            },
            known_encodings: schema.encodings.clone(),
            missing: if schema.keep_missing {
                MissingPolicy::AsNan
            } else {
                MissingPolicy::Refuse
            },
            ..CsvOptions::default()
        };
        breadth_data::csv::read_csv_path(std::path::Path::new(spec), &opts)?.dataset
    };
    reorder_columns(dataset, &schema.feature_names, spec)
}

fn reorder_columns(dataset: Dataset, names: &[String], spec: &str) -> Result<Dataset> {
    if dataset.feature_names() == names {
        return Ok(dataset);
    }
    let have = dataset.feature_names();
    if let Some(extra) = have.iter().find(|h| !names.contains(h)) {
        return Err(Error::param(
            "data",
            format!("{spec}: column `{extra}` was not in the training data"),
        ));
    }
    let idx: Vec<usize> = names
        .iter()
        .map(|n| {
            have.iter().position(|h| h == n).ok_or_else(|| {
                Error::param(
                    "data",
                    format!("{spec}: the model needs column `{n}`, which is missing"),
                )
            })
        })
        .collect::<Result<_>>()?;
    let x = dataset.features().select(ndarray::Axis(1), &idx);
    dataset.with_features(x, names.to_vec())
}
