"""Sample-quality metrics give known answers: closed forms, hand-computed cases, constructed manifolds."""

import numpy as np
import pytest

from selfguide_trainer.eval.metrics import GaussianStats, condition_consistency, frechet_distance, gaussian_stats, kid, prdc
from selfguide_trainer.eval.metrics.frechet import trace_sqrt_product
from selfguide_trainer.eval.metrics.kid import mmd2_unbiased


def random_cov(rng, d):
    a = rng.standard_normal((d, d))
    return a @ a.T / d + 0.1 * np.eye(d)


def psd_sqrt(m):
    values, vectors = np.linalg.eigh(m)
    return (vectors * np.sqrt(values)) @ vectors.T


def test_fd_of_identical_sets_is_zero():
    x = np.random.default_rng(0).standard_normal((500, 32)) @ random_cov(np.random.default_rng(1), 32)
    assert frechet_distance(x, x) == pytest.approx(0.0, abs=1e-8)
    assert frechet_distance(x, x + 1.0) == pytest.approx(32.0, rel=1e-8)  # a shift adds ‖Δμ‖² only


def test_fd_matches_the_closed_form_for_diagonal_covariances():
    # commuting covariances: FD = ‖Δμ‖² + Σ (σ₁ᵢ − σ₂ᵢ)²
    mu1, mu2 = np.array([0.0, 1.0, -2.0]), np.array([1.0, 1.0, 0.0])
    s1, s2 = np.array([1.0, 4.0, 9.0]), np.array([4.0, 4.0, 1.0])  # standard deviations
    a, b = GaussianStats(mu1, np.diag(s1**2), 100), GaussianStats(mu2, np.diag(s2**2), 100)
    assert frechet_distance(a, b) == pytest.approx(5.0 + 9.0 + 0.0 + 64.0)


def test_trace_sqrt_product_equals_the_nuclear_norm_identity_for_general_covariances():
    # tr(Σ₁Σ₂)^½ = ‖Σ₁^½ Σ₂^½‖_* (sum of singular values): an independent route to the same number
    rng = np.random.default_rng(2)
    c1, c2 = random_cov(rng, 12), random_cov(rng, 12)
    expected = np.linalg.svd(psd_sqrt(c1) @ psd_sqrt(c2), compute_uv=False).sum()
    assert trace_sqrt_product(c1, c2) == pytest.approx(expected, rel=1e-9)
    assert trace_sqrt_product(c1, c1) == pytest.approx(np.trace(c1), rel=1e-9)


def test_fd_with_fewer_samples_than_dimensions_equals_the_covariance_route():
    rng = np.random.default_rng(5)
    a, b = rng.standard_normal((12, 40)), 2 * rng.standard_normal((9, 40)) + 0.3
    via_samples = frechet_distance(a, b)  # n < D: computed in sample space
    via_covariances = frechet_distance(gaussian_stats(a), gaussian_stats(b))
    assert via_samples == pytest.approx(via_covariances, rel=1e-6)  # rank-deficient Σ: eigh round-off ~1e-8
    assert frechet_distance(a, a) == pytest.approx(0.0, abs=1e-9)


def test_fd_of_samples_of_two_gaussians_approaches_the_closed_form():
    rng = np.random.default_rng(3)
    d = 4
    c1, c2 = random_cov(rng, d), random_cov(rng, d)
    mu1, mu2 = np.zeros(d), np.full(d, 0.5)
    closed = frechet_distance(GaussianStats(mu1, c1, 0), GaussianStats(mu2, c2, 0))
    x = rng.multivariate_normal(mu1, c1, 200_000)
    y = rng.multivariate_normal(mu2, c2, 200_000)
    assert closed > 1.0
    assert frechet_distance(x, y) == pytest.approx(closed, rel=0.02)
    assert gaussian_stats(x).count == 200_000


def test_fd_refuses_mismatched_dimensions():
    with pytest.raises(ValueError, match="dimensions differ"):
        frechet_distance(np.zeros((5, 3)) + np.arange(5)[:, None], np.zeros((5, 4)) + np.arange(5)[:, None])


