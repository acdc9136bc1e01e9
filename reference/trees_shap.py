"""SHAP values from the `shap` package for breadth's TreeSHAP test.

The model is scikit-learn's DecisionTreeRegressor(min_samples_leaf=10) on diabetes (raw
features), a case where breadth grows the identical tree (see reference/trees.py, tie_free), so
path-dependent TreeSHAP must give the same attributions. Writes
crates/classic/tests/fixtures/trees/shap.json with the values of the first 25 rows.

Run: python reference/trees_shap.py   (shap 0.51.0, scikit-learn 1.9.1; `pip install shap`)
"""

import json
from pathlib import Path

import numpy as np
import shap
import sklearn
from sklearn.datasets import load_diabetes
from sklearn.tree import DecisionTreeRegressor

OUT = Path(__file__).resolve().parent.parent / "crates/classic/tests/fixtures/trees"

X, y = load_diabetes(return_X_y=True, scaled=False)
model = DecisionTreeRegressor(min_samples_leaf=10, random_state=0).fit(X, y)
explainer = shap.TreeExplainer(model)
values = explainer.shap_values(X[:25])
doc = {
    "generator": f"reference/trees_shap.py, shap {shap.__version__}, scikit-learn {sklearn.__version__}",
    "rows": 25,
    "expected_value": float(np.ravel(explainer.expected_value)[0]),
    "values": values.tolist(),
}
(OUT / "shap.json").write_text(json.dumps(doc))
print(doc["generator"], doc["expected_value"], np.abs(values.sum(1) + doc["expected_value"] - model.predict(X[:25])).max())
