"""`evaluate` on a tiny cluster-guided run of a manifest, as the app runs it: samples per condition from the
EMA model, FD_enc/KID/PRDC in the bundled encoder's cls features, condition consistency by nearest centroid,
result.json, one grid per condition, JSON-line progress."""

import json

import numpy as np
import pytest
from PIL import Image

from diffusion_helpers import FAST, write_manifest
from selfguide_trainer.__main__ import main as cli
from selfguide_trainer.diffusion.data.datasets import ManifestDataset
from selfguide_trainer.diffusion.data.fashion_mnist import load_split
from selfguide_trainer.diffusion.data.manifest import read_manifest
from selfguide_trainer.eval.metrics import frechet_distance, kid
from selfguide_trainer.eval.selflabels import DEFAULT_ENCODER
from selfguide_trainer.ssl.evaluate import encode
from selfguide_trainer.ssl.metrics import l2_normalize

CLASSES = (1, 8)  # trousers and bags: two clusters the encoder tells apart
PER_CLASS = 24


def _project(root):
    """PNGs of two Fashion-MNIST classes, cluster = class position, a third of them held out; centroids as the
    app stores them (unit-norm means of each cluster's cls features, float32, k × D)."""
    images, labels = load_split("train")
    rows, pixels, clusters = [], [], []
    for cluster, label in enumerate(CLASSES):
        for n, index in enumerate(np.flatnonzero(labels == label)[:PER_CLASS]):
            path = root / f"c{cluster}_{n}.png"
            Image.fromarray(images[index]).save(path)
            rows.append({"path": str(path), "cluster": cluster, "split": "val" if n % 3 == 0 else "train"})
            pixels.append(images[index])
            clusters.append(cluster)
    features = l2_normalize(encode(DEFAULT_ENCODER, np.stack(pixels)).astype(np.float64))
    centroids = np.stack([l2_normalize(features[np.array(clusters) == c].mean(0, keepdims=True))[0] for c in range(2)])
    centroid_file = root / "clusters-1.f32"
    centroids.astype("<f4").tofile(centroid_file)
    manifest = write_manifest(root, "cluster", rows, num_clusters=2, cluster_names=["trousers?", "bags?"])
    return manifest, centroid_file


def _tiles(grid_path, count, size=16, gap=2, columns=3):
    with Image.open(grid_path) as grid:
        pixels = np.asarray(grid)
    return np.stack([pixels[gap + r * (size + gap):][:size, gap + c * (size + gap):][:, :size]
                     for r, c in (divmod(i, columns) for i in range(count))])


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("evaluate")
    manifest, centroids = _project(root)
    code = cli(["train", *FAST, "--manifest", str(manifest), "--resolution", "16", "--channels", "1", "--batch", "8",
                "--steps", "3", "--out", str(root / "run")])
    assert code == 0
    return root, manifest, centroids


def _evaluate(capsys, root, *extra):
    capsys.readouterr()
    code = cli(["evaluate", "--run", str(root / "run"), "--encoder", str(DEFAULT_ENCODER), "--out", str(root / "eval"),
                "--samples", "6", "--steps", "3", "--threads", "1", *extra])
    out = capsys.readouterr().out
    return code, [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def test_evaluate_writes_metrics_grids_and_progress(capsys, tiny_run):
    root, manifest, centroids = tiny_run
    code, events = _evaluate(capsys, root, "--centroids", str(centroids), "--w", "1.5", "--seed", "3")
    assert code == 0, events
    result = json.loads((root / "eval" / "result.json").read_text())
    assert events[-1] == {"event": "evaluated", "result": str(root / "eval" / "result.json"),
                          "fd_enc": result["metrics"]["fd_enc"], "samples": 12}
    sampling = [e for e in events if e["event"] == "progress" and e["phase"] == "sampling"]
    assert [e["done"] for e in sampling] == [0, 12]  # one batch of 32 holds both conditions and all(e["total"] == 12 for e in sampling)

    assert result["samples"] == {"count": 12, "per_condition": 6, "conditions": 2}
    assert result["reference"]["count"] == 16 and result["reference"]["what"] == "held-out images"  # every third of 48
    assert result["feature_space"]["name"] == "FD_enc" and result["feature_space"]["dim"] == 128  # the bundled ViT-tiny's cls width
    assert result["guidance"] == {"mode": "cluster", "w": 1.5, "form": "imagen"}
    assert result["sampler"]["steps"] == 3 and result["sampler"]["seed"] == 3 and result["checkpoint"]["step"] == 3
    m = result["metrics"]
    assert m["fd_enc"] > 0 and m["prdc_count"] == 12 and m["prdc_k"] == 5
    for name in ("precision", "recall", "coverage"):
        assert 0.0 <= m[name] <= 1.0
    # the images in the grids and the held-out images, through the encoder, give the reported FD_enc and KID
    tiles = np.concatenate([_tiles(root / "eval" / row["grid"], 6) for row in result["conditions"]])
    held_out = ManifestDataset(read_manifest(str(manifest)), "val", 16, 1, random_crop=False)
    real = np.stack([((held_out[i]["image"][0] + 1) * 127.5).round().numpy().astype(np.uint8) for i in range(len(held_out))])
    fake_features, real_features = encode(DEFAULT_ENCODER, tiles), encode(DEFAULT_ENCODER, real)
    assert m["fd_enc"] == pytest.approx(frechet_distance(real_features, fake_features), rel=1e-4)
    assert m["kid_enc"] == pytest.approx(kid(real_features, fake_features, 100, 1000, 3)[0], rel=1e-3)

    # the real images' own clusters are recovered by the nearest-centroid rule (the ideal a model can reach)
    consistency = result["consistency"]
    assert consistency["real_count"] == 16 and consistency["real"] >= 0.9
    assert consistency["sample_count"] == 12 and 0.0 <= consistency["samples"] <= 1.0
    per_condition = [row["consistency"] for row in result["conditions"]]
    assert consistency["samples"] == pytest.approx(sum(per_condition) / 2)

    assert [row["name"] for row in result["conditions"]] == ["trousers?", "bags?"]
    for row in result["conditions"]:
        with Image.open(root / "eval" / row["grid"]) as grid:
            assert grid.size == (3 * 18 + 2, 2 * 18 + 2) and grid.mode == "L"  # 6 samples of 16 px, 3 columns, 2 px gaps


def test_cluster_map_compares_merged_clusters_as_one(capsys, tiny_run):
    root, _, centroids = tiny_run
    code, _ = _evaluate(capsys, root, "--centroids", str(centroids), "--cluster-map", "[0, 0]")
    assert code == 0
    consistency = json.loads((root / "eval" / "result.json").read_text())["consistency"]
    assert consistency["samples"] == 1.0 and consistency["real"] == 1.0


def test_refusals_are_clear(capsys, tiny_run):
    root, _, centroids = tiny_run
    code, events = _evaluate(capsys, root, "--centroids", str(root / "missing.f32"))
    assert code == 2 and "missing.f32" in events[-1]["message"]
    code, events = _evaluate(capsys, root, "--preprocessing", '{"width": 32}')
    assert code == 2 and "--preprocessing" in events[-1]["message"] and "height" in events[-1]["message"]
