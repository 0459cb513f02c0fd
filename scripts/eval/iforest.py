#!/usr/bin/python3
"""Isolation Forest scores for flowhound's evaluation harness (scripts/eval.mjs).

Reads JSON {"train": [[...]], "test": [[...]], "seed": N} on stdin, fits
sklearn's IsolationForest (200 trees, default contamination) on the training
rows and prints JSON {"scores": [...]}: -score_samples(test), so that higher
means more anomalous. Run with Debian's /usr/bin/python3 (python3-sklearn).
"""
import json
import sys

from sklearn.ensemble import IsolationForest


def main() -> None:
    req = json.load(sys.stdin)
    forest = IsolationForest(n_estimators=200, random_state=req.get("seed", 1))
    forest.fit(req["train"])
    scores = [-float(s) for s in forest.score_samples(req["test"])]
    json.dump({"scores": scores}, sys.stdout)


if __name__ == "__main__":
    main()
