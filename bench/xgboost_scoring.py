"""Reference for bench/scoring.ts: XGBoost's random forest scoring the same rows, one thread.

usage: /usr/bin/python3 bench/xgboost_scoring.py DIR TREES DEPTH REPEATS
DIR holds train.f32 / score.f32 (rows x 17 float32, row-major) and train.u8 (labels).
Trains XGBRFClassifier(tree_method="hist", max_bin=32, colsample_bynode=sqrt(17)/17) on
train, then times predict_proba on score with nthread=1, REPEATS times. Prints one JSON
line: fit seconds, and the best predict wall and CPU seconds.
Needs xgboost (Debian: apt-get install python3-xgboost).
"""
import json
import math
import sys
import time

import numpy as np
from xgboost import XGBRFClassifier

FEATURES = 17


def load(directory, name):
    return np.fromfile(f"{directory}/{name}.f32", dtype=np.float32).reshape(-1, FEATURES)


def main():
    directory, trees, depth, repeats = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    x_train = load(directory, "train")
    y_train = np.fromfile(f"{directory}/train.u8", dtype=np.uint8)
    x_score = load(directory, "score")
    forest = XGBRFClassifier(
        tree_method="hist",
        max_bin=32,
        n_estimators=trees,
        max_depth=depth,
        colsample_bynode=math.ceil(math.sqrt(FEATURES)) / FEATURES,
        n_jobs=1,
        random_state=7,
    )
    started = time.perf_counter()
    forest.fit(x_train, y_train)
    fit = time.perf_counter() - started
    forest.set_params(n_jobs=1)
    walls, cpus = [], []
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        p = forest.predict_proba(x_score)[:, 1]
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    print(json.dumps({"fitSeconds": fit, "predictWall": min(walls), "predictCpu": min(cpus), "rows": len(p)}))


main()
