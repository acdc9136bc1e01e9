//! The seeded random generator used everywhere in breadth.
//!
//! There is no global RNG: every randomized algorithm takes a seed (in its parameters) or an
//! `&mut Rng`. ChaCha8 is portable (the same stream on every platform and version of `rand_chacha`
//! 0.9), fast, and splittable by seeding children from the parent, which keeps parallel work
//! independent of the thread count: derive one child per task *before* distributing the tasks.
//!
//! ```
//! use breadth_core::rng::{seeded_rng, child_seeds};
//! use rand::Rng as _;
//! let a: u64 = seeded_rng(7).random();
//! let b: u64 = seeded_rng(7).random();
//! assert_eq!(a, b);
//! assert_eq!(child_seeds(7, 3), child_seeds(7, 3));
//! ```

use rand::{RngCore, SeedableRng};

/// The generator type: ChaCha with 8 rounds.
pub type Rng = rand_chacha::ChaCha8Rng;

/// A generator from a 64-bit seed.
pub fn seeded_rng(seed: u64) -> Rng {
    Rng::seed_from_u64(seed)
}

/// `n` independent seeds derived from `seed`, one per parallel task.
pub fn child_seeds(seed: u64, n: usize) -> Vec<u64> {
    let mut rng = seeded_rng(seed);
    (0..n).map(|_| rng.next_u64()).collect()
}
