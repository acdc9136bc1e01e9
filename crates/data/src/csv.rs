//! Reading tables from delimited text into a [`Dataset`], never panicking on any input.
//!
//! - **Delimiter**: comma, semicolon or tab, detected from the first line (the most frequent of
//!   the three outside quotes); otherwise runs of whitespace. Quoted fields follow RFC 4180.
//! - **Header**: detected when some column's first cell is not a number while the rest of that
//!   column is numeric (or, for all-text tables, when the first row's values never recur), or
//!   forced with [`HeaderMode`].
//! - **Target**: the last column by default, or chosen by name or index, or none.
//!   A text target, or an integer one with at most [`CsvOptions::max_auto_classes`] distinct
//!   values, is read as class labels (names sorted, numerically when all are numbers); anything
//!   else as continuous, unless [`TargetKind`] forces it.
//! - **Text feature columns** are encoded ordinally (categories sorted) or one-hot
//!   (`column=category`), and the mapping is returned so predictions on new files use the same codes.
//! - **Missing markers** (empty, `NA`, `N/A`, `NaN`, `nan`, `null`, `?`) are refused with the
//!   line and column named, or kept as NaN for an imputer ([`MissingPolicy`]).
//! - **Malformed rows** (wrong field count, bad quoting, invalid UTF-8) are reported with their
//!   line number.
//!
//! ```
//! use breadth_data::csv::{read_csv_str, CsvOptions};
//! let t = read_csv_str("a,b,label\n1,2,x\n3,4,y\n", "demo.csv", &CsvOptions::default()).unwrap();
//! assert_eq!(t.dataset.n_features(), 2);
//! assert_eq!(t.dataset.n_classes(), Some(2));
//! let err = read_csv_str("a,b\n1,2\n3\n", "demo.csv", &CsvOptions::default()).unwrap_err();
//! assert!(err.to_string().starts_with("demo.csv:3:"));
//! ```

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use breadth_core::{Dataset, Error, Result, Target};
use ndarray::{Array1, Array2};
use serde::{Deserialize, Serialize};

/// Whether the first row names the columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HeaderMode {
    /// Decide from the contents.
    #[default]
    Auto,
    /// The first row is a header.
    Present,
    /// There is no header; columns are named `x0, x1, ...`.
    Absent,
}

/// Which column is the target.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum TargetColumn {
    /// The last column.
    #[default]
    Last,
    /// No target: every column is a feature.
    None,
    /// The column with this header name.
    Name(String),
    /// The column at this zero-based index.
    Index(usize),
}

impl TargetColumn {
    /// Parse a `--target` argument: `none`, `last`, a number (zero-based index) or a name.
    pub fn parse(arg: &str) -> TargetColumn {
        match arg {
            "none" => TargetColumn::None,
            "last" => TargetColumn::Last,
            s => s
                .parse()
                .map(TargetColumn::Index)
                .unwrap_or_else(|_| TargetColumn::Name(s.into())),
        }
    }
}

/// How to read the target's values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TargetKind {
    /// Text or few distinct integers: classes; otherwise continuous.
    #[default]
    Auto,
    /// Always class labels.
    Classes,
    /// Always continuous (must be numeric).
    Continuous,
}

/// How text feature columns become numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CategoricalEncoding {
    /// One column of codes `0..K-1`, categories sorted.
    #[default]
    Ordinal,
    /// One 0/1 column per category, named `column=category`.
    OneHot,
}

/// What to do with missing markers in features.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MissingPolicy {
    /// Refuse the file, naming the first missing cell's line and column.
    #[default]
    Refuse,
    /// Keep them as NaN for an imputer.
    AsNan,
}

