//! # embedrs
//!
//! Word2vec training (skip-gram and CBOW with negative sampling) on lock-free Hogwild threads,
//! with vocabularies counted in parallel from files or fed from any token source.
//!
//! The crate is usable from Rust without Python; the `python` feature adds the PyO3
//! bindings (`rust/python`), the only module that knows about Python.
//!
//! ```
//! use embedrs::corpus::IdCorpusBuilder;
//! use embedrs::train::{init_weights, train, NoProgress, TrainConfig};
//! use embedrs::vocab::VocabConfig;
//!
//! let mut b = IdCorpusBuilder::new(None, 10_000);
//! for _ in 0..50 {
//!     b.add_line(b"the cat sat on the mat").unwrap();
//!     b.add_line(b"the dog sat on the rug").unwrap();
//! }
//! let (vocab, corpus, _) = b.finish(VocabConfig { min_count: 1, max_final_vocab: None }).unwrap();
//! let cfg = TrainConfig { vector_size: 16, sg: true, epochs: 2, ..Default::default() };
//! let (mut syn0, mut syn1) = init_weights(&vocab, cfg.vector_size, cfg.seed).unwrap();
//! let report = train(&cfg, &vocab, embedrs::corpus::CorpusRef::Ids(&corpus), &mut syn0, &mut syn1, &mut NoProgress).unwrap();
//! assert_eq!(report.epochs.len(), 2);
//! ```

pub mod cancel;
pub mod corpus;
pub mod error;
pub mod hash;
pub mod lazy;
pub mod model;
pub mod phrases;
pub mod pipeline;
pub mod prefetch;
pub mod reader;
pub mod replica;
pub mod sampling;
pub mod text;
pub mod threads;
pub mod train;
pub mod vocab;

#[cfg(feature = "python")]
mod python;

pub use error::{EmbedError, Result};
