//! [`Words`] (the words in id order, in one buffer) and the word index: open addressing
//! over a power-of-two table whose slots a reader can prefetch ahead of the lookups.

use std::hash::BuildHasher;

use rustc_hash::FxBuildHasher;

/// Words in id order, stored back to back in one buffer (one allocation for the whole
/// vocabulary, which keeps loading a large model cheap).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Words {
    pub(super) text: String,
    ends: Vec<usize>,
}

impl Words {
    /// An empty list with room for `n` words.
    pub fn with_capacity(n: usize) -> Self {
        Words {
            text: String::with_capacity(n * 8),
            ends: Vec::with_capacity(n),
        }
    }

    /// Appends a word.
    pub fn push(&mut self, w: &str) {
        self.text.push_str(w);
        self.ends.push(self.text.len());
    }

    /// Number of words.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// True if empty.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Word `i`.
    #[inline]
    pub fn get(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.text[start..self.ends[i]]
    }

    /// The words in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        (0..self.len()).map(|i| self.get(i))
    }

    /// The words as owned strings.
    pub fn to_vec(&self) -> Vec<String> {
        self.iter().map(str::to_owned).collect()
    }
}

impl std::ops::Index<usize> for Words {
    type Output = str;
    fn index(&self, i: usize) -> &str {
        self.get(i)
    }
}

impl<S: AsRef<str>> PartialEq<[S]> for Words {
    fn eq(&self, other: &[S]) -> bool {
        self.len() == other.len() && self.iter().zip(other).all(|(a, b)| a == b.as_ref())
    }
}

impl<S: AsRef<str>, const N: usize> PartialEq<[S; N]> for Words {
    fn eq(&self, other: &[S; N]) -> bool {
        self == &other[..]
    }
}

impl<S: AsRef<str>, const N: usize> PartialEq<[S; N]> for &Words {
    fn eq(&self, other: &[S; N]) -> bool {
        *self == &other[..]
    }
}

impl<S: AsRef<str>> PartialEq<Vec<S>> for Words {
    fn eq(&self, other: &Vec<S>) -> bool {
        self == &other[..]
    }
}

impl<'a> IntoIterator for &'a Words {
    type Item = &'a str;
    type IntoIter = Box<dyn ExactSizeIterator<Item = &'a str> + 'a>;
    fn into_iter(self) -> Self::IntoIter {
        Box::new(self.iter())
    }
}

impl std::fmt::Debug for Words {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// One entry of the word index: the id and where the word's bytes sit in the arena, so a
/// lookup compares bytes without first reading the word's boundaries.
#[derive(Clone, Copy)]
struct Slot {
    id: u32,
    len: u32,
    start: usize,
    /// The word's first 8 bytes, zero-padded: most words are shorter, and for them the
    /// comparison never leaves the slot.
    prefix: u64,
}

/// The first (up to) 8 bytes of `w` as a little-endian integer, zero-padded.
#[inline(always)]
fn prefix8(w: &[u8]) -> u64 {
    let mut b = [0u8; 8];
    let n = w.len().min(8);
    b[..n].copy_from_slice(&w[..n]);
    u64::from_le_bytes(b)
}

impl Slot {
    /// True if this slot holds the word `w` (whose prefix is `p`).
    #[inline(always)]
    fn holds(&self, w: &[u8], p: u64, text: &[u8]) -> bool {
        self.len as usize == w.len()
            && self.prefix == p
            && (w.len() <= 8 || text[self.start + 8..self.start + w.len()] == w[8..])
    }
}

/// Where a token's lookup starts: its home slot and its prefix. Computing it is pure
/// arithmetic, so a reader can compute the keys of the next few tokens, prefetch their slots
/// ([`Vocab::prefetch`]), and resolve them ([`Vocab::get_keyed`]) once the slots have loaded.
#[derive(Clone, Copy, Debug)]
pub struct LookupKey {
    pub(super) home: usize,
    prefix: u64,
}

/// The word index: open addressing with linear probing over a power-of-two table kept at most
/// two-thirds full. A lookup reads the home slot (rarely a neighbour or two), whose address
/// follows from the hash alone (a SwissTable first reads a group of control bytes). Its size,
/// 24 bytes x the power of two above 1.5 x words, is that of a hashbrown table of the same
/// words (25 bytes x the power of two above 8/7 x words) or, for some sizes, twice it.
#[derive(Clone, Default)]
pub(super) struct WordIndex {
    slots: Vec<Slot>,
    /// `64 - log2(slots.len())`: the home slot is the top bits of the mixed hash.
    shift: u32,
}

/// Marks an empty slot.
const EMPTY_SLOT: Slot = Slot {
    id: u32::MAX,
    len: 0,
    start: 0,
    prefix: 0,
};

impl WordIndex {
    fn with_words(n: usize) -> WordIndex {
        let cap = n.saturating_add(n / 2).max(2).next_power_of_two();
        WordIndex {
            slots: vec![EMPTY_SLOT; cap],
            shift: 64 - cap.trailing_zeros(),
        }
    }