/// Options of [`read_csv_str`].
#[derive(Debug, Clone, PartialEq)]
pub struct CsvOptions {
    /// Header detection.
    pub header: HeaderMode,
    /// The target column.
    pub target: TargetColumn,
    /// How the target is read.
    pub target_kind: TargetKind,
    /// Text feature encoding.
    pub categorical: CategoricalEncoding,
    /// Missing values in features.
    pub missing: MissingPolicy,
    /// An integer target with at most this many distinct values is read as classes under `Auto`.
    pub max_auto_classes: usize,
    /// Encodings learned on training data: columns of these names are encoded with exactly these
    /// categories (an unseen category is an error naming its line), so new data gets the codes
    /// the model was trained on.
    pub known_encodings: Vec<ColumnEncoding>,
    /// Semi-supervised reading: an empty (missing) target cell marks an unlabelled row, and the
    /// target becomes [`Target::PartialClasses`].
    pub unlabelled_target: bool,
}

impl Default for CsvOptions {
    fn default() -> Self {
        CsvOptions {
            header: HeaderMode::Auto,
            target: TargetColumn::Last,
            target_kind: TargetKind::Auto,
            categorical: CategoricalEncoding::Ordinal,
            missing: MissingPolicy::Refuse,
            max_auto_classes: 20,
            known_encodings: Vec::new(),
            unlabelled_target: false,
        }
    }
}

/// How one text feature column was encoded, kept so new files are encoded the same way.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnEncoding {
    /// The source column's name.
    pub column: String,
    /// Its categories, in code order.
    pub categories: Vec<String>,
    /// One-hot rather than ordinal.
    pub one_hot: bool,
}

/// A table read from text: the dataset and how its text columns were encoded.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// Features, names, target.
    pub dataset: Dataset,
    /// One entry per text feature column.
    pub encodings: Vec<ColumnEncoding>,
}

/// Cells that mean "missing".
pub fn is_missing(cell: &str) -> bool {
    matches!(
        cell.trim(),
        "" | "NA" | "N/A" | "NaN" | "nan" | "NAN" | "null" | "NULL" | "?"
    )
}

fn parse_number(cell: &str) -> Option<f64> {
    cell.trim().parse::<f64>().ok().filter(|v| v.is_finite())
}

fn split_records(text: &str, source: &str) -> Result<Vec<(usize, Vec<String>)>> {
    let first = text.lines().next().unwrap_or_default();
    let count = |c: char| first.matches(c).count();
    let delim = [',', ';', '\t']
        .into_iter()
        .max_by_key(|&c| count(c))
        .filter(|&c| count(c) > 0);
    let Some(delim) = delim else {
        return Ok(text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
            .map(|(i, l)| (i + 1, l.split_whitespace().map(String::from).collect()))
            .collect());
    };
    let mut reader = ::csv::ReaderBuilder::new()
        .delimiter(delim as u8)
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut out = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| Error::Parse {
            source_name: source.into(),
            line: e.position().map_or(0, |p| p.line() as usize),
            reason: format!("malformed row: {e}"),
        })?;
        let line = record.position().map_or(0, |p| p.line() as usize);
        if record.len() == 1 && record[0].trim().is_empty() {
            continue;
        }
        out.push((line, record.iter().map(|f| f.trim().to_string()).collect()));
    }
    Ok(out)
}

fn detect_header(rows: &[(usize, Vec<String>)]) -> bool {
    let Some((_, first)) = rows.first() else {
        return false;
    };
    let rest = &rows[1..];
    if rest.is_empty() {
        return first
            .iter()
            .any(|c| parse_number(c).is_none() && !is_missing(c));
    }
    let numeric_below = |j: usize| {
        rest.iter().all(|(_, r)| {
            r.get(j)
                .is_some_and(|c| is_missing(c) || parse_number(c).is_some())
        })
    };
    let text_on_top = |j: usize| parse_number(&first[j]).is_none() && !is_missing(&first[j]);
    if (0..first.len()).any(|j| text_on_top(j) && numeric_below(j)) {
        return true;
    }
    // All-text columns: a header's values do not recur below.
    (0..first.len()).all(text_on_top)
        && (0..first.len()).all(|j| rest.iter().all(|(_, r)| r.get(j) != Some(&first[j])))
}

fn sorted_categories<'a>(values: impl Iterator<Item = &'a str>) -> Vec<String> {
    let set: BTreeSet<&str> = values.collect();
    let mut cats: Vec<String> = set.into_iter().map(String::from).collect();
    if cats.iter().all(|c| parse_number(c).is_some()) {
        cats.sort_by(|a, b| {
            parse_number(a)
                .unwrap()
                .total_cmp(&parse_number(b).unwrap())
        });
    }
    cats
}

