"""The evaluation classifier learns Fashion-MNIST, is cached with its sha256, and is retrained when the file or
its settings no longer match."""

import json

import numpy as np
import pytest
import torch

from selfguide_trainer.diffusion.data.fashion_mnist import load_split
from selfguide_trainer.eval.classifier import FEATURE_DIM, ClassifierSettings, load_or_train
from selfguide_trainer.vit.onnx_export import sha256_file
from selfguide_trainer.eval.pixels import crop_native, pad_uint8, to_model_input

SETTINGS = ClassifierSettings(train_images=2048, epochs=1)


@pytest.fixture
def one_thread():
    """On a shared 2-core machine one thread trains several times faster than two."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def data():
    images, labels = load_split("train")
    test_images, test_labels = load_split("test")
    return (pad_uint8(images[:2048], 32), labels[:2048]), (pad_uint8(test_images[:500], 32), test_labels[:500])


def test_pixels_match_the_trainer_and_round_trip():
    images, _ = load_split("test")
    padded = pad_uint8(images[:3], 32)
    assert padded.shape == (3, 32, 32) and padded[:, :2].max() == 0 and padded[:, -2:].max() == 0
    np.testing.assert_array_equal(crop_native(padded), images[:3])
    x = to_model_input(padded)
    assert x.shape == (3, 1, 32, 32) and x.min() == -1.0 and x.max() <= 1.0
    from selfguide_trainer.diffusion.data.datasets import FashionMNISTDataset
    item = FashionMNISTDataset("test", 32, 1, cond="none", limit=3)[2]["image"]
    torch.testing.assert_close(x[2], item)  # exactly what the diffusion models are trained on


def test_classifier_learns_and_is_cached_by_sha256(tmp_path, one_thread):
    train, test = data()
    path = tmp_path / "cnn.pt"
    first = load_or_train(path, SETTINGS, train, test, torch.device("cpu"))
    sidecar = json.loads(path.with_suffix(".json").read_text())
    assert first.info["cached"] is False and sidecar["sha256"] == sha256_file(path)
    assert sidecar["test_accuracy"] > 0.4 and sidecar["test_images"] == 500  # chance is 0.1
    predicted = first.predict(test[0])
    assert sidecar["test_accuracy"] == round(float((predicted == test[1]).mean()), 4)
    assert first.features(test[0][:7]).shape == (7, FEATURE_DIM)

    again = load_or_train(path, SETTINGS, train, test, torch.device("cpu"))
    assert again.info["cached"] is True and again.info["sha256"] == sidecar["sha256"]
    np.testing.assert_array_equal(again.predict(test[0]), predicted)

    path.write_bytes(path.read_bytes() + b"tampered")  # no longer the recorded file: trained again
    redone = load_or_train(path, SETTINGS, train, test, torch.device("cpu"))
    assert redone.info["cached"] is False
    assert json.loads(path.with_suffix(".json").read_text())["sha256"] == sha256_file(path)
