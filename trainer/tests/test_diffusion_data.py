import numpy as np
import pytest
import torch
from PIL import Image

from selfguide_trainer.diffusion.data.datasets import FashionMNISTDataset, ManifestDataset
from selfguide_trainer.diffusion.data.fashion_mnist import load_split, long_tail_indices
from selfguide_trainer.diffusion.data.loader import ResumableSampler, make_loader
from selfguide_trainer.diffusion.data.manifest import ManifestError, read_manifest
from selfguide_trainer.diffusion.preview import preview_conditions

from diffusion_helpers import image_rows, write_manifest


def test_manifest_bad_images_are_skipped_and_counted(tmp_path):
    rows = image_rows(tmp_path, 6)
    (tmp_path / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n not really a png")
    rows[1]["path"] = str(tmp_path / "broken.png")
    rows[4]["path"] = str(tmp_path / "missing.png")
    manifest = read_manifest(write_manifest(tmp_path, "cluster", rows, num_clusters=4, cluster_names=list("abcd")))
    assert manifest.cond.vector_dim == 4 and manifest.cond.names == list("abcd")
    dataset = ManifestDataset(manifest, "train", resolution=16)
    loader = make_loader(dataset, ResumableSampler(dataset, 1, 0, seed=0), batch_size=3, workers=1)
    batches = list(loader)
    assert sum(b["skipped"] for b in batches) == 2
    images = torch.cat([b["image"] for b in batches if "image" in b])
    assert images.shape == (4, 3, 16, 16) and images.min() >= -1 and images.max() <= 1
    vectors = torch.cat([b["vector"] for b in batches if "vector" in b])
    assert torch.equal(vectors.sum(dim=1), torch.ones(4))  # one-hot clusters


@pytest.mark.parametrize("line,message", [
    ('{"format": "other"}', "header"),
    ('{"format": "selfguide-manifest", "version": 9}', "version"),
    ('{"format": "selfguide-manifest", "version": 1, "cond": "cluster"}', "num_clusters"),
])
def test_manifest_header_errors(tmp_path, line, message):
    path = tmp_path / "m.jsonl"
    path.write_text(line + "\n" + '{"path": "a.png"}\n')
    with pytest.raises(ManifestError, match=message):
        read_manifest(path)


def test_manifest_row_errors_name_the_line(tmp_path):
    path = write_manifest(tmp_path, "label", [{"path": "a.png", "label": 1}, {"path": "b.png", "label": 5}], num_classes=3)
    with pytest.raises(ManifestError, match=r"m(anifest)?\.jsonl:3: label must be an integer in \[0, 3\)"):
        read_manifest(path)
    path.write_text(path.read_text().splitlines()[0] + "\n{not json\n")
    with pytest.raises(ManifestError, match=r":2: not valid JSON"):
        read_manifest(path)
    with pytest.raises(ManifestError, match="not found"):
        read_manifest(tmp_path / "nope.jsonl")


def test_box_layout_follows_the_crop(tmp_path):
    rows = image_rows(tmp_path, 1, size=(32, 32))
    rows[0]["box"] = [0, 0, 16, 32]  # left half
    manifest = read_manifest(write_manifest(tmp_path, "box", rows, num_clusters=4))
    center = ManifestDataset(manifest, "train", resolution=16, random_crop=False)[(0, 0)]
    assert center["layout"].shape == (1, 16, 16)
    assert center["layout"][0, :, :8].eq(1).all() and center["layout"][0, :, 8:].eq(0).all()
    assert center["vector"].tolist() == [1, 0, 0, 0]  # the image-level cluster
    crops = [ManifestDataset(manifest, "train", resolution=16, seed=0)[(e, 0)]["layout"] for e in range(6)]
    widths = {int(c[0, 0].sum()) for c in crops}
    assert len(widths) > 1 and all(c[0].eq(c[0, :1]).all() for c in crops)  # random scale-crop; box still spans all rows


def test_mask_layout_is_one_hot_with_multi_hot_vector(tmp_path):
    rows = image_rows(tmp_path, 2, size=(32, 32), with_masks=4)  # 4 vertical stripes of ids 0..3
    manifest = read_manifest(write_manifest(tmp_path, "mask", rows, num_segments=6))
    item = ManifestDataset(manifest, "train", resolution=16, random_crop=False)[(0, 0)]
    layout = item["layout"]
    assert layout.shape == (6, 16, 16) and torch.equal(layout.sum(dim=0), torch.ones(16, 16))
    assert item["vector"].tolist() == [1, 1, 1, 1, 0, 0]
    assert layout[0, :, :4].eq(1).all() and layout[3, :, 12:].eq(1).all()  # nearest: stripes stay crisp


def test_fashion_mnist_pad_and_long_tail():
    images, labels = load_split("test")
    assert images.shape == (10000, 28, 28) and np.bincount(labels).tolist() == [1000] * 10
    keep = long_tail_indices(labels, imbalance=100, seed=0)
    counts = np.bincount(labels[keep], minlength=10)
    assert counts[0] == 1000 and counts[9] == 10 and np.all(np.diff(counts) <= 0)
    assert np.array_equal(keep, long_tail_indices(labels, 100, seed=0))
    assert not np.array_equal(keep, long_tail_indices(labels, 100, seed=1))
    ds = FashionMNISTDataset("test", resolution=32, channels=3, limit=4)
    item = ds[(0, 0)]
    assert item["image"].shape == (3, 32, 32)
    assert item["image"][:, :2].eq(-1).all() and item["image"][:, :, -2:].eq(-1).all()  # 2 px black border
    assert torch.equal(item["image"][0], item["image"][2])  # grey replicated
    assert item["vector"].argmax().item() == int(labels[0])


def test_exif_rotated_photo_is_read_upright_so_boxes_match(tmp_path):
    # stored 32x16 with EXIF orientation 6 (rotate 90° clockwise to display): a person sees 16 wide, 32 tall
    stored = np.zeros((16, 32, 3), np.uint8)
    stored[:, :16] = 255  # left half of the stored pixels = top half once displayed
    exif = Image.Exif()
    exif[0x0112] = 6
    path = tmp_path / "rotated.jpg"
    Image.fromarray(stored).save(path, exif=exif, quality=100)
    rows = [{"path": str(path), "cluster": 0, "box": [0, 0, 16, 16], "split": "train"}]  # top half, displayed
    manifest = read_manifest(write_manifest(tmp_path, "box", rows, num_clusters=2))
    item = ManifestDataset(manifest, "train", resolution=16, random_crop=False)[(0, 0)]
    top, bottom = item["image"][:, :8].mean().item(), item["image"][:, 8:].mean().item()
    assert top > 0.9 and bottom < -0.9  # the bright half is on top, where the box is
    assert item["layout"][0, :8].eq(1).all() and item["layout"][0, 8:].eq(0).all()


def test_preview_conditions_repeat_a_training_set_smaller_than_the_grid(tmp_path):
    rows = image_rows(tmp_path, 3)
    manifest = read_manifest(write_manifest(tmp_path, "cluster", rows, num_clusters=4))
    vector, layout = preview_conditions(ManifestDataset(manifest, "train", resolution=16), count=8, seed=0)
    assert vector.shape == (8, 4) and layout is None
    assert torch.equal(vector[3:6], vector[0:3])  # the three images' conditions, repeated in order
    assert sorted(vector[:3].argmax(dim=1).tolist()) == [0, 1, 2]