/// Read a table from text; `source` names it in errors.
pub fn read_csv_str(text: &str, source: &str, opts: &CsvOptions) -> Result<Table> {
    let rows = split_records(text, source)?;
    let has_header = match opts.header {
        HeaderMode::Auto => detect_header(&rows),
        HeaderMode::Present => true,
        HeaderMode::Absent => false,
    };
    let (names, body) = if has_header {
        let (_, h) = rows.first().ok_or_else(|| Error::EmptyInput {
            what: source.into(),
            detail: "no rows".into(),
        })?;
        (h.clone(), &rows[1..])
    } else {
        let width = rows.first().map_or(0, |(_, r)| r.len());
        (
            (0..width).map(|j| format!("x{j}")).collect::<Vec<_>>(),
            &rows[..],
        )
    };
    if body.is_empty() || names.is_empty() {
        return Err(Error::EmptyInput {
            what: source.into(),
            detail: "no data rows".into(),
        });
    }
    let width = names.len();
    if let Some((line, r)) = body.iter().find(|(_, r)| r.len() != width) {
        return Err(Error::Parse {
            source_name: source.into(),
            line: *line,
            reason: format!("expected {width} fields, found {}", r.len()),
        });
    }
    let target_idx = match &opts.target {
        TargetColumn::None => None,
        TargetColumn::Last => Some(width - 1),
        TargetColumn::Index(i) if *i < width => Some(*i),
        TargetColumn::Index(i) => {
            return Err(Error::param(
                "target",
                format!("column index {i} but the table has {width} columns"),
            ))
        }
        TargetColumn::Name(n) => Some(names.iter().position(|c| c == n).ok_or_else(|| {
            Error::param(
                "target",
                format!("no column named `{n}`; columns: {}", names.join(", ")),
            )
        })?),
    };
    if target_idx.is_some() && width < 2 {
        return Err(Error::param(
            "target",
            "the table has one column: nothing is left for features",
        ));
    }
    let cell = |i: usize, j: usize| body[i].1[j].as_str();
    let n = body.len();

    // Features, column by column.
    let mut columns: Vec<Vec<f64>> = Vec::new();
    let mut out_names = Vec::new();
    let mut encodings = Vec::new();
    for j in (0..width).filter(|&j| Some(j) != target_idx) {
        if opts.missing == MissingPolicy::Refuse {
            if let Some(i) = (0..n).find(|&i| is_missing(cell(i, j))) {
                return Err(Error::Parse {
                    source_name: source.into(),
                    line: body[i].0,
                    reason: format!(
                        "missing value `{}` in column `{}`; impute it or pass --missing nan",
                        cell(i, j),
                        names[j]
                    ),
                });
            }
        }
        let known = opts.known_encodings.iter().find(|e| e.column == names[j]);
        let numeric = (0..n).all(|i| is_missing(cell(i, j)) || parse_number(cell(i, j)).is_some());
        if numeric && known.is_none() {
            columns.push(
                (0..n)
                    .map(|i| parse_number(cell(i, j)).unwrap_or(f64::NAN))
                    .collect(),
            );
            out_names.push(names[j].clone());
            continue;
        }
        let (cats, one_hot) = match known {
            Some(enc) => {
                let unseen = (0..n).find(|&i| {
                    !is_missing(cell(i, j)) && !enc.categories.iter().any(|c| c == cell(i, j))
                });
                if let Some(i) = unseen {
                    return Err(Error::Parse {
                        source_name: source.into(),
                        line: body[i].0,
                        reason: format!(
                            "category `{}` of column `{}` was not seen in training; known: {}",
                            cell(i, j),
                            names[j],
                            enc.categories.join(", ")
                        ),
                    });
                }
                (enc.categories.clone(), enc.one_hot)
            }
            None => (
                sorted_categories((0..n).map(|i| cell(i, j)).filter(|c| !is_missing(c))),
                opts.categorical == CategoricalEncoding::OneHot,
            ),
        };
        let code: HashMap<&str, usize> = cats
            .iter()
            .enumerate()
            .map(|(k, c)| (c.as_str(), k))
            .collect();
        if one_hot {
            for (k, cat) in cats.iter().enumerate() {
                columns.push(
                    (0..n)
                        .map(|i| match code.get(cell(i, j)) {
                            Some(&c) => f64::from(u8::from(c == k)),
                            None => f64::NAN,
                        })
                        .collect(),
                );
                out_names.push(format!("{}={cat}", names[j]));
            }
        } else {
            columns.push(
                (0..n)
                    .map(|i| code.get(cell(i, j)).map_or(f64::NAN, |&c| c as f64))
                    .collect(),
            );
            out_names.push(names[j].clone());
        }
        encodings.push(ColumnEncoding {
            column: names[j].clone(),
            categories: cats,
            one_hot,
        });
    }
    let d = columns.len();
    let x = Array2::from_shape_fn((n, d), |(i, j)| columns[j][i]);
    let mut dataset = Dataset::new(x).with_feature_names(out_names)?;

    if let (Some(t), true) = (target_idx, opts.unlabelled_target) {
        let cats = sorted_categories((0..n).map(|i| cell(i, t)).filter(|c| !is_missing(c)));
        let labels: Array1<Option<usize>> = (0..n)
            .map(|i| {
                cats.iter()
                    .position(|c| c == cell(i, t))
                    .filter(|_| !is_missing(cell(i, t)))
            })
            .collect();
        let target = Target::PartialClasses {
            labels,
            names: cats,
        };
        return Ok(Table {
            dataset: dataset.with_target(target)?,
            encodings,
        });
    }
    if let Some(t) = target_idx {
        if let Some(i) = (0..n).find(|&i| is_missing(cell(i, t))) {
            return Err(Error::Parse {
                source_name: source.into(),
                line: body[i].0,
                reason: format!("missing target value in column `{}`", names[t]),
            });
        }
        let numbers: Option<Vec<f64>> = (0..n).map(|i| parse_number(cell(i, t))).collect();
        let distinct = (0..n).map(|i| cell(i, t)).collect::<BTreeSet<_>>().len();
        let as_classes = match (opts.target_kind, &numbers) {
            (TargetKind::Classes, _) => true,
            (TargetKind::Continuous, None) => {
                let i = (0..n)
                    .find(|&i| parse_number(cell(i, t)).is_none())
                    .unwrap_or(0);
                return Err(Error::Parse {
                    source_name: source.into(),
                    line: body[i].0,
                    reason: format!(
                        "target `{}` is not a number but a continuous target was asked for",
                        cell(i, t)
                    ),
                });
            }
            (TargetKind::Continuous, Some(_)) => false,
            (TargetKind::Auto, None) => true,
            (TargetKind::Auto, Some(v)) => {
                v.iter().all(|x| x.fract() == 0.0) && distinct <= opts.max_auto_classes
            }
        };
        let target = if as_classes {
            // Numeric labels written differently ("1" and "1.0") are the same class.
            let key = |c: &str| parse_number(c).map_or(c.to_string(), |v| v.to_string());
            let cats = sorted_categories((0..n).map(|i| cell(i, t)));
            let mut code = HashMap::new();
            let mut names_out = Vec::new();
            for c in &cats {
                let k = key(c);
                if let std::collections::hash_map::Entry::Vacant(slot) = code.entry(k) {
                    slot.insert(names_out.len());
                    names_out.push(c.clone());
                }
            }
            let labels: Vec<usize> = (0..n).map(|i| code[&key(cell(i, t))]).collect();
            Target::classes(labels, names_out)?
        } else {
            Target::Continuous(Array1::from(numbers.expect("checked numeric")))
        };
        dataset = dataset.with_target(target)?;
    }
    Ok(Table { dataset, encodings })
}

