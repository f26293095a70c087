//! The Huffman tree of hierarchical softmax (`hs`): each word is a leaf, and predicting it
//! means predicting the binary decisions on its path from the root, one logistic regression
//! per inner node (Morin & Bengio, 2005; Mikolov et al., 2013). Frequent words get short
//! paths, so the expected cost per prediction is the entropy of the unigram distribution.
//!
//! Built as word2vec.c's `CreateBinaryTree` does, with two queues (leaves by ascending count,
//! inner nodes in the order they are made, whose weights never decrease), after one sort of
//! the words by count: O(V log V) for any vocabulary order (a grown vocabulary appends new
//! words unsorted). Ties take the leaf's competitor, the inner node, first, as word2vec.c.
//!
//! Inner nodes are numbered from the root down: the root is row 0 of the output matrix
//! `syn1`, and a node made later (heavier) has a smaller number than one made earlier. So, as
//! with the input rows of the frequency-sorted vocabulary, the rows every thread touches all
//! the time are the first ones (which the trainer keeps thread-private, see
//! `TrainConfig::private_rows`). word2vec.c and gensim number them the other way (root last);
//! the codes and the rows they address are consistent either way.
//!
//! Paths need no fixed bound (word2vec.c stops at 40): they are stored end to end. A path of
//! length `L` needs a total count of at least the Fibonacci number `F(L + 1)`, so with `u64`
//! counts no path is longer than 92.

use std::cmp::Reverse;

use crate::error::{EmbedError, Result};
use crate::prefetch::prefetch_ref;

/// The paths of every word: for word `w`, `points(w)` are the inner nodes (rows of `syn1`)
/// from the root down, and `codes(w)` the decision taken at each (0 or 1; the label of the
/// logistic regression is `1 - code`, as in word2vec.c).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HuffmanTree {
    /// Every path's inner nodes, end to end.
    points: Vec<u32>,
    /// Every path's decisions, end to end.
    codes: Vec<u8>,
    /// Path `w` is `starts[w]..starts[w + 1]`.
    starts: Vec<usize>,
}

/// Longest path the tree can hold (see the module docs): a guard against corrupted counts.
pub const MAX_CODE_LENGTH: usize = 128;

impl HuffmanTree {
    /// The tree of words with these counts (word `i` has `counts[i]`). One word (or none)
    /// has an empty path: there is nothing to decide.
    ///
    /// # Errors
    /// `InvalidParameter` naming `hs` if the vocabulary has more than `u32::MAX` words, or
    /// a path would exceed [`MAX_CODE_LENGTH`] (impossible with `u64` counts).
    pub fn new(counts: &[u64]) -> Result<HuffmanTree> {
        let v = counts.len();
        if v > u32::MAX as usize {
            return Err(EmbedError::param(
                "hs",
                format!("a Huffman tree of {v} words has more inner nodes than u32 can count"),
            ));
        }
        if v < 2 {
            return Ok(HuffmanTree {
                points: Vec::new(),
                codes: Vec::new(),
                starts: vec![0; v + 1],
            });
        }
        // Leaves by ascending count; among equal counts, higher ids first (word2vec.c walks
        // its descending-sorted vocabulary backwards).
        let mut leaves: Vec<u32> = (0..v as u32).collect();
        leaves.sort_by_key(|&w| (counts[w as usize], Reverse(w)));
        // Node `n < v` is leaf `n`; node `v + k` is the k-th inner node made.
        let inner = v - 1;
        let mut weight: Vec<u128> = Vec::with_capacity(inner);
        let mut parent = vec![0u32; v + inner];
        let mut bit = vec![0u8; v + inner];
        let (mut next_leaf, mut next_inner) = (0usize, 0usize);
        let take = |weight: &Vec<u128>, next_leaf: &mut usize, next_inner: &mut usize| {
            let leaf = (*next_leaf < v).then(|| counts[leaves[*next_leaf] as usize] as u128);
            let node = (*next_inner < weight.len()).then(|| weight[*next_inner]);
            match (leaf, node) {
                (Some(l), Some(n)) if l < n => {
                    *next_leaf += 1;
                    (leaves[*next_leaf - 1] as usize, l)
                }
                (Some(l), None) => {
                    *next_leaf += 1;
                    (leaves[*next_leaf - 1] as usize, l)
                }
                (_, Some(n)) => {
                    *next_inner += 1;
                    (v + *next_inner - 1, n)
                }
                (None, None) => unreachable!("two nodes remain while a merge is due"),
            }
        };
        for k in 0..inner {
            let (a, wa) = take(&weight, &mut next_leaf, &mut next_inner);
            let (b, wb) = take(&weight, &mut next_leaf, &mut next_inner);
            weight.push(wa + wb);
            parent[a] = (v + k) as u32;
            parent[b] = (v + k) as u32;
            bit[b] = 1;
        }
        // Inner node `v + k` is row `inner - 1 - k` (the root, made last, is row 0).
        let row = |node: usize| (inner - 1 - (node - v)) as u32;
        let root = v + inner - 1;
        let mut starts = Vec::with_capacity(v + 1);
        let mut points = Vec::new();
        let mut codes = Vec::new();
        let mut path: Vec<(u32, u8)> = Vec::with_capacity(64);
        starts.push(0);
        for w in 0..v {
            path.clear();
            let mut node = w;
            while node != root {
                let up = parent[node] as usize;
                path.push((row(up), bit[node]));
                node = up;
                if path.len() > MAX_CODE_LENGTH {
                    return Err(EmbedError::param(
                        "hs",
                        format!(
                            "the Huffman code of word {w} is longer than {MAX_CODE_LENGTH} \
                             bits (corrupted counts?)"
                        ),
                    ));
                }
            }
            for &(p, c) in path.iter().rev() {
                points.push(p);
                codes.push(c);
            }
            starts.push(points.len());
        }
        Ok(HuffmanTree {
            points,
            codes,
            starts,
        })
    }

