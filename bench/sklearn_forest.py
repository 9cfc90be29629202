"""Reference for bench/forest.ts: scikit-learn's RandomForestClassifier on the same split.

usage: python3 bench/sklearn_forest.py DIR TREES DEPTH
DIR holds train.f32 / test.f32 (rows x 17 float32, row-major) and train.u8 / test.u8
(labels). Prints one JSON line: fit seconds (one thread; wall and CPU), test AUC, predict seconds.
"""
import json
import sys

from forest_data import fit_and_score
from sklearn.ensemble import RandomForestClassifier


def main():
    directory, trees, depth = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    forest = RandomForestClassifier(n_estimators=trees, max_depth=depth, max_features="sqrt", n_jobs=1, random_state=7)
    print(json.dumps(fit_and_score(forest, directory)))


main()
