"""Reference for bench/forest.ts: XGBoost's random forest (histogram method) on the same split.

usage: python3 bench/xgboost_forest.py DIR TREES DEPTH FEATURES_PER_NODE
DIR holds train.f32 / test.f32 (rows x 17 float32, row-major) and train.u8 / test.u8
(labels), as for sklearn_forest.py. Prints one JSON line: fit seconds (one thread; wall and CPU), test
AUC, predict seconds, and the column fraction per node it used.
XGBRFClassifier keeps its forest defaults (rows subsampled at 0.8 without replacement,
learning rate 1); colsample_bynode is set so that XGBoost samples the same number of
features per node as the histogram engine (it takes floor(fraction x features)).
"""
import json
import sys

from forest_data import FEATURES, fit_and_score
from xgboost import XGBRFClassifier


def main():
    directory, trees, depth, per_node = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    # Half a feature above per_node: floor() lands on per_node whatever the rounding.
    fraction = (per_node + 0.5) / FEATURES
    forest = XGBRFClassifier(
        n_estimators=trees,
        max_depth=depth,
        tree_method="hist",
        max_bin=32,
        colsample_bynode=fraction,
        n_jobs=1,
        random_state=7,
    )
    print(json.dumps({**fit_and_score(forest, directory), "colsampleBynode": fraction}))


main()
