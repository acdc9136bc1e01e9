//! One module per subcommand: its clap arguments (`Args`) and `run`.

pub mod cluster;
pub mod compare;
pub mod cv;
pub mod datasets;
pub mod drift;
pub mod embed;
pub mod fit;
pub mod generate;
pub mod hmm;
pub mod models;
pub mod nn;
pub mod optim;
pub mod outliers;
pub mod predict;
pub mod reduce;
pub mod score;
pub mod search;
pub mod tokenize;
pub mod tree;