def test_kid_matches_a_hand_computed_value():
    x, y = np.array([[0.0], [1.0]]), np.array([[1.0], [2.0]])
    # k(a, b) = (ab + 1)³: off-diagonal K_xx = 1, K_yy = 27; K_xy = 1, 1, 8, 27
    # MMD² = 2·1/2 + 2·27/2 − 2·37/4 = 9.5
    assert mmd2_unbiased(x, y) == pytest.approx(9.5)
    mean, std = kid(x, y, subsets=5)
    assert mean == pytest.approx(9.5) and std == pytest.approx(0.0)


def test_kid_is_unbiased_near_zero_for_one_distribution_and_positive_for_two():
    rng = np.random.default_rng(4)
    a, b = rng.standard_normal((2000, 16)), rng.standard_normal((2000, 16))
    same, same_std = kid(a, b, subsets=50, subset_size=500)
    shifted, _ = kid(a, b + 0.5, subsets=50, subset_size=500)
    assert abs(same) < 3 * same_std + 1e-3, (same, same_std)
    assert shifted > 50 * abs(same) and shifted > 0.05


def test_prdc_on_a_hand_computed_case():
    # k = 1, 1-D. Real 0, 1, 3, 20: radii 1, 1, 2, 17. Fake 0.5, 2.5, 10: radii 2, 2, 7.5.
    real, fake = np.array([[0.0], [1.0], [3.0], [20.0]]), np.array([[0.5], [2.5], [10.0]])
    scores = prdc(real, fake, k=1)
    # fake 0.5 lies in the balls of 0 and 1; 2.5 in that of 3; 10 in that of 20 (|10 − 20| < 17)
    assert scores["precision"] == pytest.approx(1.0)
    assert scores["density"] == pytest.approx((2 + 1 + 1) / 3)
    assert scores["coverage"] == pytest.approx(1.0)
    assert scores["recall"] == pytest.approx(3 / 4)  # 20 is farther than 7.5 from 10
    # without the outlier 20 (radii 1, 1, 2), the fake 10 is in no real ball: precision 2/3, density 3/3
    scores = prdc(real[:3], fake, k=1)
    assert scores["precision"] == pytest.approx(2 / 3) and scores["density"] == pytest.approx(1.0)
    assert scores["coverage"] == pytest.approx(1.0) and scores["recall"] == pytest.approx(1.0)


def circle(n, radius=1.0, start=0.0, end=2 * np.pi, seed=0):
    angles = np.random.default_rng(seed).uniform(start, end, n)
    return radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)


def test_prdc_on_constructed_manifolds():
    real = circle(2000, seed=0)
    same = prdc(real, circle(2000, seed=1))
    assert min(same["precision"], same["recall"]) > 0.97
    # Naeem et al.: for one distribution E[density] = 1 and E[coverage] = 1 − 2^−k (M = N, k = 5)
    assert same["density"] == pytest.approx(1.0, abs=0.1) and same["coverage"] == pytest.approx(1 - 2**-5, abs=0.02)
    apart = prdc(real, circle(2000, radius=3.0, seed=1))  # a disjoint manifold
    assert apart == {"precision": 0.0, "recall": 0.0, "density": 0.0, "coverage": 0.0}
    half = prdc(real, circle(2000, end=np.pi, seed=1))  # mode dropping: half of the real circle
    assert half["precision"] > 0.97
    assert half["recall"] == pytest.approx(0.5, abs=0.03) and half["coverage"] == pytest.approx(0.5, abs=0.03)
    collapsed = prdc(real, circle(2000, end=0.2 * np.pi, seed=1))  # all samples on a tenth of the circle
    assert collapsed["coverage"] == pytest.approx(0.1, abs=0.02)
    # the samples are still real-looking (density ≈ 1, precision 1) but cover a tenth: only coverage/recall tell
    assert collapsed["density"] == pytest.approx(1.0, abs=0.15) and collapsed["precision"] > 0.97
    assert collapsed["recall"] < 0.2


def test_prdc_needs_more_points_than_k():
    with pytest.raises(ValueError, match="more than 5 points"):
        prdc(np.zeros((5, 2)), np.zeros((10, 2)))


def test_condition_consistency_is_the_share_of_matching_ids():
    assert condition_consistency(np.array([1, 2, 3, 4]), np.array([1, 0, 3, 0])) == 0.5
    with pytest.raises(ValueError):
        condition_consistency(np.array([1, 2]), np.array([1]))
