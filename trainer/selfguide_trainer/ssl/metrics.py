"""Label-free-encoder quality measures, in NumPy: weighted k-NN accuracy, k-means, NMI.

scikit-learn is not a dependency of the trainer; these follow its definitions (NMI with the arithmetic
mean of the entropies, its default) and DINO's k-NN classifier (`eval_knn.knn_classifier`).
"""

import numpy as np


def l2_normalize(x: np.ndarray) -> np.ndarray:
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)


def knn_accuracy(train: np.ndarray, train_labels: np.ndarray, test: np.ndarray, test_labels: np.ndarray,
                 k: int = 20, temperature: float = 0.07, chunk: int = 500) -> float:
    """Top-1 accuracy of DINO's weighted k-NN: cosine similarity, the k nearest vote with weight exp(sim/T)."""
    train, test = l2_normalize(train.astype(np.float32)), l2_normalize(test.astype(np.float32))
    classes = int(max(train_labels.max(), test_labels.max())) + 1
    correct = 0
    for start in range(0, len(test), chunk):
        sims = test[start:start + chunk] @ train.T
        nearest = np.argpartition(-sims, k - 1, axis=1)[:, :k]
        weights = np.exp(np.take_along_axis(sims, nearest, axis=1) / temperature)
        votes = np.zeros((len(nearest), classes))
        np.add.at(votes, (np.arange(len(nearest))[:, None], train_labels[nearest]), weights)
        correct += int((votes.argmax(axis=1) == test_labels[start:start + chunk]).sum())
    return correct / len(test)


def _kmeans_pp(x: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    centers = [x[rng.integers(len(x))]]
    d2 = ((x - centers[0]) ** 2).sum(axis=1)
    for _ in range(1, k):
        centers.append(x[rng.choice(len(x), p=d2 / d2.sum())])
        d2 = np.minimum(d2, ((x - centers[-1]) ** 2).sum(axis=1))
    return np.stack(centers)


def kmeans(x: np.ndarray, k: int, iters: int = 50, restarts: int = 5, seed: int = 0) -> tuple[np.ndarray, float]:
    """Euclidean k-means (k-means++ init, empty clusters re-seeded at the farthest point); returns the
    (assignment, inertia) of the restart with the lowest inertia."""
    _, assign, inertia = kmeans_fit(x, k, iters, restarts, seed)
    return assign, inertia


def kmeans_fit(x: np.ndarray, k: int, iters: int = 50, restarts: int = 5, seed: int = 0) -> tuple[np.ndarray, np.ndarray, float]:
    """`kmeans`, also returning the centroids [k, D] of the kept restart (each point's assignment is its
    nearest centroid)."""
    x = x.astype(np.float64)
    rng = np.random.default_rng(seed)
    sq = (x**2).sum(axis=1)
    best = (None, None, np.inf)
    for _ in range(restarts):
        centers = _kmeans_pp(x, k, rng)
        for _ in range(iters):
            d2 = sq[:, None] - 2 * x @ centers.T + (centers**2).sum(axis=1)[None]
            assign = d2.argmin(axis=1)
            for j in range(k):
                members = x[assign == j]
                centers[j] = members.mean(axis=0) if len(members) else x[d2.min(axis=1).argmax()]
        d2 = sq[:, None] - 2 * x @ centers.T + (centers**2).sum(axis=1)[None]
        assign, inertia = d2.argmin(axis=1), float(np.maximum(d2.min(axis=1), 0).sum())
        if inertia < best[2]:
            best = (centers.copy(), assign, inertia)
    return best


def _entropy(counts: np.ndarray) -> float:
    p = counts[counts > 0] / counts.sum()
    return float(-(p * np.log(p)).sum())


def nmi(labels_true: np.ndarray, labels_pred: np.ndarray) -> float:
    """Normalized mutual information, arithmetic normalization (sklearn's normalized_mutual_info_score)."""
    _, t = np.unique(labels_true, return_inverse=True)
    _, p = np.unique(labels_pred, return_inverse=True)
    joint = np.zeros((t.max() + 1, p.max() + 1))
    np.add.at(joint, (t, p), 1)
    h_true, h_pred = _entropy(joint.sum(axis=1)), _entropy(joint.sum(axis=0))
    if h_true == 0 or h_pred == 0:
        return 1.0 if h_true == h_pred else 0.0
    pij = joint / joint.sum()
    outer = pij.sum(axis=1, keepdims=True) @ pij.sum(axis=0, keepdims=True)
    nz = pij > 0
    mi = float((pij[nz] * np.log(pij[nz] / outer[nz])).sum())
    return mi / ((h_true + h_pred) / 2)


def pca_fit_transform(train: np.ndarray, test: np.ndarray, components: int) -> tuple[np.ndarray, np.ndarray]:
    """Project both sets on the top principal components of `train` (centred on the train mean)."""
    mean = train.mean(axis=0)
    cov = np.cov(train - mean, rowvar=False)
    _, vecs = np.linalg.eigh(cov)
    basis = vecs[:, ::-1][:, :components]  # eigh sorts ascending
    return (train - mean) @ basis, (test - mean) @ basis
