//! The datasets compiled into breadth, available everywhere a data path is accepted as
//! `builtin:NAME`.
//!
//! | name | rows | features | task |
//! |---|---|---|---|
//! | iris | 150 | 4 | 3 classes |
//! | wine | 178 | 13 | 3 classes |
//! | breast_cancer | 569 | 30 | 2 classes |
//! | digits | 1797 | 64 | 10 classes |
//! | diabetes | 442 | 10 (raw, unscaled) | regression |
//! | linnerud | 20 | 3 | 3 regression outputs |
//!
//! plus the Shakespeare corpus as text ([`shakespeare`]). Provenance: `datasets/README.md` in
//! this crate (scikit-learn 1.9.1's copies of the UCI / StatLib tables; the Globe edition).
//!
//! ```
//! let iris = breadth_data::datasets::load("iris").unwrap();
//! assert_eq!((iris.n_samples(), iris.n_features(), iris.n_classes()), (150, 4, Some(3)));
//! ```

use std::io::Read;

use breadth_core::{Dataset, Error, Result, Target};
use ndarray::{Array1, Array2};

/// A line of `breadth datasets`.
#[derive(Debug, Clone, PartialEq)]
pub struct BuiltinInfo {
    /// Name after `builtin:`.
    pub name: &'static str,
    /// Rows.
    pub n_samples: usize,
    /// Feature columns.
    pub n_features: usize,
    /// `classification (K classes)`, `regression`, `text`...
    pub task: String,
    /// One line on what it is.
    pub description: &'static str,
}

const IRIS: &str = include_str!("../datasets/iris.csv");
const WINE: &str = include_str!("../datasets/wine_data.csv");
const BREAST_CANCER_GZ: &[u8] = include_bytes!("../datasets/breast_cancer.csv.gz");
const DIGITS_GZ: &[u8] = include_bytes!("../datasets/digits.csv.gz");
const DIABETES_X_GZ: &[u8] = include_bytes!("../datasets/diabetes_data_raw.csv.gz");
const DIABETES_Y_GZ: &[u8] = include_bytes!("../datasets/diabetes_target.csv.gz");
const LINNERUD_X: &str = include_str!("../datasets/linnerud_exercise.csv");
const LINNERUD_Y: &str = include_str!("../datasets/linnerud_physiological.csv");
const SHAKESPEARE_GZ: &[u8] = include_bytes!("../datasets/shakespeare.txt.gz");

/// Names accepted by [`load`].
pub const NAMES: [&str; 6] = [
    "iris",
    "wine",
    "breast_cancer",
    "digits",
    "diabetes",
    "linnerud",
];

const DESCRIPTIONS: [&str; 6] = [
    "Fisher's iris flowers: 4 measurements, 3 species",
    "Italian wines: 13 chemical analyses, 3 cultivars",
    "Wisconsin diagnostic breast cancer: 30 cell-nucleus features, malignant or benign",
    "Handwritten digits: 8x8 images of pixel counts 0..16, digits 0-9",
    "Diabetes progression after one year from 10 raw baseline variables",
    "Linnerud: 3 exercises predicting 3 physiological measurements",
];

fn gunzip(bytes: &[u8], name: &str) -> Result<String> {
    let mut out = String::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_string(&mut out)
        .map_err(|e| Error::Parse {
            source_name: format!("builtin:{name}"),
            line: 0,
            reason: e.to_string(),
        })?;
    Ok(out)
}

fn parse_f64(field: &str, name: &str, line: usize) -> Result<f64> {
    field.trim().parse::<f64>().map_err(|_| Error::Parse {
        source_name: format!("builtin:{name}"),
        line,
        reason: format!("`{field}` is not a number"),
    })
}

