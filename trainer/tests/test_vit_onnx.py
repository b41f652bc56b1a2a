"""The exported ONNX graph matches PyTorch on all three outputs, at any batch and image size, and its
sidecar describes it. The fixture is made the way the TypeScript tests make theirs: `export-vit --random-tiny`."""

import hashlib
import json

import numpy as np
import onnx
import onnxruntime as ort
import pytest
import torch

from selfguide_trainer.__main__ import main as cli
from selfguide_trainer.vit import build_vit

TOLERANCE = 1e-4


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    out = tmp_path_factory.mktemp("onnx") / "vit-tiny.onnx"
    assert cli(["export-vit", "--random-tiny", "--seed", "3", "--out", str(out)]) == 0
    torch.manual_seed(3)  # --random-tiny --seed 3 builds exactly this model
    return out, build_vit("vit_tiny16").eval()


def run_both(onnx_path, model, x):
    session = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    got = session.run(["cls", "patches", "keys"], {"pixels": x.numpy()})
    with torch.no_grad():
        expected = [t.numpy() for t in model(x)]
    return got, expected


@pytest.mark.parametrize("shape", [(1, 3, 224, 224), (3, 3, 224, 224), (2, 3, 160, 320), (1, 3, 480, 64), (2, 3, 100, 90)])
def test_onnx_runtime_matches_pytorch_on_all_outputs(tiny, shape):
    onnx_path, model = tiny
    x = torch.randn(*shape, generator=torch.Generator().manual_seed(1))
    got, expected = run_both(onnx_path, model, x)
    for name, a, b in zip(["cls", "patches", "keys"], got, expected):
        assert a.shape == b.shape, name
        assert np.abs(a - b).max() <= TOLERANCE, name
    n = (shape[2] // 16) * (shape[3] // 16)
    assert got[1].shape == (shape[0], n, 64)


def test_graph_names_types_and_dynamic_axes(tiny):
    onnx_path, _ = tiny
    graph = onnx.load(str(onnx_path)).graph
    (pixels,) = graph.input
    assert pixels.name == "pixels"
    assert pixels.type.tensor_type.elem_type == onnx.TensorProto.FLOAT
    dims = pixels.type.tensor_type.shape.dim
    assert [d.dim_param or d.dim_value for d in dims] == ["batch", 3, "height", "width"]
    assert [o.name for o in graph.output] == ["cls", "patches", "keys"]
    assert all(o.type.tensor_type.elem_type == onnx.TensorProto.FLOAT for o in graph.output)


def test_sidecar_describes_the_file(tiny):
    onnx_path, _ = tiny
    meta = json.loads(onnx_path.with_suffix(".json").read_text())
    assert meta["sha256"] == hashlib.sha256(onnx_path.read_bytes()).hexdigest()
    assert meta["bytes"] == onnx_path.stat().st_size
    assert (meta["id"], meta["arch"], meta["patch_size"], meta["input_size"], meta["embed_dim"]) == \
        ("vit-tiny", "vit_tiny16", 16, 224, 64)
    assert meta["dynamic_hw"] is True
    assert meta["outputs"]["cls"]["shape"] == ["batch", 64]
    assert meta["outputs"]["keys"]["shape"] == ["batch", "floor(height/16)*floor(width/16)", 64]
    assert meta["preprocessing"]["mean"] == [0.485, 0.456, 0.406]
    assert meta["preprocessing"]["std"] == [0.229, 0.224, 0.225]
    assert meta["preprocessing"]["resize"] == {"width": 224, "height": 224, "interpolation": "bilinear"}
    assert meta["source"]["kind"] == "random weights" and meta["license"]


def test_export_from_a_dino_checkpoint_file(tmp_path, capsys):
    torch.manual_seed(7)
    reference = build_vit("vit_tiny16").eval()
    checkpoint = tmp_path / "dino_tiny_pretrain.pth"
    torch.save({"teacher": {"backbone." + k: v for k, v in reference.state_dict().items()}}, checkpoint)
    out = tmp_path / "dino-tiny.onnx"
    assert cli(["export-vit", "--arch", "vit_tiny16", "--checkpoint", str(checkpoint), "--out", str(out)]) == 0
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert all(d <= TOLERANCE for size in report["max_abs_diff"].values() for d in size.values())
    # the exported graph computes what the network that wrote the checkpoint computes
    got, expected = run_both(out, reference, torch.randn(2, 3, 64, 96))
    assert all(np.abs(a - b).max() <= TOLERANCE for a, b in zip(got, expected))
    meta = json.loads(out.with_suffix(".json").read_text())
    assert meta["source"]["checkpoint_sha256"] == hashlib.sha256(checkpoint.read_bytes()).hexdigest()
