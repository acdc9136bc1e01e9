//! The named variables of a model: trainable parameters and non-trainable buffers.
//!
//! A [`Params`] is an ordered list of `(name, Var, trainable)`. Layers register their weights in it
//! when they are built (`"0.weight"`, `"bn1.running_mean"`), optimizers take its trainable
//! variables, and checkpoints save and restore all of it by name. Order is insertion order, so
//! iteration (and therefore every optimizer update and every saved file) is deterministic.
//! Freezing a prefix (a backbone) marks its parameters non-trainable without touching the layers.
//!
//! Cost: registering is $O(1)$; lookups by name are $O(p)$ in the number of variables, which is
//! small (tens) for every model here.
//!
//! ```
//! use breadth_nn::params::Params;
//! use candle_core::{Device, Tensor};
//! let mut p = Params::new();
//! p.add("w", Tensor::zeros(3, candle_core::DType::F32, &Device::Cpu).unwrap(), true).unwrap();
//! p.add("running_mean", Tensor::zeros(3, candle_core::DType::F32, &Device::Cpu).unwrap(), false).unwrap();
//! assert_eq!(p.trainable().len(), 1);
//! assert_eq!(p.len(), 2);
//! ```

use std::collections::HashMap;

use breadth_core::{Error, Result};
use candle_core::{DType, Device, Tensor, Var};
use serde::{Deserialize, Serialize};

/// One variable's value in a serializable form (inside a breadth model file).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedTensor {
    /// The variable's name.
    pub name: String,
    /// Its shape.
    pub shape: Vec<usize>,
    /// Its values, row-major, as f32 (exact for f32 models).
    pub data: Vec<f32>,
}

/// One registered variable.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Unique name (`"layer0.weight"`).
    pub name: String,
    /// The variable (shared with the layer that uses it).
    pub var: Var,
    /// Whether optimizers update it (false for buffers and frozen parameters).
    pub trainable: bool,
}

/// The ordered, named variables of a model.
#[derive(Debug, Clone, Default)]
pub struct Params {
    entries: Vec<Entry>,
}

impl Params {
    /// No variables yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Register `init` under `name` and return the variable; names must be unique.
    pub fn add(&mut self, name: &str, init: Tensor, trainable: bool) -> Result<Var> {
        if self.entries.iter().any(|e| e.name == name) {
            return Err(Error::param(
                "name",
                format!("variable `{name}` registered twice"),
            ));
        }
        let var = Var::from_tensor(&init).map_err(crate::tensor_err("registering a variable"))?;
        self.entries.push(Entry {
            name: name.to_string(),
            var: var.clone(),
            trainable,
        });
        Ok(var)
    }

    /// Number of variables (trainable or not).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when nothing is registered.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Every variable, in registration order.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The variables an optimizer should update, in registration order.
    pub fn trainable(&self) -> Vec<Var> {
        self.entries
            .iter()
            .filter(|e| e.trainable)
            .map(|e| e.var.clone())
            .collect()
    }

    /// Total number of scalar values in trainable variables.
    pub fn n_trainable_values(&self) -> usize {
        self.entries
            .iter()
            .filter(|e| e.trainable)
            .map(|e| e.var.elem_count())
            .sum()
    }

    /// The variable called `name`.
    pub fn get(&self, name: &str) -> Option<&Var> {
        self.entries.iter().find(|e| e.name == name).map(|e| &e.var)
    }

    /// Mark every variable whose name starts with `prefix` as (non-)trainable; returns how many.
    pub fn set_trainable(&mut self, prefix: &str, trainable: bool) -> usize {
        let mut n = 0;
        for e in self
            .entries
            .iter_mut()
            .filter(|e| e.name.starts_with(prefix))
        {
            e.trainable = trainable;
            n += 1;
        }
        n
    }

    /// A detached copy of every variable's current value, by name.
    pub fn snapshot(&self) -> Result<HashMap<String, Tensor>> {
        self.entries
            .iter()
            .map(|e| {
                // `copy` so later in-place updates of the variable cannot alias the snapshot.
                let t = e.var.as_tensor().detach().copy();
                t.map(|t| (e.name.clone(), t))
                    .map_err(crate::tensor_err("copying variables"))
            })
            .collect()
    }

