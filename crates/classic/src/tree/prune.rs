//! Minimal cost-complexity pruning (Breiman et al., *Classification and Regression Trees*,
//! 1984, ch. 3), exactly as scikit-learn's `_cost_complexity_prune`.
//!
//! With $R(t) = \frac{W_t}{W} I_t$ the weighted impurity of node $t$ and $R(T_t)$ the sum of
//! $R$ over the leaves of the branch rooted at $t$, the effective alpha of an internal node is
//! $g(t) = \frac{R(t) - R(T_t)}{|\tilde T_t| - 1}$, with $|\tilde T_t|$ its number of leaves.
//! Pruning repeatedly collapses the branch of smallest $g$ (the first in node order on ties)
//! into a leaf. The sequence of those minima is the pruning path (`ccp_alphas`), each with the
//! total leaf impurity $R(T)$ of the tree that results; fitting with `ccp_alpha` $=\alpha$ keeps
//! the last tree of the path whose effective alpha is $\le \alpha$.
//!
//! Cost: $O(L \cdot N)$ for $N$ nodes and $L$ leaves.
//!
//! ```
//! use breadth_classic::tree::DecisionTreeClassifierParams;
//! let iris = breadth_data::datasets::load("iris").unwrap();
//! let path = DecisionTreeClassifierParams::default().cost_complexity_pruning_path(&iris).unwrap();
//! assert_eq!(path.ccp_alphas[0], 0.0);
//! assert!(path.ccp_alphas.windows(2).all(|w| w[0] <= w[1]));
//! ```

use super::model::{Tree, LEAF};

/// The effective alphas of successive prunings and the total leaf impurity after each.
#[derive(Debug, Clone, PartialEq)]
pub struct PruningPath {
    /// Effective alphas, starting at 0 for the unpruned tree.
    pub ccp_alphas: Vec<f64>,
    /// Sum of the weighted leaf impurities of the tree at each alpha.
    pub impurities: Vec<f64>,
}

/// Run the pruning loop until `stop(alpha)`; returns which nodes are leaves of the result.
fn prune_loop(
    tree: &Tree,
    stop: impl Fn(f64) -> bool,
    mut save: impl FnMut(f64, f64),
) -> Vec<bool> {
    let nodes = &tree.nodes;
    let n = nodes.len();
    let total = nodes[0].weight;
    let r_node: Vec<f64> = nodes
        .iter()
        .map(|t| t.weight * t.impurity / total)
        .collect();
    let mut parent = vec![LEAF; n];
    for (i, t) in nodes.iter().enumerate() {
        if !t.is_leaf() {
            parent[t.left] = i;
            parent[t.right] = i;
        }
    }
    let mut leaves: Vec<bool> = nodes.iter().map(|t| t.is_leaf()).collect();
    let mut n_leaves = vec![0usize; n];
    let mut r_branch = vec![0.0; n];
    for leaf in (0..n).filter(|&i| leaves[i]) {
        r_branch[leaf] = r_node[leaf];
        let mut i = leaf;
        while i != 0 {
            let p = parent[i];
            r_branch[p] += r_node[leaf];
            n_leaves[p] += 1;
            i = p;
        }
    }
    let mut candidate: Vec<bool> = leaves.iter().map(|l| !l).collect();
    let mut in_subtree = vec![true; n];
    save(0.0, r_branch[0]);
    while candidate[0] {
        let mut alpha = f64::MAX;
        let mut pruned = 0;
        for i in (0..n).filter(|&i| candidate[i]) {
            let a = (r_node[i] - r_branch[i]) / (n_leaves[i] - 1) as f64;
            if a < alpha {
                alpha = a;
                pruned = i;
            }
        }
        if stop(alpha) {
            break;
        }
        let mut stack = vec![pruned];
        while let Some(i) = stack.pop() {
            if !in_subtree[i] {
                continue;
            }
            candidate[i] = false;
            leaves[i] = false;
            in_subtree[i] = false;
            if !nodes[i].is_leaf() {
                stack.push(nodes[i].left);
                stack.push(nodes[i].right);
            }
        }
        leaves[pruned] = true;
        in_subtree[pruned] = true;
        let n_pruned = n_leaves[pruned] - 1;
        n_leaves[pruned] = 0;
        let r_diff = r_node[pruned] - r_branch[pruned];
        r_branch[pruned] = r_node[pruned];
        let mut i = parent[pruned];
        while i != LEAF {
            n_leaves[i] -= n_pruned;
            r_branch[i] += r_diff;
            i = parent[i];
        }
        save(alpha, r_branch[0]);
    }
    leaves
}

/// The full pruning path of a grown tree.
pub(crate) fn pruning_path(tree: &Tree) -> PruningPath {
    let mut path = PruningPath {
        ccp_alphas: Vec::new(),
        impurities: Vec::new(),
    };
    prune_loop(
        tree,
        |_| false,
        |a, r| {
            path.ccp_alphas.push(a);
            path.impurities.push(r);
        },
    );
    path
}

/// The subtree for complexity `alpha`, renumbered in pre-order (left first).
pub(crate) fn prune(tree: &Tree, alpha: f64) -> Tree {
    if alpha <= 0.0 {
        return tree.clone();
    }
    let leaves = prune_loop(tree, |a| alpha < a, |_, _| {});
    let mut out = Tree {
        nodes: Vec::new(),
        values: Vec::new(),
        n_values: tree.n_values,
        n_features: tree.n_features,
        single_precision: tree.single_precision,
    };
    let mut stack = vec![(0usize, LEAF, false)];
    while let Some((orig, parent, is_left)) = stack.pop() {
        let id = out.nodes.len();
        let mut node = tree.nodes[orig].clone();
        if leaves[orig] {
            node.left = LEAF;
            node.right = LEAF;
        }
        out.nodes.push(node);
        out.values.extend_from_slice(tree.value(orig));
        if parent != LEAF {
            if is_left {
                out.nodes[parent].left = id;
            } else {
                out.nodes[parent].right = id;
            }
        }
        if !leaves[orig] {
            stack.push((tree.nodes[orig].right, id, false));
            stack.push((tree.nodes[orig].left, id, true));
        }
    }
    out
}
