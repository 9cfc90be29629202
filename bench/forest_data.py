"""The forest benchmarks' data as bench/forest.ts writes it: rows of 17 float32 features, labels as uint8."""
import numpy as np

FEATURES = 17


def load(directory, name):
    x = np.fromfile(f"{directory}/{name}.f32", dtype=np.float32).reshape(-1, FEATURES)
    y = np.fromfile(f"{directory}/{name}.u8", dtype=np.uint8)
    return x, y


def fit_and_score(forest, directory):
    """Fits `forest` on the train set and scores the test set: wall and CPU seconds of the fit, test AUC, predict seconds."""
    import time

    from sklearn.metrics import roc_auc_score

    x_train, y_train = load(directory, "train")
    x_test, y_test = load(directory, "test")
    started, cpu_started = time.perf_counter(), time.process_time()
    forest.fit(x_train, y_train)
    fit, fit_cpu = time.perf_counter() - started, time.process_time() - cpu_started
    started = time.perf_counter()
    p = forest.predict_proba(x_test)[:, 1]
    predict = time.perf_counter() - started
    return {"fitSeconds": fit, "fitCpuSeconds": fit_cpu, "auc": float(roc_auc_score(y_test, p)), "predictSeconds": predict}
