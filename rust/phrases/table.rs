//! The sharded count table behind [`super::PhraseCounts`]: short keys inline in their slot,
//! one table for words and one for keys with the delimiter per shard, and the keys one
//! sentence adds in gensim's order.

use hashbrown::HashTable;

use super::{contains, hash, Connectors};

#[derive(Debug)]
pub(super) struct Setup {
    pub(super) delimiter: String,
    pub(super) connectors: Connectors,
    pub(super) max_vocab_size: Option<usize>,
}

/// Keys up to this many bytes live inside their slot (no second cache miss to compare them).
pub(super) const INLINE: usize = 20;
/// The count table is split by hash into this many shards, so that threads can fill disjoint
/// shards of one table at the same time.
pub(super) const N_SHARDS: usize = 16;
/// Bit of a `KeyList` offset that holds the key's kind.
pub(super) const KIND_BIT: usize = usize::BITS as usize - 1;
/// Batches with fewer tokens are counted on the calling thread.
pub(super) const PARALLEL_MIN_TOKENS: usize = 8192;

#[inline]
pub(super) fn shard_of(h: u64) -> usize {
    (h >> 32) as usize % N_SHARDS
}

/// A key and its count: short keys inline, long ones as an offset into the shard's arena.
#[derive(Clone, Copy)]
pub(super) struct Slot {
    pub(super) count: u64,
    pub(super) len: u32,
    pub(super) data: [u8; INLINE],
}

impl Slot {
    #[inline]
    pub(super) fn key<'a>(&'a self, arena: &'a [u8]) -> &'a [u8] {
        let n = self.len as usize;
        if n <= INLINE {
            &self.data[..n]
        } else {
            let mut off = [0u8; 8];
            off.copy_from_slice(&self.data[..8]);
            let off = u64::from_le_bytes(off) as usize;
            &arena[off..off + n]
        }
    }
}

/// A key being looked up: short keys zero-padded like an inline slot, so that comparing
/// them is one fixed-size comparison instead of a call to `memcmp`.
pub(super) struct Probe<'k> {
    pub(super) key: &'k [u8],
    pub(super) data: [u8; INLINE],
}

impl<'k> Probe<'k> {
    #[inline]
    pub(super) fn new(key: &'k [u8]) -> Probe<'k> {
        let mut data = [0u8; INLINE];
        if key.len() <= INLINE {
            data[..key.len()].copy_from_slice(key);
        }
        Probe { key, data }
    }

    #[inline]
    pub(super) fn matches(&self, s: &Slot, arena: &[u8]) -> bool {
        s.len as usize == self.key.len()
            && if self.key.len() <= INLINE {
                s.data == self.data
            } else {
                s.key(arena) == self.key
            }
    }
}

/// Part of the count table. Keys without the delimiter (words) and keys with it (phrases,
/// and words that contain it) live in two tables, so that the words, looked up at every
/// token, stay in a small table that the cache holds.
#[derive(Clone, Default)]
pub(super) struct Shard {
    pub(super) tables: [HashTable<Slot>; 2],
    pub(super) arena: Vec<u8>,
    pub(super) garbage: usize,
}

impl Shard {
    pub(super) fn len(&self) -> usize {
        self.tables[0].len() + self.tables[1].len()
    }

    pub(super) fn slots(&self) -> impl Iterator<Item = (&[u8], u64)> {
        self.tables
            .iter()
            .flat_map(move |t| t.iter().map(move |s| (s.key(&self.arena), s.count)))
    }

    /// `kind` is 1 if `key` contains the delimiter, else 0.
    #[inline]
    pub(super) fn get(&self, h: u64, key: &[u8], kind: usize) -> u64 {
        let arena = &self.arena;
        let probe = Probe::new(key);
        self.tables[kind]
            .find(h, |s| probe.matches(s, arena))
            .map_or(0, |s| s.count)
    }

    /// Adds `n` to the count of `key` (`h` is its hash, `kind` as for `get`); true if the
    /// key is new.
    #[inline]
    pub(super) fn add(&mut self, h: u64, key: &[u8], kind: usize, n: u64) -> bool {
        let probe = Probe::new(key);
        let arena = &mut self.arena;
        match self.tables[kind].entry(h, |s| probe.matches(s, arena), |s| hash(s.key(arena))) {
            hashbrown::hash_table::Entry::Occupied(mut e) => {
                e.get_mut().count += n;
                false
            }
            hashbrown::hash_table::Entry::Vacant(e) => {
                let mut data = probe.data;
                if key.len() > INLINE {
                    data[..8].copy_from_slice(&(arena.len() as u64).to_le_bytes());
                    arena.extend_from_slice(key);
                }
                e.insert(Slot {
                    count: n,
                    len: key.len() as u32,
                    data,
                });
                true
            }
        }
    }

    /// Drops the keys seen fewer than `min` times; returns how many were dropped.
    pub(super) fn retain_at_least(&mut self, min: u64) -> usize {
        let before = self.len();
        let mut freed = 0;
        for t in self.tables.iter_mut() {
            t.retain(|s| {
                let keep = s.count >= min;
                if !keep && s.len as usize > INLINE {
                    freed += s.len as usize;
                }
                keep
            });
        }
        self.garbage += freed;
        if self.garbage > self.arena.len() / 2 {
            let mut arena = Vec::with_capacity(self.arena.len() - self.garbage);
            for s in self.tables.iter_mut().flat_map(|t| t.iter_mut()) {
                if s.len as usize > INLINE {
                    let start = arena.len() as u64;
                    arena.extend_from_slice(s.key(&self.arena));
                    s.data[..8].copy_from_slice(&start.to_le_bytes());
                }
            }
            self.arena = arena;
            self.garbage = 0;
        }
        before - self.len()
    }
}

/// The keys of a group of sentences, in order (phase one of [`PhraseCounts::add_batch`]).
#[derive(Default)]
pub(super) struct KeyList {
    pub(super) bytes: Vec<u8>,
    /// `(hash, end offset in bytes | kind << 63)` of each key.
    pub(super) keys: Vec<(u64, usize)>,
    pub(super) words: u64,
    pub(super) sentences: u64,
}

/// Calls `f(hash, key, kind)` for each key one sentence adds (`kind` is 1 if the key contains
/// the delimiter), in gensim's `_learn_vocab` order:
/// every non-connector word, and after each non-connector word but the first, the phrase
/// from the previous one (connector words in between included). Returns the tokens seen.
#[inline]
pub(super) fn sentence_keys<'t>(
    setup: &Setup,
    tokens: impl IntoIterator<Item = &'t str>,
    key: &mut Vec<u8>,
    mid: &mut Vec<u8>,
    mut f: impl FnMut(u64, &[u8], usize),
) -> u64 {
    let d = setup.delimiter.as_bytes();
    mid.clear();
    let mut start: Option<&[u8]> = None;
    let mut n = 0u64;
    for w in tokens {
        let w = w.as_bytes();
        n += 1;
        let h = hash(w);
        if !setup.connectors.contains(h, w) {
            f(h, w, contains(w, d) as usize);
            if let Some(s) = start {
                key.clear();
                key.extend_from_slice(s);
                key.extend_from_slice(mid);
                key.extend_from_slice(d);
                key.extend_from_slice(w);
                f(hash(key), key, 1);
            }
            start = Some(w);
            mid.clear();
        } else if start.is_some() {
            mid.extend_from_slice(d);
            mid.extend_from_slice(w);
        }
    }
    n
}
