//! Imbalanced classification, two remedies: class weights at fit and threshold moving after it.
//!
//! On a 95/5 problem, logistic regression with `class_weight = balanced` finds more of the
//! minority class than the unweighted fit, and a decision threshold chosen on validation scores
//! (`breadth_metrics::thresholds`: maximum F1, Youden's J, minimum expected cost) beats the
//! default 0.5 on held-out F1 / cost.

use breadth_classic::linear::logistic::{ClassWeight, LogisticRegressionParams};
use breadth_core::{Classifier, Dataset, Fit};
use breadth_data::generators::MakeClassification;
use breadth_data::model_selection::split::{TestSize, TrainTestSplit};
use breadth_metrics::classification::{f1_score, recall, Average};
use breadth_metrics::thresholds::{max_fbeta, min_expected_cost, youden_j};
use ndarray::Array1;

const POSITIVE: Average = Average::Binary { pos_label: 1 };

/// Train / validation / test, stratified, from a 95/5 problem with overlapping classes.
fn imbalanced() -> (Dataset, Dataset, Dataset) {
    let ds = MakeClassification::default()
        .n_samples(4000)
        .n_features(6)
        .n_informative(3)
        .class_sep(1.0)
        .flip_y(0.0)
        .weights(vec![0.95])
        .seed(11)
        .generate()
        .unwrap();
    let (train, rest) = TrainTestSplit::new(TestSize::Fraction(0.5))
        .stratified()
        .apply(&ds)
        .unwrap();
    let (val, test) = TrainTestSplit::new(TestSize::Fraction(0.5))
        .seed(1)
        .stratified()
        .apply(&rest)
        .unwrap();
    (train, val, test)
}

fn truth(ds: &Dataset) -> Array1<usize> {
    ds.class_target("test").unwrap().0.to_owned()
}

fn positive_scores(model: &impl Classifier, ds: &Dataset) -> Array1<f64> {
    model
        .predict_proba(ds.features())
        .unwrap()
        .column(1)
        .to_owned()
}

fn at(scores: &Array1<f64>, threshold: f64) -> Array1<usize> {
    scores.mapv(|s| usize::from(s >= threshold))
}

#[test]
fn balanced_class_weight_raises_minority_recall() {
    let (train, _, test) = imbalanced();
    let y = truth(&test);
    let plain = LogisticRegressionParams::default().fit(&train).unwrap();
    let balanced = LogisticRegressionParams::default()
        .class_weight(ClassWeight::Balanced)
        .fit(&train)
        .unwrap();
    let r_plain = recall(
        y.view(),
        plain.predict(test.features()).unwrap().view(),
        POSITIVE,
    )
    .unwrap();
    let r_bal = recall(
        y.view(),
        balanced.predict(test.features()).unwrap().view(),
        POSITIVE,
    )
    .unwrap();
    assert!(
        r_bal > r_plain + 0.2,
        "balanced recall {r_bal} vs unweighted {r_plain}"
    );
}

#[test]
fn thresholds_chosen_on_validation_beat_one_half_on_test() {
    let (train, val, test) = imbalanced();
    let model = LogisticRegressionParams::default().fit(&train).unwrap();
    let (yv, yt) = (truth(&val), truth(&test));
    let (sv, st) = (
        positive_scores(&model, &val),
        positive_scores(&model, &test),
    );

    let f1 = |y: &Array1<usize>, s: &Array1<f64>, t: f64| {
        f1_score(y.view(), at(s, t).view(), POSITIVE).unwrap()
    };
    let tuned = max_fbeta(yv.view(), sv.view(), 1.0).unwrap();
    assert!(
        tuned.threshold < 0.5,
        "a rare class wants a lower cut: {}",
        tuned.threshold
    );
    assert!((tuned.value - f1(&yv, &sv, tuned.threshold)).abs() < 1e-12);
    let (f_tuned, f_half) = (f1(&yt, &st, tuned.threshold), f1(&yt, &st, 0.5));
    assert!(
        f_tuned > f_half,
        "test F1 {f_tuned} at {} vs {f_half} at 0.5",
        tuned.threshold
    );

    // Youden's J weighs both error rates equally: on a 95/5 problem it cuts lower still.
    let j = youden_j(yv.view(), sv.view()).unwrap();
    assert!(j.threshold < tuned.threshold);
    let tpr_fpr = |t: f64| {
        let p = at(&st, t);
        let tp = (0..yt.len()).filter(|&i| yt[i] == 1 && p[i] == 1).count() as f64;
        let fp = (0..yt.len()).filter(|&i| yt[i] == 0 && p[i] == 1).count() as f64;
        let pos = yt.iter().filter(|&&v| v == 1).count() as f64;
        tp / pos - fp / (yt.len() as f64 - pos)
    };
    assert!(tpr_fpr(j.threshold) > tpr_fpr(0.5));

    // A missed positive costing 10 false alarms: the cheapest cut on validation is cheaper on
    // test than 0.5.
    let (c_fp, c_fn) = (1.0, 10.0);
    let cost = min_expected_cost(yv.view(), sv.view(), c_fp, c_fn).unwrap();
    let mean_cost = |t: f64| {
        let p = at(&st, t);
        (0..yt.len())
            .map(|i| match (yt[i], p[i]) {
                (0, 1) => c_fp,
                (1, 0) => c_fn,
                _ => 0.0,
            })
            .sum::<f64>()
            / yt.len() as f64
    };
    assert!(
        mean_cost(cost.threshold) < mean_cost(0.5),
        "cost {} at {} vs {} at 0.5 (validation {})",
        mean_cost(cost.threshold),
        cost.threshold,
        mean_cost(0.5),
        cost.value
    );
}
