//! The error type shared by every breadth crate.
//!
//! Library code never panics on user input: every fallible path returns [`Error`], and each
//! variant carries what a person needs to act: the parameter and its allowed range, the row and
//! column of a bad value, the expected and found shapes, the file and line.

use std::path::PathBuf;

/// Result alias used throughout breadth.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in breadth, with its context.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A hyper-parameter is out of its allowed range or cannot be parsed.
    #[error("invalid parameter `{name}`: {reason}")]
    InvalidParameter {
        /// The parameter's name as a user writes it (`alpha`, `n_clusters`).
        name: String,
        /// What is wrong and what would be accepted.
        reason: String,
    },
    /// A parameter name that the model does not have.
    #[error("unknown parameter `{name}` for {model}; known parameters: {known}")]
    UnknownParameter {
        /// The model's registered name.
        model: String,
        /// The name that was given.
        name: String,
        /// The accepted names, comma separated.
        known: String,
    },
    /// Input with no rows or no columns.
    #[error("{what} is empty: {detail}")]
    EmptyInput {
        /// Which input (`features`, `target`, `training data`).
        what: String,
        /// Its shape or another hint.
        detail: String,
    },
    /// A NaN or infinite value where finite numbers are required.
    #[error("{what} holds a non-finite value ({value}) at row {row}, column {column}")]
    NonFinite {
        /// Which input.
        what: String,
        /// Zero-based row.
        row: usize,
        /// Zero-based column (or the column name where known).
        column: String,
        /// The offending value, printed.
        value: String,
    },
    /// Two inputs whose shapes must agree do not.
    #[error("shape mismatch in {what}: expected {expected}, found {found}")]
    ShapeMismatch {
        /// What was being combined.
        what: String,
        /// The shape that was required.
        expected: String,
        /// The shape that was given.
        found: String,
    },
    /// Data at predict time has a different number of features than at fit time.
    #[error("{model} was fitted on {expected} features but the input has {found}")]
    FeatureCountMismatch {
        /// The model.
        model: String,
        /// Features seen by `fit`.
        expected: usize,
        /// Features given now.
        found: usize,
    },
    /// The estimator needs a target of another kind (or one at all).
    #[error("{model} needs {expected}, but the dataset has {found}")]
    WrongTarget {
        /// The model.
        model: String,
        /// The kind of target needed (`class labels`, `continuous values`).
        expected: String,
        /// What the dataset has.
        found: String,
    },
    /// A label that is not among the known classes.
    #[error("unknown label `{label}` in {what}; known labels: {known}")]
    UnknownLabel {
        /// The label as written.
        label: String,
        /// Where it was found.
        what: String,
        /// Known labels, comma separated.
        known: String,
    },
    /// A file or text that cannot be parsed, with its location.
    #[error("{source_name}:{line}: {reason}")]
    Parse {
        /// The file name or `builtin:NAME`.
        source_name: String,
        /// One-based line number (0 when not tied to a line).
        line: usize,
        /// What is wrong there.
        reason: String,
    },
    /// An operating-system I/O error on a path.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A model file that is corrupt, truncated, foreign, of another kind or too new.
    #[error("model file {path}: {reason}")]
    ModelFile {
        /// The file (or `<memory>`).
        path: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A numerical failure the caller can act on (singular matrix, no convergence).
    #[error("numerical failure in {what}: {reason}")]
    Numerical {
        /// The computation.
        what: String,
        /// Why, and what to try.
        reason: String,
    },
    /// The operation is not offered by this model (for example `predict_proba` on a hard-margin SVM).
    #[error("{model} does not support {operation}")]
    Unsupported {
        /// The model.
        model: String,
        /// The operation.
        operation: String,
    },
}

impl Error {
    /// Shorthand for [`Error::InvalidParameter`].
    pub fn param(name: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::InvalidParameter {
            name: name.into(),
            reason: reason.into(),
        }
    }

    /// Shorthand for [`Error::ShapeMismatch`].
    pub fn shape(
        what: impl Into<String>,
        expected: impl std::fmt::Display,
        found: impl std::fmt::Display,
    ) -> Self {
        Error::ShapeMismatch {
            what: what.into(),
            expected: expected.to_string(),
            found: found.to_string(),
        }
    }

    /// Shorthand for [`Error::Numerical`].
    pub fn numerical(what: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::Numerical {
            what: what.into(),
            reason: reason.into(),
        }
    }

    /// Shorthand for [`Error::Unsupported`].
    pub fn unsupported(model: impl Into<String>, operation: impl Into<String>) -> Self {
        Error::Unsupported {
            model: model.into(),
            operation: operation.into(),
        }
    }

    /// Shorthand for [`Error::Io`].
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}
