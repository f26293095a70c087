//! The frozen phrase table: the accepted phrases with their scores, applied with gensim's
//! greedy left-to-right rule.

use super::counts::PhraseCounts;
use super::{
    can_pass, contains, hash, occurrences, python_split_ends, sort_phrases, Connectors,
    ScoreParams, MAX_SPLIT_POINTS,
};
use hashbrown::HashTable;

use crate::error::Result;
use crate::text::SentenceBatch;

impl PhraseCounts {
    /// The frozen phrase table: every reading of every key as a candidate `a [connectors] b`
    /// whose score passes the threshold (see the module documentation), scored with
    /// `n_threads` threads.
    ///
    /// # Errors
    /// `InvalidParameter` for invalid `params`.
    pub fn freeze(&self, params: &ScoreParams, n_threads: usize) -> Result<FrozenPhrases> {
        params.validate()?;
        let d = self.setup.delimiter.as_bytes();
        let candidates: Vec<(&[u8], u64)> = self
            .slots()
            .filter(|&(k, c)| can_pass(c, params) && contains(k, d))
            .collect();
        let n_threads = n_threads.max(1).min(candidates.len().div_ceil(4096).max(1));
        let chunk = candidates.len().div_ceil(n_threads).max(1);
        let parts: Vec<(Vec<u8>, Vec<FEntry>)> = crate::threads::run_all(
            candidates
                .chunks(chunk)
                .map(|part| move || self.score_keys(part, params))
                .collect(),
        );
        let mut arena = Vec::new();
        let mut entries = Vec::new();
        for (a, es) in parts {
            let base = arena.len();
            arena.extend_from_slice(&a);
            entries.extend(es.into_iter().map(|mut e| {
                e.off += base;
                e
            }));
        }
        Ok(FrozenPhrases::build(
            self.setup.delimiter.clone(),
            self.setup.connectors.clone(),
            *params,
            self.corpus_word_count,
            self.n_keys as u64,
            arena,
            entries,
        ))
    }

    fn score_keys(&self, keys: &[(&[u8], u64)], params: &ScoreParams) -> (Vec<u8>, Vec<FEntry>) {
        let d = self.setup.delimiter.as_bytes();
        let dl = d.len();
        let len_vocab = self.n_keys as u64;
        let mut arena = Vec::new();
        let mut entries = Vec::new();
        let mut occ = Vec::new();
        let mut b_counts = Vec::new();
        for &(k, count) in keys {
            let Some((p0, q0)) = python_split_ends(k, d) else {
                continue;
            };
            occ.clear();
            occurrences(k, d, &mut occ);
            if occ.len() > MAX_SPLIT_POINTS {
                occ.clear();
                occ.push(p0);
                if q0 != p0 {
                    occ.push(q0);
                }
            }
            b_counts.clear();
            b_counts.extend(occ.iter().map(|&q| self.get_bytes(&k[q + dl..])));
            let mut stored = false;
            for (i, &p) in occ.iter().enumerate() {
                let ca = self.get_bytes(&k[..p]);
                if ca == 0 {
                    continue;
                }
                for (j, &q) in occ.iter().enumerate().skip(i) {
                    if q != p && q < p + dl {
                        continue; // overlapping delimiters cannot both be boundaries
                    }
                    let cb = b_counts[j];
                    if cb == 0 {
                        continue;
                    }
                    let score = params.scoring.score(
                        ca,
                        cb,
                        count,
                        len_vocab,
                        params.min_count,
                        self.corpus_word_count,
                    );
                    if score > params.threshold {
                        if !stored {
                            arena.extend_from_slice(k);
                            stored = true;
                        }
                        entries.push(FEntry {
                            hash: hash(k),
                            off: arena.len() - k.len(),
                            len: k.len() as u32,
                            len_a: p as u32,
                            len_b: (k.len() - q - dl) as u32,
                            gensim: p == p0 && q == q0,
                            score,
                        });
                    }
                }
            }
        }
        (arena, entries)
    }
}
// ------------------------------------------------------------------------------------------
// The frozen phrase table

#[derive(Clone, Copy, Debug)]
pub(super) struct FEntry {
    pub(super) hash: u64,
    pub(super) off: usize,
    pub(super) len: u32,
    pub(super) len_a: u32,
    pub(super) len_b: u32,
    pub(super) gensim: bool,
    pub(super) score: f64,
}

/// One output token of [`FrozenPhrases::analyze`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Piece {
    /// The input token at this index, unchanged.
    Token(usize),
    /// The input tokens `start..end` joined by the delimiter.
    Phrase {
        /// First token of the phrase.
        start: usize,
        /// One past its last token.
        end: usize,
        /// The phrase's score.
        score: f64,
    },
}

