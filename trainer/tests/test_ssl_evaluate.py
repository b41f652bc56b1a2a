"""The Fashion-MNIST evaluation runs an exported encoder through ONNX Runtime with its sidecar's
preprocessing and scores it next to the raw-pixel PCA baseline."""

import torch

from selfguide_trainer.ssl.evaluate import evaluate_fmnist, preprocess
from selfguide_trainer.vit import build_vit
from selfguide_trainer.vit.onnx_export import export_onnx


def test_preprocess_follows_the_sidecar():
    meta = {"preprocessing": {"resize": {"width": 16, "height": 16}, "scale": 1 / 255,
                              "mean": [0.5, 0.5, 0.5], "std": [0.25, 0.25, 0.25]}}
    grey = torch.full((2, 28, 28), 255, dtype=torch.uint8).numpy()
    x = preprocess(grey, meta)
    assert x.shape == (2, 3, 16, 16)
    assert abs(float(x.min()) - 2.0) < 1e-5 and abs(float(x.max()) - 2.0) < 1e-5  # (1 - 0.5) / 0.25


def test_evaluation_scores_encoder_and_pca_baseline(tmp_path):
    torch.manual_seed(0)
    onnx_path = tmp_path / "nano.onnx"
    export_onnx(build_vit("vit_nano4"), onnx_path, model_id="nano", arch="vit_nano4")
    results = evaluate_fmnist(onnx_path, train_limit=2000)
    encoder, pca = results["encoder"], results["pca_baseline"]
    assert encoder["dim"] == pca["dim"] == 48
    # raw pixels are a strong baseline on Fashion-MNIST (~0.8 with a 2k bank): the protocol is wired right
    assert 0.7 < pca["knn_top1"] < 0.95
    assert 0.3 < pca["kmeans_nmi"] < 0.8
    # a random ViT still beats chance (0.1) by far: its features carry image content
    assert 0.3 < encoder["knn_top1"] <= 1.0 and 0.0 < encoder["kmeans_nmi"] <= 1.0
