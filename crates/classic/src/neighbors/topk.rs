//! The bounded sorted list that every k-nearest search fills: the $k$ smallest candidates under
//! the total order $(\text{key}, \text{index})$, so the result does not depend on the order in
//! which a search visits the candidates. Insertion costs $O(k)$, rejection $O(1)$.

/// The $k$ best `(key, index)` pairs seen so far, ascending.
#[derive(Debug, Clone)]
pub(crate) struct TopK {
    k: usize,
    keys: Vec<f64>,
    idx: Vec<usize>,
}

impl TopK {
    pub(crate) fn new(k: usize) -> Self {
        TopK {
            k,
            keys: Vec::with_capacity(k + 1),
            idx: Vec::with_capacity(k + 1),
        }
    }

    /// The key a candidate must not exceed to enter (`inf` until full).
    #[inline]
    pub(crate) fn worst(&self) -> f64 {
        if self.keys.len() < self.k {
            f64::INFINITY
        } else {
            self.keys[self.k - 1]
        }
    }

    /// Offer a candidate.
    #[inline]
    pub(crate) fn push(&mut self, key: f64, i: usize) {
        let n = self.keys.len();
        if n == self.k {
            let (wk, wi) = (self.keys[n - 1], self.idx[n - 1]);
            if key > wk || (key == wk && i > wi) {
                return;
            }
        }
        let mut pos = n;
        while pos > 0
            && (self.keys[pos - 1] > key || (self.keys[pos - 1] == key && self.idx[pos - 1] > i))
        {
            pos -= 1;
        }
        self.keys.insert(pos, key);
        self.idx.insert(pos, i);
        if self.keys.len() > self.k {
            self.keys.pop();
            self.idx.pop();
        }
    }

    /// The candidates' indices, best first.
    pub(crate) fn indices(&self) -> &[usize] {
        &self.idx
    }

    /// The `(key, index)` pairs, best first.
    pub(crate) fn into_pairs(self) -> Vec<(f64, usize)> {
        self.keys.into_iter().zip(self.idx).collect()
    }
}

/// Sort `(distance, index)` pairs by distance, then index: the documented tie rule.
pub(crate) fn sort_pairs(pairs: &mut [(f64, usize)]) {
    pairs.sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_k_smallest_with_index_ties() {
        let mut t = TopK::new(3);
        for (key, i) in [(5.0, 0), (1.0, 9), (3.0, 4), (1.0, 2), (3.0, 1), (0.5, 7)] {
            t.push(key, i);
        }
        assert_eq!(t.into_pairs(), vec![(0.5, 7), (1.0, 2), (1.0, 9)]);
        let mut t = TopK::new(2);
        for i in [5, 3, 8, 1] {
            t.push(2.0, i);
        }
        assert_eq!(t.indices(), &[1, 3]);
        assert_eq!(t.worst(), 2.0);
    }
}
