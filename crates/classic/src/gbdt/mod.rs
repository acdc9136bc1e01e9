//! Histogram gradient-boosted decision trees (LightGBM / XGBoost `hist` design).
