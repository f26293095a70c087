//! The one tokenizer, and batches of tokenised sentences.
//!
//! A line is a sentence. Tokens are maximal runs of bytes that are not ASCII whitespace
//! (space, `\t`, `\n`, `\r`, form feed), the rule word2vec.c uses; Unicode spaces such as
//! U+00A0 and the vertical tab stay inside tokens. Every path that splits text (corpus files,
//! sentences and documents given as `str` from Python, phrase counting, pooling on any device)
//! splits it here, so the same text gives the same tokens everywhere.

/// Default for `max_sentence_length` (gensim's limit; word2vec.c uses 1000).
pub const DEFAULT_MAX_SENTENCE_LENGTH: usize = 10_000;

/// Longest token kept whole, in bytes: a longer one is cut to its first `MAX_TOKEN_BYTES`
/// bytes (at a character boundary), as word2vec.c cuts at 100. Words are far shorter; the cap
/// bounds the memory one token can take, whatever the input.
pub const MAX_TOKEN_BYTES: usize = 1000;

/// `token` cut to at most [`MAX_TOKEN_BYTES`] bytes, at a UTF-8 character boundary (a
/// character the cut would split is left out whole; bytes that are not UTF-8 are cut at the
/// limit).
#[inline]
pub fn cap_token(token: &[u8]) -> &[u8] {
    if token.len() <= MAX_TOKEN_BYTES {
        return token;
    }
    &token[..MAX_TOKEN_BYTES - straddling(&token[..MAX_TOKEN_BYTES], token[MAX_TOKEN_BYTES])]
}

/// How many bytes at the end of `kept` belong to a character that continues with `next`:
/// 0 if `next` starts a character (or the bytes are not UTF-8), else 1 to 3.
#[inline]
pub fn straddling(kept: &[u8], next: u8) -> usize {
    let continuation = |b: u8| b & 0xC0 == 0x80;
    if !continuation(next) {
        return 0;
    }
    (1..=3.min(kept.len()))
        .find(|&j| !continuation(kept[kept.len() - j]))
        .unwrap_or(0)
}

/// Splits a line into tokens on ASCII whitespace (each cut by [`cap_token`]).
#[inline]
pub fn tokenize(line: &[u8]) -> impl Iterator<Item = &[u8]> {
    line.split(|b| b.is_ascii_whitespace())
        .filter(|t| !t.is_empty())
        .map(cap_token)
        .filter(|t| !t.is_empty())
}

/// Sentences stored back to back (one buffer of text, the ends of tokens and of sentences):
/// a batch handed over from Python, or a chunk of a file.
#[derive(Debug, Clone, Default)]
pub struct SentenceBatch {
    text: String,
    tok_ends: Vec<usize>,
    sent_ends: Vec<usize>,
}

impl SentenceBatch {
    /// An empty batch.
    pub fn new() -> SentenceBatch {
        SentenceBatch::default()
    }

    /// Appends a token to the current sentence (cut by [`cap_token`]).
    pub fn push_token(&mut self, token: &str) {
        let kept = cap_token(token.as_bytes()).len();
        self.text.push_str(&token[..kept]);
        self.tok_ends.push(self.text.len());
    }

    /// Ends the current sentence (an empty sentence is allowed).
    pub fn end_sentence(&mut self) {
        self.sent_ends.push(self.tok_ends.len());
    }

    /// Appends `text` as one sentence split by [`tokenize`]; the sentence is ended even if
    /// it has no token (a document or sentence given as a `str` is always one item).
    pub fn push_text(&mut self, text: &str) {
        for tok in tokenize(text.as_bytes()) {
            // `tokenize` cuts only at ASCII bytes, so every token of a str is a str.
            self.push_token(std::str::from_utf8(tok).unwrap_or_default());
        }
        self.end_sentence();
    }

    /// Appends a line of a file as one sentence, split by [`tokenize`] (invalid UTF-8
    /// replaced by U+FFFD). A blank line adds nothing.
    pub fn push_line(&mut self, line: &[u8]) {
        let before = self.tok_ends.len();
        for tok in tokenize(line) {
            match std::str::from_utf8(tok) {
                Ok(s) => self.push_token(s),
                Err(_) => self.push_token(&String::from_utf8_lossy(tok)),
            }
        }
        if self.tok_ends.len() > before {
            self.end_sentence();
        }
    }

    /// Number of sentences.
    pub fn len(&self) -> usize {
        self.sent_ends.len()
    }

    /// True if the batch holds no sentence.
    pub fn is_empty(&self) -> bool {
        self.sent_ends.is_empty()
    }

    /// Number of tokens.
    pub fn n_tokens(&self) -> usize {
        self.tok_ends.len()
    }

    /// Removes everything, keeping the allocations.
    pub fn clear(&mut self) {
        self.text.clear();
        self.tok_ends.clear();
        self.sent_ends.clear();
    }

    /// Indices (into the whole batch) of the tokens of sentence `i`.
    pub fn token_range(&self, i: usize) -> std::ops::Range<usize> {
        let start = if i == 0 { 0 } else { self.sent_ends[i - 1] };
        start..self.sent_ends[i]
    }

    /// Token `k` of the batch.
    pub fn token(&self, k: usize) -> &str {
        let a = if k == 0 { 0 } else { self.tok_ends[k - 1] };
        &self.text[a..self.tok_ends[k]]
    }

    /// The tokens of sentence `i`.
    pub fn sentence(&self, i: usize) -> impl Iterator<Item = &str> + '_ {
        self.token_range(i).map(move |k| self.token(k))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokenize_splits_on_ascii_whitespace_only() {
        let toks: Vec<_> = tokenize(b" a\tb\r\nc\xc2\xa0d\x0be\x0cf  ").collect();
        assert_eq!(toks, vec![&b"a"[..], b"b", b"c\xc2\xa0d\x0be", b"f"]);
    }

    #[test]
    fn long_tokens_are_cut_at_a_character_boundary() {
        let long = "é".repeat(600); // 1200 bytes of 2-byte characters
        let cut = cap_token(long.as_bytes());
        assert_eq!(cut.len(), MAX_TOKEN_BYTES);
        assert!(std::str::from_utf8(cut).is_ok());
        let odd = format!("a{long}"); // the boundary falls inside a character
        let cut = cap_token(odd.as_bytes());
        assert_eq!(cut.len(), MAX_TOKEN_BYTES - 1);
        assert!(std::str::from_utf8(cut).is_ok());
        let line = format!("x {odd} y");
        let toks: Vec<_> = tokenize(line.as_bytes()).map(|t| t.len()).collect();
        assert_eq!(toks, [1, MAX_TOKEN_BYTES - 1, 1]);
        let mut b = SentenceBatch::new();
        b.push_token(&odd);
        assert_eq!(b.token(0).len(), MAX_TOKEN_BYTES - 1);
    }

    #[test]
    fn text_always_ends_a_sentence_and_lines_skip_blanks() {
        let mut b = SentenceBatch::new();
        b.push_text("new york\u{a0}city");
        b.push_text("   ");
        b.push_line(b"  ");
        b.push_line(b"a \xff b");
        assert_eq!(b.len(), 3);
        assert_eq!(b.sentence(0).collect::<Vec<_>>(), ["new", "york\u{a0}city"]);
        assert_eq!(b.sentence(1).count(), 0);
        assert_eq!(b.sentence(2).collect::<Vec<_>>(), ["a", "\u{fffd}", "b"]);
    }
}