/// The header row's names when the text has one, by the same detection as [`read_csv_str`].
pub fn header_names(text: &str, source: &str) -> Option<Vec<String>> {
    let rows = split_records(text, source).ok()?;
    detect_header(&rows).then(|| rows[0].1.clone())
}

/// Read a table from a file.
pub fn read_csv_path(path: &Path, opts: &CsvOptions) -> Result<Table> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let source = path.display().to_string();
    let text = String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let line = e.as_bytes()[..at].iter().filter(|&&b| b == b'\n').count() + 1;
        Error::Parse {
            source_name: source.clone(),
            line,
            reason: "not valid UTF-8 text".into(),
        }
    })?;
    read_csv_str(&text, &source, opts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng as _, SeedableRng};

    fn read(text: &str) -> Result<Table> {
        read_csv_str(text, "t.csv", &CsvOptions::default())
    }

    #[test]
    fn header_is_detected_or_not() {
        let with = read("x,y,c\n1,2,0\n3,4,1\n").unwrap();
        assert_eq!(with.dataset.feature_names(), ["x", "y"]);
        let without = read("1,2,0\n3,4,1\n").unwrap();
        assert_eq!(without.dataset.n_samples(), 2);
        assert_eq!(without.dataset.feature_names(), ["x0", "x1"]);
    }

    #[test]
    fn target_by_name_and_index_and_kind() {
        let text = "price,rooms,city\n100.5,3,paris\n80.25,2,lyon\n120,4,paris\n";
        let opts = CsvOptions {
            target: TargetColumn::Name("price".into()),
            ..Default::default()
        };
        let t = read_csv_str(text, "t.csv", &opts).unwrap();
        assert_eq!(
            t.dataset.continuous_target("m").unwrap().to_vec(),
            vec![100.5, 80.25, 120.0]
        );
        // `city` is text: ordinal codes, categories sorted.
        assert_eq!(t.dataset.features().column(1).to_vec(), vec![1.0, 0.0, 1.0]);
        assert_eq!(t.encodings[0].categories, ["lyon", "paris"]);
        let opts = CsvOptions {
            target: TargetColumn::Index(2),
            ..Default::default()
        };
        let t = read_csv_str(text, "t.csv", &opts).unwrap();
        let (labels, names) = t.dataset.class_target("m").unwrap();
        assert_eq!(names, ["lyon", "paris"]);
        assert_eq!(labels.to_vec(), vec![1, 0, 1]);
    }

    #[test]
    fn one_hot_columns_are_named() {
        let opts = CsvOptions {
            categorical: CategoricalEncoding::OneHot,
            target: TargetColumn::None,
            ..Default::default()
        };
        let t = read_csv_str("c,v\nb,1\na,2\nb,3\n", "t.csv", &opts).unwrap();
        assert_eq!(t.dataset.feature_names(), ["c=a", "c=b", "v"]);
        assert_eq!(t.dataset.features().row(1).to_vec(), vec![1.0, 0.0, 2.0]);
    }

    #[test]
    fn known_encodings_are_reused_and_unseen_categories_refused() {
        let train = read("city,v,c\nparis,1,0\nlyon,2,1\n").unwrap();
        assert_eq!(
            train.encodings[0].categories,
            ["lyon", "paris"],
            "{:?}",
            train.encodings
        );
        let opts = CsvOptions {
            known_encodings: train.encodings.clone(),
            ..Default::default()
        };
        // Only `paris` appears now, yet it keeps its training code 1.
        let t = read_csv_str("city,v,c\nparis,5,0\n", "new.csv", &opts).unwrap();
        assert_eq!(t.dataset.features().row(0).to_vec(), vec![1.0, 5.0]);
        let err = read_csv_str("city,v,c\nnice,5,0\n", "new.csv", &opts)
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("new.csv:2:") && err.contains("`nice`"),
            "{err}"
        );
    }

    #[test]
    fn empty_target_cells_are_unlabelled_rows_when_asked() {
        let opts = CsvOptions {
            unlabelled_target: true,
            ..Default::default()
        };
        let t = read_csv_str("v,c\n1,b\n2,\n3,a\n", "t.csv", &opts).unwrap();
        match t.dataset.target() {
            Some(Target::PartialClasses { labels, names }) => {
                assert_eq!(names, &["a", "b"]);
                assert_eq!(labels.to_vec(), vec![Some(1), None, Some(0)]);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn numeric_class_names_sort_numerically() {
        let t = read("v,c\n1,10\n2,2\n3,1\n4,2.0\n").unwrap();
        let (labels, names) = t.dataset.class_target("m").unwrap();
        assert_eq!(names, ["1", "2", "10"]);
        assert_eq!(labels.to_vec(), vec![2, 1, 0, 1]);
    }

    #[test]
    fn missing_values_are_refused_with_location_or_kept() {
        let err = read("a,b,c\n1,2,0\nNA,4,1\n").unwrap_err().to_string();
        assert!(
            err.starts_with("t.csv:3:") && err.contains("column `a`"),
            "{err}"
        );
        let opts = CsvOptions {
            missing: MissingPolicy::AsNan,
            ..Default::default()
        };
        let t = read_csv_str("a,b,c\n1,2,0\n?,4,1\n", "t.csv", &opts).unwrap();
        assert!(t.dataset.features()[[1, 0]].is_nan());
        let err = read_csv_str("a,b,c\n1,2,\n", "t.csv", &opts)
            .unwrap_err()
            .to_string();
        assert!(err.contains("missing target"), "{err}");
    }

    #[test]
    fn whitespace_and_semicolon_and_quotes() {
        let t = read("a b c\n1 2 0\n3  4 1\n").unwrap();
        assert_eq!(t.dataset.n_samples(), 2);
        // With `;` as the delimiter, a decimal comma is text: the column is encoded as categories.
        let t = read("a;b;c\n1,5;2;0\n3;4;1\n").unwrap();
        assert_eq!(t.encodings[0].categories, ["1,5", "3"]);
        let t = read("name,v,c\n\"Smith, J\",1,0\n\"O\"\"Neil\",2,1\n").unwrap();
        assert_eq!(t.encodings[0].categories, ["O\"Neil", "Smith, J"]);
    }

    #[test]
    fn bad_target_choices_are_clear() {
        let opts = CsvOptions {
            target: TargetColumn::Name("nope".into()),
            ..Default::default()
        };
        let err = read_csv_str("a,b\n1,2\n", "t.csv", &opts)
            .unwrap_err()
            .to_string();
        assert!(err.contains("no column named `nope`"), "{err}");
        assert!(read("").is_err());
        assert!(read("a,b\n").is_err());
    }

    #[test]
    fn random_and_mangled_files_never_panic() {
        let good = "sepal,petal,species\n5.1,1.4,setosa\n4.9,1.3,setosa\n6.3,4.9,virginica\n";
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        let alphabet = b"0123456789.,;\t \n\"-eENa?x";
        for round in 0..3000 {
            let text: String = if round % 2 == 0 {
                let n = rng.random_range(0..120);
                (0..n)
                    .map(|_| alphabet[rng.random_range(0..alphabet.len())] as char)
                    .collect()
            } else {
                let mut bytes = good.as_bytes().to_vec();
                for _ in 0..rng.random_range(1..6) {
                    let at = rng.random_range(0..bytes.len());
                    bytes[at] = alphabet[rng.random_range(0..alphabet.len())];
                }
                let cut = rng.random_range(0..=bytes.len());
                String::from_utf8_lossy(&bytes[..cut]).into_owned()
            };
            for opts in [
                CsvOptions::default(),
                CsvOptions {
                    missing: MissingPolicy::AsNan,
                    header: HeaderMode::Present,
                    ..Default::default()
                },
            ] {
                let _ = read_csv_str(&text, "fuzz.csv", &opts);
            }
        }
    }

    #[test]
    fn invalid_utf8_names_the_line() {
        let dir = std::env::temp_dir().join(format!("breadth-csv-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("bad.csv");
        std::fs::write(&p, b"a,b\n1,2\n\xff\xfe,3\n").unwrap();
        let err = read_csv_path(&p, &CsvOptions::default())
            .unwrap_err()
            .to_string();
        assert!(err.contains(":3:") && err.contains("UTF-8"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