/// The phrases accepted from a [`PhraseCounts`], small and immutable, applied with gensim's
/// greedy left-to-right rule.
#[derive(Clone)]
pub struct FrozenPhrases {
    pub(super) delimiter: String,
    pub(super) connectors: Connectors,
    pub(super) params: ScoreParams,
    pub(super) corpus_word_count: u64,
    pub(super) vocabulary_size: u64,
    pub(super) arena: Vec<u8>,
    /// Sorted by (key, len_a, len_b).
    pub(super) entries: Vec<FEntry>,
    pub(super) index: HashTable<u32>,
    pub(super) first_words: HashTable<u64>,
    pub(super) last_words: HashTable<u64>,
    pub(super) n_phrases: usize,
}

impl std::fmt::Debug for FrozenPhrases {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FrozenPhrases")
            .field("phrases", &self.n_phrases)
            .field("params", &self.params)
            .field("delimiter", &self.delimiter)
            .finish()
    }
}

impl FrozenPhrases {
    pub(super) fn build(
        delimiter: String,
        connectors: Connectors,
        params: ScoreParams,
        corpus_word_count: u64,
        vocabulary_size: u64,
        mut arena: Vec<u8>,
        mut entries: Vec<FEntry>,
    ) -> FrozenPhrases {
        let key =
            |arena: &[u8], e: &FEntry| -> Vec<u8> { arena[e.off..e.off + e.len as usize].to_vec() };
        {
            let a = &arena;
            entries.sort_by(|x, y| {
                a[x.off..x.off + x.len as usize]
                    .cmp(&a[y.off..y.off + y.len as usize])
                    .then(x.len_a.cmp(&y.len_a))
                    .then(x.len_b.cmp(&y.len_b))
            });
        }
        // Store each distinct key once, in order.
        let mut packed: Vec<u8> = Vec::with_capacity(arena.len());
        let mut prev: Option<(usize, usize)> = None;
        let mut n_phrases = 0;
        for e in entries.iter_mut() {
            let k = key(&arena, e);
            match prev {
                Some((off, len)) if packed[off..off + len] == k[..] => e.off = off,
                _ => {
                    let off = packed.len();
                    packed.extend_from_slice(&k);
                    prev = Some((off, k.len()));
                    e.off = off;
                    n_phrases += 1;
                }
            }
        }
        arena = packed;
        let dl = delimiter.len();
        let mut index = HashTable::with_capacity(entries.len());
        let mut first_words = HashTable::new();
        let mut last_words = HashTable::new();
        for (i, e) in entries.iter().enumerate() {
            index.insert_unique(e.hash, i as u32, |&j| entries[j as usize].hash);
            let k = &arena[e.off..e.off + e.len as usize];
            let ha = hash(&k[..e.len_a as usize]);
            if first_words.find(ha, |&x| x == ha).is_none() {
                first_words.insert_unique(ha, ha, |&x| x);
            }
            let hb = hash(&k[e.len as usize - e.len_b as usize..]);
            if last_words.find(hb, |&x| x == hb).is_none() {
                last_words.insert_unique(hb, hb, |&x| x);
            }
            debug_assert!(e.len_a as usize + dl + e.len_b as usize <= e.len as usize);
        }
        FrozenPhrases {
            delimiter,
            connectors,
            params,
            corpus_word_count,
            vocabulary_size,
            arena,
            entries,
            index,
            first_words,
            last_words,
            n_phrases,
        }
    }

    /// Number of distinct phrases.
    pub fn len(&self) -> usize {
        self.n_phrases
    }

    /// True if no phrase was accepted.
    pub fn is_empty(&self) -> bool {
        self.n_phrases == 0
    }

    /// The delimiter that joins phrases.
    pub fn delimiter(&self) -> &str {
        &self.delimiter
    }

    /// The connector words, sorted.
    pub fn connector_words(&self) -> &[String] {
        &self.connectors.words
    }

    /// The scoring parameters used to freeze.
    pub fn params(&self) -> ScoreParams {
        self.params
    }

    /// Tokens in the corpus counted (gensim's `corpus_word_count`).
    pub fn corpus_word_count(&self) -> u64 {
        self.corpus_word_count
    }

    /// Keys in the count table it was frozen from (gensim's `len(vocab)`).
    pub fn vocabulary_size(&self) -> u64 {
        self.vocabulary_size
    }

    fn entry_key(&self, e: &FEntry) -> &[u8] {
        &self.arena[e.off..e.off + e.len as usize]
    }

    /// Every phrase with its score, best first: gensim's `export_phrases()` for every phrase
    /// gensim exports (same score), plus phrases gensim's re-splitting misses (tokens that
    /// contain the delimiter), with the best score of their readings.
    pub fn export_phrases(&self) -> Vec<(String, f64)> {
        let mut out: Vec<(String, f64)> = Vec::with_capacity(self.n_phrases);
        let mut i = 0;
        while i < self.entries.len() {
            let e0 = &self.entries[i];
            let mut j = i + 1;
            while j < self.entries.len() && self.entries[j].off == e0.off {
                j += 1;
            }
            let group = &self.entries[i..j];
            let score = group
                .iter()
                .find(|e| e.gensim)
                .map(|e| e.score)
                .unwrap_or_else(|| {
                    group
                        .iter()
                        .map(|e| e.score)
                        .fold(f64::NEG_INFINITY, f64::max)
                });
            out.push((
                String::from_utf8_lossy(self.entry_key(e0)).into_owned(),
                score,
            ));
            i = j;
        }
        sort_phrases(&mut out);
        out
    }

