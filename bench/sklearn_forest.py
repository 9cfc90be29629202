"""Reference for bench/forest.ts: scikit-learn's RandomForestClassifier on the same split.

usage: python3 bench/sklearn_forest.py DIR TREES DEPTH
DIR holds train.f32 / test.f32 (rows x 17 float32, row-major) and train.u8 / test.u8
(labels). Prints one JSON line: fit seconds (one thread; wall and CPU), test AUC, predict seconds.
"""
import json
import sys
import time

import numpy as np
from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import roc_auc_score

FEATURES = 17


def load(directory, name):
    x = np.fromfile(f"{directory}/{name}.f32", dtype=np.float32).reshape(-1, FEATURES)
    y = np.fromfile(f"{directory}/{name}.u8", dtype=np.uint8)
    return x, y


def main():
    directory, trees, depth = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    x_train, y_train = load(directory, "train")
    x_test, y_test = load(directory, "test")
    forest = RandomForestClassifier(n_estimators=trees, max_depth=depth, max_features="sqrt", n_jobs=1, random_state=7)
    started, cpu_started = time.perf_counter(), time.process_time()
    forest.fit(x_train, y_train)
    fit, fit_cpu = time.perf_counter() - started, time.process_time() - cpu_started
    started = time.perf_counter()
    p = forest.predict_proba(x_test)[:, 1]
    predict = time.perf_counter() - started
    print(json.dumps({"fitSeconds": fit, "fitCpuSeconds": fit_cpu, "auc": float(roc_auc_score(y_test, p)), "predictSeconds": predict}))


main()