    /// Number of words.
    pub fn len(&self) -> usize {
        self.starts.len() - 1
    }

    /// True for a tree of no word.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Word `w`'s inner nodes (rows of `syn1`) from the root down.
    #[inline(always)]
    pub fn points(&self, w: u32) -> &[u32] {
        &self.points[self.starts[w as usize]..self.starts[w as usize + 1]]
    }

    /// Word `w`'s decisions, one per entry of [`HuffmanTree::points`].
    #[inline(always)]
    pub fn codes(&self, w: u32) -> &[u8] {
        &self.codes[self.starts[w as usize]..self.starts[w as usize + 1]]
    }

    /// Asks the CPU to start loading word `w`'s path (a hint: no effect on results). The
    /// paths of a large vocabulary do not stay in cache, and a centre word's path is needed
    /// before its rows can be found.
    #[inline(always)]
    pub fn prefetch(&self, w: u32) {
        let start = self.starts[w as usize];
        if let (Some(p), Some(c)) = (self.points.get(start), self.codes.get(start)) {
            prefetch_ref(p);
            prefetch_ref(c);
        }
    }

    /// The longest path.
    pub fn max_code_length(&self) -> usize {
        self.starts
            .windows(2)
            .map(|s| s[1] - s[0])
            .max()
            .unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::{BinaryHeap, HashMap};

    /// The optimal weighted path length `sum count * depth`: the sum of the weights of every
    /// merge of a heap-based Huffman construction (any optimal tree has this cost).
    fn optimal_cost(counts: &[u64]) -> u128 {
        if counts.len() < 2 {
            return 0;
        }
        let mut heap: BinaryHeap<Reverse<u128>> =
            counts.iter().map(|&c| Reverse(c as u128)).collect();
        let mut cost = 0;
        while heap.len() > 1 {
            let Reverse(a) = heap.pop().unwrap();
            let Reverse(b) = heap.pop().unwrap();
            cost += a + b;
            heap.push(Reverse(a + b));
        }
        cost
    }

    fn cost(tree: &HuffmanTree, counts: &[u64]) -> u128 {
        (0..counts.len() as u32)
            .map(|w| counts[w as usize] as u128 * tree.codes(w).len() as u128)
            .sum()
    }

    fn check_tree(counts: &[u64]) {
        let tree = HuffmanTree::new(counts).unwrap();
        let v = counts.len();
        assert_eq!(tree.len(), v);
        // Optimal: the weighted path length of an optimal prefix code.
        assert_eq!(cost(&tree, counts), optimal_cost(counts), "{counts:?}");
        // Prefix-free: no word's code starts another's (so distinct, too).
        for a in 0..v as u32 {
            assert_eq!(tree.points(a).len(), tree.codes(a).len());
            if v > 1 {
                assert!(!tree.codes(a).is_empty());
            }
            for b in 0..v as u32 {
                if a != b {
                    let (ca, cb) = (tree.codes(a), tree.codes(b));
                    assert!(!cb.starts_with(ca), "{a} is a prefix of {b}: {ca:?} {cb:?}");
                }
            }
        }
        // One tree: the same decisions lead to the same node, every path starts at the root
        // (row 0), and the v - 1 inner nodes are rows 0..v-1, each with two children.
        let mut node_of: HashMap<Vec<u8>, u32> = HashMap::new();
        let mut children: HashMap<u32, [bool; 2]> = HashMap::new();
        for w in 0..v as u32 {
            let (p, c) = (tree.points(w), tree.codes(w));
            if let Some(&first) = p.first() {
                assert_eq!(first, 0, "paths start at the root");
            }
            for i in 0..p.len() {
                assert!((p[i] as usize) < v - 1);
                let prev = node_of.insert(c[..i].to_vec(), p[i]);
                assert!(prev.is_none() || prev == Some(p[i]), "inconsistent tree");
                children.entry(p[i]).or_default()[c[i] as usize] = true;
            }
        }
        assert_eq!(children.len(), v.saturating_sub(1));
        assert!(children.values().all(|c| c[0] && c[1]));
        // Heavier inner nodes (fewer leading decisions) never have larger rows than their
        // descendants.
        for w in 0..v as u32 {
            assert!(tree.points(w).windows(2).all(|p| p[0] < p[1]));
        }
    }

    #[test]
    fn small_trees() {
        check_tree(&[]);
        check_tree(&[7]);
        check_tree(&[3, 3]);
        check_tree(&[5, 4, 3, 2, 1]);
        check_tree(&[1, 1, 1, 1, 1, 1, 1, 1]);
        check_tree(&[1, 100, 2, 50]); // not sorted (a grown vocabulary)
        let t = HuffmanTree::new(&[10, 1]).unwrap();
        assert_eq!((t.points(0), t.points(1)), (&[0u32][..], &[0u32][..]));
        assert_eq!(t.codes(0)[0] + t.codes(1)[0], 1);
    }

    #[test]
    fn the_most_frequent_word_has_the_shortest_code() {
        let counts = [1000, 500, 250, 125, 60, 30, 15, 8, 4, 2, 1, 1];
        let t = HuffmanTree::new(&counts).unwrap();
        let lens: Vec<usize> = (0..12).map(|w| t.codes(w).len()).collect();
        assert_eq!(lens[0], 1);
        assert!(lens.windows(2).all(|l| l[0] <= l[1]), "{lens:?}");
    }

    #[test]
    fn fibonacci_counts_give_the_deepest_tree_and_stay_bounded() {
        // The worst case for depth: each merge takes the previous subtree and one leaf.
        let mut fib = vec![1u64, 1];
        while fib.len() < 90 {
            let n = fib[fib.len() - 1] + fib[fib.len() - 2];
            fib.push(n);
        }
        let t = HuffmanTree::new(&fib).unwrap();
        assert_eq!(t.max_code_length(), fib.len() - 1);
        assert!(t.max_code_length() <= MAX_CODE_LENGTH);
        assert_eq!(cost(&t, &fib), optimal_cost(&fib));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn codes_are_prefix_free_and_optimal(counts in prop::collection::vec(1u64..1000, 0..40)) {
            check_tree(&counts);
        }

        #[test]
        fn skewed_counts_are_optimal(exps in prop::collection::vec(0u32..40, 2..30)) {
            let counts: Vec<u64> = exps.iter().map(|&e| 1u64 << e).collect();
            check_tree(&counts);
        }
    }
}
