"""A plain gensim 4 script: train word2vec, save, load, query, evaluate.

    python benches/gensim_script.py CORPUS EVAL_DIR OUT_DIR

benches/bench_gensim_script.py runs it as it is and with its import line changed to
``from embedrs.compat.gensim import ...``, and prints both outputs and timings side by side.
Nothing else in it changes.
"""

import sys
import time

from gensim.models import KeyedVectors, Word2Vec, word2vec

corpus, evaluation, out = sys.argv[1:4]
timings = {}

t = time.perf_counter()
model = Word2Vec(
    word2vec.LineSentence(corpus),
    vector_size=100, window=5, min_count=5, sg=1, negative=5, epochs=5, workers=2, seed=1,
)
timings["train"] = time.perf_counter() - t
print(f"vocabulary {len(model.wv)} words; corpus {model.corpus_count} sentences, "
      f"{model.corpus_total_words} words")

t = time.perf_counter()
model.save(f"{out}/model.w2v")
model = Word2Vec.load(f"{out}/model.w2v")
model.wv.save_word2vec_format(f"{out}/vectors.txt")
wv = KeyedVectors.load_word2vec_format(f"{out}/vectors.txt")
timings["save+load"] = time.perf_counter() - t

t = time.perf_counter()
for word in ("computer", "water", "music", "king", "file"):
    print(f"{word}: " + ", ".join(w for w, _ in wv.most_similar(word, topn=5)))
king = wv.most_similar(positive=["woman", "king"], negative=["man"], topn=3)
print("man : king :: woman : " + ", ".join(w for w, _ in king))
print(f"similarity(cat, dog) {wv.similarity('cat', 'dog'):.2f}")
print("doesn't match: " + wv.doesnt_match(["breakfast", "cereal", "dinner", "lunch", "disk"]))
timings["queries"] = time.perf_counter() - t

t = time.perf_counter()
score, _ = wv.evaluate_word_analogies(f"{evaluation}/questions-words.txt")
pearson, spearman, oov = wv.evaluate_word_pairs(f"{evaluation}/wordsim353.tsv")
print(f"analogies {100 * score:.1f}%; WordSim353 Spearman {spearman[0]:.3f} ({oov:.0f}% OOV)")
timings["evaluate"] = time.perf_counter() - t
print("timings: " + ", ".join(f"{k} {v:.2f}s" for k, v in timings.items()))