/// scikit-learn's bundled layout: `n,d,class names...` then rows of features and the class.
fn sklearn_classification(text: &str, name: &str, feature_names: Vec<String>) -> Result<Dataset> {
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap_or_default().split(',').collect();
    let class_names: Vec<String> = header
        .iter()
        .skip(2)
        .map(|s| s.trim().to_string())
        .collect();
    numeric_rows_with_class(lines, name, 2, feature_names, class_names, ',')
}

fn numeric_rows_with_class<'a>(
    lines: impl Iterator<Item = &'a str>,
    name: &str,
    first_line: usize,
    feature_names: Vec<String>,
    class_names: Vec<String>,
    sep: char,
) -> Result<Dataset> {
    let d = feature_names.len();
    let mut values = Vec::new();
    let mut labels = Vec::new();
    for (i, line) in lines.enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let fields: Vec<&str> = line.split(sep).collect();
        let line_no = first_line + i;
        for f in &fields[..d] {
            values.push(parse_f64(f, name, line_no)?);
        }
        labels.push(parse_f64(fields[d], name, line_no)? as usize);
    }
    let x = Array2::from_shape_vec((labels.len(), d), values)
        .map_err(|e| Error::shape(format!("builtin:{name}"), d, e))?;
    Dataset::new(x)
        .with_feature_names(feature_names)?
        .with_target(Target::classes(labels, class_names)?)
}

fn whitespace_table(
    text: &str,
    name: &str,
    skip_header: bool,
) -> Result<(Vec<String>, Array2<f64>)> {
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let names = if skip_header {
        lines
            .next()
            .unwrap_or_default()
            .split_whitespace()
            .map(String::from)
            .collect()
    } else {
        Vec::new()
    };
    let mut rows = Vec::new();
    for (i, line) in lines.enumerate() {
        let row: Result<Vec<f64>> = line
            .split_whitespace()
            .map(|f| parse_f64(f, name, i + 1 + skip_header as usize))
            .collect();
        rows.push(row?);
    }
    let d = rows.first().map_or(0, Vec::len);
    let flat: Vec<f64> = rows.iter().flatten().copied().collect();
    let x = Array2::from_shape_vec((rows.len(), d), flat)
        .map_err(|e| Error::shape(format!("builtin:{name}"), d, e))?;
    Ok((names, x))
}

fn strings(names: &[&str]) -> Vec<String> {
    names.iter().map(|s| s.to_string()).collect()
}

/// Load an embedded dataset by name (see [`NAMES`]).
pub fn load(name: &str) -> Result<Dataset> {
    match name {
        "iris" => sklearn_classification(
            IRIS,
            name,
            strings(&[
                "sepal length (cm)",
                "sepal width (cm)",
                "petal length (cm)",
                "petal width (cm)",
            ]),
        ),
        "wine" => sklearn_classification(
            WINE,
            name,
            strings(&[
                "alcohol",
                "malic_acid",
                "ash",
                "alcalinity_of_ash",
                "magnesium",
                "total_phenols",
                "flavanoids",
                "nonflavanoid_phenols",
                "proanthocyanins",
                "color_intensity",
                "hue",
                "od280/od315_of_diluted_wines",
                "proline",
            ]),
        ),
        "breast_cancer" => {
            let kinds = [
                "radius",
                "texture",
                "perimeter",
                "area",
                "smoothness",
                "compactness",
                "concavity",
                "concave points",
                "symmetry",
                "fractal dimension",
            ];
            let names = ["mean {}", "{} error", "worst {}"]
                .iter()
                .flat_map(|p| kinds.iter().map(move |k| p.replace("{}", k)))
                .collect();
            sklearn_classification(&gunzip(BREAST_CANCER_GZ, name)?, name, names)
        }
        "digits" => {
            let names = (0..64)
                .map(|p| format!("pixel_{}_{}", p / 8, p % 8))
                .collect();
            let classes = (0..10).map(|c| c.to_string()).collect();
            numeric_rows_with_class(
                gunzip(DIGITS_GZ, name)?.lines(),
                name,
                1,
                names,
                classes,
                ',',
            )
        }
        "diabetes" => {
            let (_, x) = whitespace_table(&gunzip(DIABETES_X_GZ, name)?, name, false)?;
            let (_, y) = whitespace_table(&gunzip(DIABETES_Y_GZ, name)?, name, false)?;
            Dataset::new(x)
                .with_feature_names(strings(&[
                    "age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6",
                ]))?
                .with_target(Target::Continuous(Array1::from_iter(
                    y.column(0).iter().copied(),
                )))
        }
        "linnerud" => {
            let (xn, x) = whitespace_table(LINNERUD_X, name, true)?;
            let (yn, y) = whitespace_table(LINNERUD_Y, name, true)?;
            Dataset::new(x)
                .with_feature_names(xn)?
                .with_target(Target::MultiOutput {
                    values: y,
                    names: yn,
                })
        }
        other => Err(Error::param(
            "data",
            format!(
                "no embedded dataset `{other}`; available: {}",
                NAMES.join(", ")
            ),
        )),
    }
}

