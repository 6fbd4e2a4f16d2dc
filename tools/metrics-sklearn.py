"""Reference values for nn.metrics, computed independently of mbquad (numpy, scikit-learn).

Writes test/fixtures/metrics-reference.json: seeded random predictions (some rows with a
confidence of exactly 1, some ties) and scores with ties, with
- accuracy and NLL by numpy,
- ECE top-label L1 with 15 equal-width bins as torchmetrics' MulticlassCalibrationError computes it
  (torch.bucketize(right=True) over linspace(0, 1, 16): bin j holds j/15 <= conf < (j+1)/15, and a
  confidence of exactly 1 its own bin), written here from that description,
- AUROC by sklearn.metrics.roc_auc_score (ties count 1/2), entropy by scipy.stats.entropy.
Run: /usr/bin/python3 tools/metrics-sklearn.py   (apt-get install python3-sklearn)
"""
import json

import numpy as np
import scipy.stats
import sklearn
from sklearn.metrics import roc_auc_score

rng = np.random.default_rng(7)
cases = []
for n, C, temperature in [(200, 10, 1.0), (57, 3, 0.2), (31, 2, 5.0)]:
    logits = rng.normal(size=(n, C)) / temperature
    probs = np.exp(logits - logits.max(axis=1, keepdims=True))
    probs /= probs.sum(axis=1, keepdims=True)
    probs[0] = 0.0
    probs[0, 1] = 1.0  # a confidence of exactly 1 (its own ECE bin)
    probs[1] = 1.0 / C  # a tie: argmax is the first
    labels = rng.integers(0, C, size=n)
    labels[0] = 1  # confident (exactly 1) and right
    conf = probs.max(axis=1)
    pred = probs.argmax(axis=1)
    correct = (pred == labels).astype(float)
    bins = 15
    boundaries = np.linspace(0, 1, bins + 1)
    index = np.searchsorted(boundaries, conf, side="right") - 1  # = bucketize(right=True) - 1
    ece = 0.0
    for j in range(bins + 1):
        mask = index == j
        if mask.any():
            ece += mask.mean() * abs(correct[mask].mean() - conf[mask].mean())
    with np.errstate(divide="ignore"):
        nll = float(-np.mean(np.log(probs[np.arange(n), labels])))
    cases.append({
        "n": n, "classes": C,
        "probs": probs.ravel().tolist(), "labels": labels.tolist(),
        "accuracy": float(correct.mean()), "nll": nll if np.isfinite(nll) else "Infinity", "ece": float(ece),
        "entropy": scipy.stats.entropy(probs, axis=1).tolist(),
    })

scores = []
for m, k in [(100, 80), (13, 29)]:
    s_in = np.round(rng.normal(size=m), 1)  # rounded: many ties, within and across the groups
    s_out = np.round(rng.normal(loc=0.7, size=k), 1)
    y = np.r_[np.zeros(m), np.ones(k)]
    scores.append({"in": s_in.tolist(), "out": s_out.tolist(), "auroc": float(roc_auc_score(y, np.r_[s_in, s_out]))})

with open("test/fixtures/metrics-reference.json", "w") as f:
    json.dump({"sklearn": sklearn.__version__, "numpy": np.__version__, "cases": cases, "scores": scores}, f)
print("wrote test/fixtures/metrics-reference.json")
