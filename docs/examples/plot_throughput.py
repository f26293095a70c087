"""
Throughput against threads
==========================

Training runs on ``n_jobs`` lock-free threads. This example trains the same model with 1, 2,
... threads (up to the cores of the machine that builds these pages) and plots the words
trained per second. The figures are from that machine, on a small corpus: the benchmarks page
has the measured speed on the 14.8M-word benchmark corpus.
"""

import os

import matplotlib.pyplot as plt

import embedrs

cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
threads = list(range(1, min(cores, 4) + 1))
results = {}
for name, sg in [("skip-gram", 1), ("CBOW", 0)]:
    speeds = []
    for n in threads:
        model = embedrs.Word2Vec(
            vector_size=100, window=5, min_count=5, sg=sg, epochs=3, n_jobs=n, random_state=1
        )
        model.fit(embedrs.sample_corpus_path())
        speeds.append(model.n_words_seen_ / model.train_time_)
    results[name] = speeds
    per_thread = ", ".join(f"{n}: {s:,.0f}" for n, s in zip(threads, speeds, strict=True))
    print(f"{name}, {model.simd_kernel_} kernel, words/s by threads: {per_thread}")

fig, ax = plt.subplots(figsize=(7, 4.5))
for name, speeds in results.items():
    ax.plot(threads, [s / 1e6 for s in speeds], marker="o", label=name)
ax.set(xlabel="threads (n_jobs)", ylabel="million words per second", xticks=threads)
ax.set_ylim(bottom=0)
ax.set_title(f"Training throughput, {cores}-core build machine")
ax.legend()
ax.grid(alpha=0.3)
fig.tight_layout()
plt.show()
