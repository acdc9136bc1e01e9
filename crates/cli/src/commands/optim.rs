//! `breadth optim --problem P`: run several optimizers on one test problem from the same start,
//! print each one's final loss, and optionally plot loss against iteration (log scale).

use std::path::PathBuf;

use breadth_classic::optim::first_order::Settings;
use breadth_classic::optim::problems::{self, LogisticProblem, Optimizer, TestProblem};
use breadth_core::{Error, Result};

use crate::data_args::{DataArgs, TaskArg};
use crate::output::print_json;

/// Arguments of `breadth optim`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// `rosenbrock`, `quadratic` or `logistic:DATA` (DATA a CSV file with the class last, or
    /// `builtin:NAME`, e.g. `logistic:builtin:breast_cancer`).
    #[arg(long)]
    problem: String,
    /// Comma-separated optimizers: gd, momentum, nesterov, adagrad, rmsprop, adam, adamw, lbfgs.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "gd,momentum,nesterov,adagrad,rmsprop,adam,adamw,lbfgs"
    )]
    methods: Vec<String>,
    /// Iterations of every optimizer.
    #[arg(long, default_value_t = 200)]
    iters: usize,
    /// Learning rate of the first-order methods (default: one suited to the problem).
    #[arg(long)]
    rate: Option<f64>,
    /// Number of variables of rosenbrock / quadratic.
    #[arg(long, default_value_t = 10)]
    dim: usize,
    /// Condition number of the quadratic.
    #[arg(long, default_value_t = 100.0)]
    condition: f64,
    /// L2 penalty of the logistic problem.
    #[arg(long, default_value_t = 1e-3)]
    l2: f64,
    /// Plot loss against iteration, one line per optimizer, as .png or .svg.
    #[arg(long)]
    plot: Option<PathBuf>,
    /// Print the trajectories as JSON instead of the table.
    #[arg(long)]
    json: bool,
}

fn problem(args: &Args) -> Result<TestProblem> {
    match args.problem.as_str() {
        "rosenbrock" => Ok(TestProblem::Rosenbrock { dim: args.dim }),
        "quadratic" => Ok(TestProblem::Quadratic {
            dim: args.dim,
            condition: args.condition,
        }),
        p => match p.strip_prefix("logistic:") {
            Some(data) => {
                let spec = DataArgs {
                    data: data.to_string(),
                    target: None,
                    task: TaskArg::Classification,
                    one_hot: false,
                    keep_missing: false,
                    semi_supervised: false,
                };
                let (ds, _) = spec.load()?;
                Ok(TestProblem::Logistic(Box::new(LogisticProblem::new(
                    &ds, args.l2,
                )?)))
            }
            None => Err(Error::param(
                "problem",
                format!("unknown problem {p:?}; expected rosenbrock, quadratic or logistic:DATA"),
            )),
        },
    }
}

/// Run the subcommand.
pub fn run(args: &Args) -> Result<()> {
    let problem = problem(args)?;
    let optimizers = args
        .methods
        .iter()
        .map(|m| m.trim().parse())
        .collect::<Result<Vec<Optimizer>>>()?;
    let settings = Settings {
        rate: args.rate.unwrap_or_else(|| problem.default_rate()),
        iterations: args.iters,
        ..Settings::default()
    };
    let trajectories = problems::run(&problem, &optimizers, &settings)?;
    if args.json {
        print_json(&trajectories)?;
    } else {
        println!(
            "{:<10} {:>16} {:>14} {:>6}",
            "method", "final loss", "|grad|", "iters"
        );
        for t in &trajectories {
            println!(
                "{:<10} {:>16.9e} {:>14.4e} {:>6}",
                t.method,
                t.losses.last().copied().unwrap_or(f64::NAN),
                t.grad_norms.last().copied().unwrap_or(f64::NAN),
                t.losses.len().saturating_sub(1)
            );
        }
    }
    if let Some(path) = &args.plot {
        let series: Vec<(&str, &[f64])> = trajectories
            .iter()
            .map(|t| (t.method.as_str(), t.losses.as_slice()))
            .collect();
        let title = format!("{} (rate {})", args.problem, settings.rate);
        breadth_metrics::plot::plot_lines(&series, &title, ("iteration", "loss"), true, path)?;
        eprintln!("plot written to {}", path.display());
    }
    Ok(())
}
