"""Fashion-MNIST evaluation of an exported encoder, through ONNX Runtime and the encoder's own model.json
preprocessing — i.e. exactly what the app will compute — next to a raw-pixel PCA baseline.

Protocol (DINO's): the encoder never saw labels. k-NN: the 60k train images with their labels are the memory
bank, the 10k test images are classified (k = 20, cosine, exp(sim/0.07)-weighted votes). k-means: k = 10 on
the L2-normalized test features, NMI against the test labels. The baseline gets the same treatment on
raw pixels projected to as many principal components as the encoder has dimensions.
"""

import json
from pathlib import Path

import numpy as np
import onnxruntime as ort
import torch
import torch.nn.functional as F

from ..vit.onnx_export import sidecar_path
from .data import load_fmnist
from .metrics import kmeans, knn_accuracy, l2_normalize, nmi, pca_fit_transform

KNN_K = 20
CLUSTERS = 10


def preprocess(images: np.ndarray, meta: dict) -> np.ndarray:
    """uint8 grey [N, H, W] or RGB [N, H, W, 3] -> float32 [N, 3, S, S] as model.json prescribes (RGB,
    bilinear resize, mean/std)."""
    pre = meta["preprocessing"]
    x = torch.from_numpy(np.array(images, dtype=np.float32))
    x = x.permute(0, 3, 1, 2) if x.ndim == 4 else x.unsqueeze(1).expand(-1, 3, -1, -1)
    size = (pre["resize"]["height"], pre["resize"]["width"])
    if tuple(x.shape[-2:]) != size:
        x = F.interpolate(x, size=size, mode="bilinear", align_corners=False, antialias=True)
    x = x * pre["scale"]
    mean = torch.tensor(pre["mean"]).view(1, 3, 1, 1)
    std = torch.tensor(pre["std"]).view(1, 3, 1, 1)
    return ((x - mean) / std).numpy()


def encode(onnx_path: Path, grey: np.ndarray, batch: int = 500, meta: dict | None = None) -> np.ndarray:
    """`cls` features of uint8 images (grey [N, H, W] or RGB [N, H, W, 3]) through ONNX Runtime; the
    preprocessing is `meta`'s, else the sidecar's next to the ONNX file."""
    meta = meta or json.loads(sidecar_path(onnx_path).read_text())
    session = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    feats = [session.run(["cls"], {"pixels": preprocess(grey[i:i + batch], meta)})[0]
             for i in range(0, len(grey), batch)]
    return np.concatenate(feats)


def scores(train: np.ndarray, train_labels: np.ndarray, test: np.ndarray, test_labels: np.ndarray) -> dict:
    assign, _ = kmeans(l2_normalize(test), CLUSTERS, seed=0)
    return {
        "knn_top1": round(knn_accuracy(train, train_labels, test, test_labels, k=KNN_K), 4),
        "kmeans_nmi": round(nmi(test_labels, assign), 4),
    }


def evaluate_fmnist(onnx_path: Path, train_limit: int | None = None) -> dict:
    train_x, train_y = load_fmnist("train")
    test_x, test_y = load_fmnist("test")
    if train_limit:
        train_x, train_y = train_x[:train_limit], train_y[:train_limit]
    encoder_train, encoder_test = encode(onnx_path, train_x), encode(onnx_path, test_x)
    pixels_train = train_x.reshape(len(train_x), -1).astype(np.float32) / 255
    pixels_test = test_x.reshape(len(test_x), -1).astype(np.float32) / 255
    pca_train, pca_test = pca_fit_transform(pixels_train, pixels_test, encoder_train.shape[1])
    return {
        "protocol": {"knn_k": KNN_K, "knn": "cosine, exp(sim/0.07) weighted", "kmeans_k": CLUSTERS,
                     "bank": f"fashion-mnist train ({len(train_x)})", "queries": f"fashion-mnist test ({len(test_x)})"},
        "encoder": {"onnx": str(onnx_path), "dim": int(encoder_train.shape[1]),
                    **scores(encoder_train, train_y, encoder_test, test_y)},
        "pca_baseline": {"dim": int(pca_train.shape[1]), **scores(pca_train, train_y, pca_test, test_y)},
    }