    /// Every variable (parameters and buffers) as serializable f32 values.
    pub fn to_saved(&self) -> Result<Vec<SavedTensor>> {
        self.entries
            .iter()
            .map(|e| {
                let data = e
                    .var
                    .flatten_all()
                    .and_then(|t| t.to_dtype(DType::F32))
                    .and_then(|t| t.to_vec1::<f32>())
                    .map_err(crate::tensor_err("saving variables"))?;
                Ok(SavedTensor {
                    name: e.name.clone(),
                    shape: e.var.dims().to_vec(),
                    data,
                })
            })
            .collect()
    }

    /// Set every variable from values written by [`Params::to_saved`].
    pub fn load_saved(&self, saved: &[SavedTensor]) -> Result<()> {
        let values = saved
            .iter()
            .map(|s| {
                Tensor::from_slice(&s.data, s.shape.as_slice(), &Device::Cpu)
                    .map(|t| (s.name.clone(), t))
                    .map_err(|e| Error::param("model", format!("variable `{}`: {e}", s.name)))
            })
            .collect::<Result<HashMap<_, _>>>()?;
        self.restore(&values)
    }

    /// Set every variable from `values` by name; each must be present with the same shape.
    pub fn restore(&self, values: &HashMap<String, Tensor>) -> Result<()> {
        for e in &self.entries {
            let v = values.get(&e.name).ok_or_else(|| {
                Error::param("checkpoint", format!("holds no variable `{}`", e.name))
            })?;
            if v.dims() != e.var.dims() {
                return Err(Error::shape(
                    format!("variable `{}`", e.name),
                    format!("{:?}", e.var.dims()),
                    format!("{:?}", v.dims()),
                ));
            }
            let v = v
                .to_dtype(e.var.dtype())
                .map_err(crate::tensor_err("restoring a variable"))?;
            e.var
                .set(&v)
                .map_err(crate::tensor_err("restoring a variable"))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zeros(n: usize) -> Tensor {
        Tensor::zeros(n, DType::F32, &Device::Cpu).unwrap()
    }

    #[test]
    fn duplicate_names_are_refused() {
        let mut p = Params::new();
        p.add("a", zeros(2), true).unwrap();
        assert!(p.add("a", zeros(2), true).is_err());
    }

    #[test]
    fn snapshot_is_independent_and_restores() {
        let mut p = Params::new();
        let v = p.add("a", zeros(2), true).unwrap();
        let snap = p.snapshot().unwrap();
        v.set(&Tensor::ones(2, DType::F32, &Device::Cpu).unwrap())
            .unwrap();
        assert_eq!(snap["a"].to_vec1::<f32>().unwrap(), vec![0.0, 0.0]);
        p.restore(&snap).unwrap();
        assert_eq!(v.to_vec1::<f32>().unwrap(), vec![0.0, 0.0]);
    }

    #[test]
    fn saved_form_round_trips() {
        let mut p = Params::new();
        let v = p
            .add(
                "a",
                Tensor::new(&[1.5f32, -2.0], &Device::Cpu).unwrap(),
                true,
            )
            .unwrap();
        let saved = p.to_saved().unwrap();
        v.set(&zeros(2)).unwrap();
        p.load_saved(&saved).unwrap();
        assert_eq!(v.to_vec1::<f32>().unwrap(), vec![1.5, -2.0]);
        let mut wrong = saved.clone();
        wrong[0].shape = vec![1, 2];
        assert!(p.load_saved(&wrong).is_err());
    }

    #[test]
    fn freezing_a_prefix() {
        let mut p = Params::new();
        p.add("backbone.w", zeros(2), true).unwrap();
        p.add("head.w", zeros(2), true).unwrap();
        assert_eq!(p.set_trainable("backbone.", false), 1);
        assert_eq!(p.trainable().len(), 1);
        assert_eq!(p.n_trainable_values(), 2);
    }
}
