"""Self-labels from the bundled encoder, recomputed on images through the sample path, give back the labels the
clustering assigned (condition consistency 1 on the training images themselves)."""

import numpy as np

from selfguide_trainer.diffusion.data.fashion_mnist import load_split
from selfguide_trainer.eval.metrics import condition_consistency
from selfguide_trainer.eval.pixels import pad_uint8
from selfguide_trainer.eval.selflabels import DEFAULT_ENCODER, SelfLabels, encode_native, fit_self_labels, recompute_self_labels


def test_recomputed_self_labels_of_the_training_images_are_their_own(tmp_path):
    images, labels = load_split("train")
    index = np.arange(100, 400)
    padded = pad_uint8(images[index], 32)  # as samples come out of a 32 px model
    features = encode_native(DEFAULT_ENCODER, padded)
    fitted = fit_self_labels(features, labels[index], index, k=6, seed=0, restarts=2, iterations=20)
    assert 0.0 < fitted.nmi < 1.0 and sorted(np.unique(fitted.assignments)) == list(range(6))
    recomputed = recompute_self_labels(DEFAULT_ENCODER, padded, fitted.centroids)
    assert condition_consistency(fitted.assignments, recomputed) == 1.0
    shuffled = np.random.default_rng(0).permutation(fitted.assignments)
    assert condition_consistency(shuffled, recomputed) < 0.6

    per_image = fitted.per_split_image(len(labels))
    assert per_image.shape == (60000,) and np.array_equal(per_image[index], fitted.assignments)
    fitted.save(tmp_path / "k6.npz")
    loaded = SelfLabels.load(tmp_path / "k6.npz")
    assert loaded.k == 6 and loaded.nmi == fitted.nmi and np.array_equal(loaded.centroids, fitted.centroids)