/// The Shakespeare corpus: 42 plays and poems, about 5 MB of text.
pub fn shakespeare() -> Result<String> {
    gunzip(SHAKESPEARE_GZ, "shakespeare")
}

/// Rows, columns and task of every embedded table, plus the text corpus.
pub fn list() -> Result<Vec<BuiltinInfo>> {
    let mut out = Vec::new();
    for (name, description) in NAMES.iter().zip(DESCRIPTIONS) {
        let ds = load(name)?;
        let task = match ds.target() {
            Some(Target::Classes { names, .. }) => {
                format!("classification ({} classes)", names.len())
            }
            Some(Target::MultiOutput { names, .. }) => {
                format!("regression ({} outputs)", names.len())
            }
            _ => "regression".to_string(),
        };
        out.push(BuiltinInfo {
            name,
            n_samples: ds.n_samples(),
            n_features: ds.n_features(),
            task,
            description,
        });
    }
    let text = shakespeare()?;
    out.push(BuiltinInfo {
        name: "shakespeare",
        n_samples: text.lines().count(),
        n_features: 0,
        task: format!("text ({} bytes)", text.len()),
        description: "The complete works of Shakespeare, Globe edition (text corpus)",
    });
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_and_first_values_match_scikit_learn() {
        let expected = [
            ("iris", 150, 4, Some(3)),
            ("wine", 178, 13, Some(3)),
            ("breast_cancer", 569, 30, Some(2)),
            ("digits", 1797, 64, Some(10)),
            ("diabetes", 442, 10, None),
            ("linnerud", 20, 3, None),
        ];
        for (name, n, d, k) in expected {
            let ds = load(name).unwrap();
            assert_eq!(
                (ds.n_samples(), ds.n_features(), ds.n_classes()),
                (n, d, k),
                "{name}"
            );
        }
        let iris = load("iris").unwrap();
        assert_eq!(iris.features().row(0).to_vec(), vec![5.1, 3.5, 1.4, 0.2]);
        let (labels, names) = iris.class_target("t").unwrap();
        assert_eq!((labels[0], labels[149]), (0, 2));
        assert_eq!(names, ["setosa", "versicolor", "virginica"]);
        let diabetes = load("diabetes").unwrap();
        assert_eq!(diabetes.continuous_target("t").unwrap()[0], 151.0);
        let bc = load("breast_cancer").unwrap();
        assert_eq!(bc.feature_names()[10], "radius error");
    }

    #[test]
    fn shakespeare_is_the_whole_corpus() {
        let text = shakespeare().unwrap();
        assert!(text.len() > 5_000_000, "{}", text.len());
        assert!(text.contains("To be, or not to be"));
    }

    #[test]
    fn unknown_name_lists_the_known_ones() {
        let err = load("mnist").unwrap_err().to_string();
        assert!(err.contains("iris") && err.contains("mnist"), "{err}");
    }
}
