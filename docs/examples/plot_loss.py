"""
Training loss per epoch
=======================

``Word2Vec.epoch_stats_`` records every epoch: the exact negative-sampling loss (summed in
double precision on each thread), the number of predictions, the words read and the time.
Here skip-gram and CBOW train for ten epochs on the sample corpus; the mean loss per
prediction falls with every epoch as the learning rate decays.
"""

import matplotlib.pyplot as plt

import embedrs

curves = {}
for name, sg in [("skip-gram", 1), ("CBOW", 0)]:
    model = embedrs.Word2Vec(
        vector_size=100, window=5, min_count=5, sg=sg, epochs=10, n_jobs=2, random_state=1
    )
    model.fit(embedrs.sample_corpus_path())
    curves[name] = [e.mean_loss for e in model.epoch_stats_]
    print(f"{name}: " + ", ".join(f"{x:.3f}" for x in curves[name]))

fig, ax = plt.subplots(figsize=(7, 4.5))
for name, losses in curves.items():
    ax.plot(range(1, len(losses) + 1), losses, marker="o", label=name)
ax.set(xlabel="epoch", ylabel="mean loss per prediction")
ax.set_title("Negative-sampling loss per epoch on the sample corpus")
ax.legend()
ax.grid(alpha=0.3)
fig.tight_layout()
plt.show()
