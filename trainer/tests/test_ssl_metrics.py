"""k-NN, k-means, NMI and PCA give the known answers on data whose answer is known."""

import numpy as np

from selfguide_trainer.ssl.metrics import kmeans, knn_accuracy, nmi, pca_fit_transform


def blobs(n_per: int, centers: np.ndarray, spread: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = np.concatenate([c + spread * rng.standard_normal((n_per, centers.shape[1])) for c in centers])
    return x, np.repeat(np.arange(len(centers)), n_per)


def test_nmi_matches_the_hand_computed_value_and_its_invariances():
    true = np.array([0, 0, 1, 1, 2, 2])
    pred = np.array([1, 1, 0, 0, 0, 2])
    # MI = (1/3)ln3 + (1/3)ln2 + (1/6)ln3; H(true) = ln3; H(pred) = entropy of (1/2, 1/3, 1/6)
    h_pred = -(0.5 * np.log(0.5) + np.log(1 / 3) / 3 + np.log(1 / 6) / 6)
    mi = np.log(3) / 3 + np.log(2) / 3 + np.log(3) / 6
    assert np.isclose(nmi(true, pred), mi / ((np.log(3) + h_pred) / 2))
    assert nmi(true, np.array([7, 7, 5, 5, 9, 9])) == 1.0  # relabelling does not matter
    assert nmi(true, np.zeros(6)) == 0.0


def test_kmeans_recovers_separated_clusters():
    centers = np.eye(5) * 10
    x, labels = blobs(40, centers, 0.5, seed=0)
    assign, inertia = kmeans(x, 5, seed=1)
    assert nmi(labels, assign) == 1.0
    assert inertia < len(x) * 5 * 0.5**2 * 1.5  # about n * dims * spread^2


def test_knn_classifies_by_cosine_neighbours():
    centers = np.array([[1.0, 0, 0], [0, 1.0, 0], [0, 0, 1.0]])
    train, train_y = blobs(50, centers, 0.1, seed=0)
    test, test_y = blobs(20, centers * 3, 0.3, seed=1)  # other scale: cosine must not care
    assert knn_accuracy(train, train_y, test, test_y, k=20) == 1.0
    assert knn_accuracy(train, train_y, test, (test_y + 1) % 3, k=20) == 0.0


def test_pca_keeps_the_high_variance_directions():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((500, 6)) * np.array([10, 1, 1, 5, 0.1, 0.1])
    train, test = pca_fit_transform(x, x[:10], 2)
    assert train.shape == (500, 2) and test.shape == (10, 2)
    assert np.allclose(np.abs(train[:, 0]), np.abs(x[:, 0] - x[:, 0].mean()), atol=0.5)
    assert np.allclose(np.abs(train[:, 1]), np.abs(x[:, 3] - x[:, 3].mean()), atol=0.5)
