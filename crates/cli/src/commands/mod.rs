//! One module per subcommand: its clap arguments (`Args`) and `run`.

pub mod compare;
pub mod cv;
pub mod datasets;
pub mod drift;
pub mod fit;
pub mod generate;
pub mod models;
pub mod outliers;
pub mod predict;
pub mod search;
pub mod tokenize;