    #[inline(always)]
    pub(super) fn key(&self, hasher: &FxBuildHasher, w: &[u8]) -> LookupKey {
        // Fibonacci hashing on top of FxHash: the top bits of the product are well mixed.
        let h = hasher.hash_one(w).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        LookupKey {
            home: (h >> self.shift) as usize,
            prefix: prefix8(w),
        }
    }

    /// Linear probing from the home slot: `Ok(id)` of the slot holding `w`, or `Err(i)`, the
    /// first empty slot (the table is never full).
    #[inline(always)]
    fn probe(&self, k: LookupKey, w: &[u8], text: &[u8]) -> std::result::Result<u32, usize> {
        let mask = self.slots.len() - 1;
        let mut i = k.home & mask;
        loop {
            let s = &self.slots[i];
            if s.id == u32::MAX {
                return Err(i);
            }
            if s.holds(w, k.prefix, text) {
                return Ok(s.id);
            }
            i = (i + 1) & mask;
        }
    }

    /// Asks the CPU to start loading the slot a lookup of `key` reads first (a hint).
    #[inline(always)]
    pub(super) fn prefetch(&self, key: LookupKey) {
        crate::prefetch::prefetch_ref(&self.slots[key.home & (self.slots.len() - 1)]);
    }

    #[inline(always)]
    pub(super) fn find(&self, k: LookupKey, w: &[u8], text: &[u8]) -> Option<u32> {
        self.probe(k, w, text).ok()
    }

    /// Adds `slot` unless its word is present; returns false if it was.
    fn insert(&mut self, k: LookupKey, slot: Slot, w: &[u8], text: &[u8]) -> bool {
        match self.probe(k, w, text) {
            Ok(_) => false,
            Err(i) => {
                self.slots[i] = slot;
                true
            }
        }
    }
}

/// Hashes every word into an index; returns it and the position of the first repeated word.
pub(super) fn build_index(words: &Words, hasher: &FxBuildHasher) -> (WordIndex, Option<usize>) {
    let mut index = WordIndex::with_words(words.len());
    let text = words.text.as_bytes();
    let mut duplicate = None;
    let mut start = 0;
    for (i, &end) in words.ends.iter().enumerate() {
        let w = &text[start..end];
        let k = index.key(hasher, w);
        // Ids are u32 below u32::MAX (the empty marker): vocabularies are far smaller.
        let slot = Slot {
            id: u32::try_from(i).unwrap_or(u32::MAX - 1).min(u32::MAX - 1),
            len: w.len() as u32,
            start,
            prefix: k.prefix,
        };
        if !index.insert(k, slot, w, text) {
            duplicate.get_or_insert(i);
        }
        start = end;
    }
    (index, duplicate)
}
