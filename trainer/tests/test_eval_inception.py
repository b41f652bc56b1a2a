"""FID proper with a fixture TorchScript "Inception" made here: the clean-fid resize, normalization and the
2048-d contract are exercised end to end, and the answer is known in closed form."""

import numpy as np
import pytest
import torch
from PIL import Image

from selfguide_trainer.eval.metrics.inception import InceptionFeatures, clean_resize, fid
from selfguide_trainer.vit.onnx_export import sha256_file


class MeanLayers(torch.nn.Module):
    """pool3 stand-in: each image's per-channel means, tiled to 2048 features [B, 2048, 1, 1]."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        assert x.shape[2] == 299 and x.shape[3] == 299
        m = x.mean(dim=(2, 3))
        return m.repeat(1, 683)[:, :2048].reshape(x.shape[0], 2048, 1, 1)


class FixtureInception(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = MeanLayers()

    def forward(self, x: torch.Tensor, return_features: bool = False) -> torch.Tensor:
        return self.layers(x)


@pytest.fixture
def fixture_weights(tmp_path):
    path = tmp_path / "inception-fixture.pt"
    torch.jit.script(FixtureInception()).save(str(path))
    return path


def test_clean_resize_is_pil_bicubic_in_float_per_channel():
    rng = np.random.default_rng(0)
    rgb = rng.integers(0, 256, (2, 32, 32, 3), dtype=np.uint8)
    out = clean_resize(rgb)
    assert out.shape == (2, 299, 299, 3) and out.dtype == np.float32
    channel = np.asarray(Image.fromarray(rgb[1, :, :, 2].astype(np.float32)).resize((299, 299), Image.BICUBIC))
    np.testing.assert_allclose(out[1, :, :, 2], channel.clip(0, 255))
    assert out.min() >= 0 and out.max() <= 255  # bicubic overshoot clipped
    grey = clean_resize(rgb[:, :, :, 0])
    np.testing.assert_array_equal(grey[..., 0], grey[..., 2])  # grey replicated to RGB
    np.testing.assert_allclose(grey[..., 0], out[..., 0])


def test_fid_with_the_fixture_model_has_the_closed_form_answer(fixture_weights):
    inception = InceptionFeatures(fixture_weights, batch=3)
    assert inception.sha256 == sha256_file(fixture_weights)
    # constant grey images: resize keeps v, features are (v − 128)/128 in all 2048 dimensions
    a_values, b_values = np.array([100, 120, 140, 160]), np.array([60, 64, 68, 72, 76])
    a = np.broadcast_to(a_values[:, None, None], (4, 28, 28)).astype(np.uint8)
    b = np.broadcast_to(b_values[:, None, None], (5, 28, 28)).astype(np.uint8)
    feats = inception(a)
    assert feats.shape == (4, 2048)
    np.testing.assert_allclose(feats[:, 0], (a_values - 128) / 128, atol=1e-5)
    # all 2048 dims equal f: FD = 2048 · ((m_a − m_b)² + (s_a − s_b)²) with unbiased standard deviations
    fa, fb = (a_values - 128) / 128, (b_values - 128) / 128
    expected = 2048 * ((fa.mean() - fb.mean()) ** 2 + (fa.std(ddof=1) - fb.std(ddof=1)) ** 2)
    assert fid(inception, a, b) == pytest.approx(expected, rel=1e-4)
    assert fid(inception, a, a) == pytest.approx(0.0, abs=1e-6)


def test_a_file_that_is_not_the_torchscript_inception_is_refused(tmp_path):
    bad = tmp_path / "weights.pt"
    torch.save({"w": torch.zeros(1)}, bad)
    with pytest.raises(ValueError, match="TorchScript Inception"):
        InceptionFeatures(bad)
    with pytest.raises(FileNotFoundError, match="inception-2015-12-05"):
        InceptionFeatures(tmp_path / "missing.pt")