    /// The score of the candidate `tokens[s]`, connectors, `tokens[e]`, if it is a phrase.
    #[inline]
    fn lookup(
        &self,
        tokens: &[&str],
        s: usize,
        hs: u64,
        e: usize,
        he: u64,
        key: &mut Vec<u8>,
    ) -> Option<f64> {
        if self.first_words.find(hs, |&x| x == hs).is_none()
            || self.last_words.find(he, |&x| x == he).is_none()
        {
            return None;
        }
        let d = self.delimiter.as_bytes();
        key.clear();
        key.extend_from_slice(tokens[s].as_bytes());
        for t in &tokens[s + 1..=e] {
            key.extend_from_slice(d);
            key.extend_from_slice(t.as_bytes());
        }
        let (la, lb) = (tokens[s].len() as u32, tokens[e].len() as u32);
        let h = hash(key);
        self.index
            .find(h, |&i| {
                let en = &self.entries[i as usize];
                en.hash == h && en.len_a == la && en.len_b == lb && self.entry_key(en) == &key[..]
            })
            .map(|&i| self.entries[i as usize].score)
    }

    /// gensim's `analyze_sentence`: scans left to right; a non-connector word after a
    /// candidate start (and any connector words) forms a phrase if the table has it, else
    /// becomes the new start. Appends one [`Piece`] per output token to `out`.
    ///
    /// Unlike gensim, an empty-string token is kept as an ordinary token (gensim's
    /// truthiness test drops it).
    pub fn analyze(&self, tokens: &[&str], out: &mut Vec<Piece>) {
        let mut key = Vec::new();
        let mut start: Option<(usize, u64)> = None;
        for (i, w) in tokens.iter().enumerate() {
            let h = hash(w.as_bytes());
            if !self.connectors.contains(h, w.as_bytes()) {
                match start {
                    Some((s, hs)) => {
                        if let Some(score) = self.lookup(tokens, s, hs, i, h, &mut key) {
                            out.push(Piece::Phrase {
                                start: s,
                                end: i + 1,
                                score,
                            });
                            start = None;
                        } else {
                            out.extend((s..i).map(Piece::Token));
                            start = Some((i, h));
                        }
                    }
                    None => start = Some((i, h)),
                }
            } else if start.is_none() {
                out.push(Piece::Token(i));
            }
        }
        if let Some((s, _)) = start {
            out.extend((s..tokens.len()).map(Piece::Token));
        }
    }

    /// The sentence with its phrases joined.
    pub fn apply<S: AsRef<str>>(&self, tokens: &[S]) -> Vec<String> {
        let toks: Vec<&str> = tokens.iter().map(|t| t.as_ref()).collect();
        let mut pieces = Vec::with_capacity(toks.len());
        self.analyze(&toks, &mut pieces);
        pieces
            .into_iter()
            .map(|p| match p {
                Piece::Token(i) => toks[i].to_owned(),
                Piece::Phrase { start, end, .. } => toks[start..end].join(&self.delimiter),
            })
            .collect()
    }

    /// Analyses every sentence of a batch: the pieces of each sentence (tokens kept as they
    /// are, by index into the sentence, and phrases), and the text of every phrase joined
    /// with the delimiter, in order.
    pub fn transform_batch(&self, sents: &SentenceBatch) -> PhrasedBatch {
        let mut out = PhrasedBatch {
            pieces: Vec::with_capacity(sents.n_tokens()),
            ..Default::default()
        };
        let mut toks: Vec<&str> = Vec::new();
        let d = self.delimiter();
        for i in 0..sents.len() {
            toks.clear();
            toks.extend(sents.sentence(i));
            let from = out.pieces.len();
            self.analyze(&toks, &mut out.pieces);
            for p in &out.pieces[from..] {
                if let Piece::Phrase { start, end, .. } = *p {
                    for (k, t) in toks[start..end].iter().enumerate() {
                        if k > 0 {
                            out.joined.push_str(d);
                        }
                        out.joined.push_str(t);
                    }
                    out.joined_ends.push(out.joined.len());
                }
            }
            out.piece_ends.push(out.pieces.len());
        }
        out
    }
}

/// The sentences of a batch with their phrases joined ([`FrozenPhrases::transform_batch`]).
#[derive(Debug, Clone, Default)]
pub struct PhrasedBatch {
    /// The pieces of every sentence, concatenated.
    pub pieces: Vec<Piece>,
    /// The end of each sentence's pieces.
    pub piece_ends: Vec<usize>,
    /// The text of every phrase, concatenated.
    pub joined: String,
    /// The end of each phrase's text.
    pub joined_ends: Vec<usize>,
}

impl PhrasedBatch {
    /// The text of phrase `j` (counting the phrases of the whole batch in order).
    pub fn phrase(&self, j: usize) -> &str {
        let a = if j == 0 { 0 } else { self.joined_ends[j - 1] };
        &self.joined[a..self.joined_ends[j]]
    }
}
