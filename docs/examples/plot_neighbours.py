"""
Neighbouring words in two dimensions
====================================

Train skip-gram vectors on the bundled sample corpus, take the nearest neighbours of a few
words, and project all of them to two dimensions with a PCA. Words that occur in the same
contexts end up close together: metals and colours near ``gold``, rulers near ``king``.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.decomposition import PCA

import embedrs

model = embedrs.Word2Vec(
    vector_size=100, window=5, min_count=5, sg=1, epochs=5, n_jobs=2, random_state=1
)
model.fit(embedrs.sample_corpus_path())
print(f"{len(model.wv_)} words, {model.n_words_seen_:,} words trained in {model.train_time_:.1f}s")

# %%
# The nearest neighbours by cosine similarity:

seeds = ["gold", "king", "sea", "bread"]
groups = {seed: [w for w, _ in model.wv_.most_similar(seed, topn=8)] for seed in seeds}
for seed, words in groups.items():
    print(f"{seed}: {', '.join(words)}")

# %%
# All of them in one PCA projection, one colour per seed word:

words = [w for seed in seeds for w in [seed, *groups[seed]]]
xy = PCA(n_components=2, random_state=0).fit_transform(np.stack([model.wv_[w] for w in words]))

fig, ax = plt.subplots(figsize=(8, 6))
for k, seed in enumerate(seeds):
    idx = [i for i, w in enumerate(words) if w == seed or w in groups[seed]]
    ax.scatter(xy[idx, 0], xy[idx, 1], color=f"C{k}", label=seed, s=30)
    for i in idx:
        ax.annotate(
            words[i], xy[i], xytext=(3, 3), textcoords="offset points", fontsize=9,
            fontweight="bold" if words[i] == seed else "normal",
        )
ax.set(xlabel="first principal component", ylabel="second principal component")
ax.set_title("Nearest neighbours of four words (skip-gram, d=100, PCA)")
ax.legend(title="seed word")
fig.tight_layout()
plt.show()
