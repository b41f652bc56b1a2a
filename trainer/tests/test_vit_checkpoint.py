"""Official DINO checkpoints (their key naming, written out here independently of our model) load 1:1."""

import argparse

import pytest
import torch

from selfguide_trainer.vit.checkpoint import load_vit, read_checkpoint, select_state_dict


def official_dino_shapes(dim: int, depth: int, patch: int, grid: int, mlp: int) -> dict[str, tuple]:
    """Key -> shape of facebookresearch/dino `vision_transformer.VisionTransformer.state_dict()` (head=Identity)."""
    shapes = {
        "cls_token": (1, 1, dim),
        "pos_embed": (1, 1 + grid * grid, dim),
        "patch_embed.proj.weight": (dim, 3, patch, patch),
        "patch_embed.proj.bias": (dim,),
        "norm.weight": (dim,),
        "norm.bias": (dim,),
    }
    for i in range(depth):
        b = f"blocks.{i}."
        shapes |= {
            b + "norm1.weight": (dim,), b + "norm1.bias": (dim,),
            b + "attn.qkv.weight": (3 * dim, dim), b + "attn.qkv.bias": (3 * dim,),
            b + "attn.proj.weight": (dim, dim), b + "attn.proj.bias": (dim,),
            b + "norm2.weight": (dim,), b + "norm2.bias": (dim,),
            b + "mlp.fc1.weight": (mlp, dim), b + "mlp.fc1.bias": (mlp,),
            b + "mlp.fc2.weight": (dim, mlp), b + "mlp.fc2.bias": (dim,),
        }
    return shapes


def random_state(shapes: dict[str, tuple], seed: int = 0) -> dict[str, torch.Tensor]:
    gen = torch.Generator().manual_seed(seed)
    return {k: torch.randn(*s, generator=gen) for k, s in shapes.items()}


TINY = dict(dim=64, depth=2, patch=16, grid=14, mlp=256)  # vit_tiny16


def test_backbone_state_dict_in_official_naming_maps_one_to_one():
    state = random_state(official_dino_shapes(**TINY))
    model = load_vit(state, "vit_tiny16")
    loaded = model.state_dict()
    assert set(loaded) == set(state)
    for key, value in state.items():
        assert torch.equal(loaded[key], value), key


def test_vit_s16_and_b16_have_exactly_the_official_keys_and_shapes():
    from selfguide_trainer.vit import build_vit

    for arch, dim in [("vit_s16", 384), ("vit_b16", 768)]:
        expected = official_dino_shapes(dim=dim, depth=12, patch=16, grid=14, mlp=4 * dim)
        got = {k: tuple(v.shape) for k, v in build_vit(arch).state_dict().items()}
        assert got == expected, arch


def test_training_checkpoint_takes_the_teacher_and_drops_wrappers_and_head(tmp_path):
    teacher = random_state(official_dino_shapes(**TINY), seed=1)
    student = random_state(official_dino_shapes(**TINY), seed=2)
    checkpoint = {
        "teacher": {"backbone." + k: v for k, v in teacher.items()} | {"head.mlp.0.weight": torch.zeros(8, 64)},
        "student": {"module.backbone." + k: v for k, v in student.items()} | {"module.head.last_layer.weight_g": torch.ones(8, 1)},
        "args": argparse.Namespace(arch="vit_small"),  # DINO pickles its args into full checkpoints
        "epoch": 100,
    }
    path = tmp_path / "dino_full_checkpoint.pth"
    torch.save(checkpoint, path)
    assert set(select_state_dict(read_checkpoint(path), "student")) == set(student)
    model = load_vit(path, "vit_tiny16")
    assert torch.equal(model.state_dict()["blocks.1.attn.qkv.weight"], teacher["blocks.1.attn.qkv.weight"])
    student_model = load_vit(path, "vit_tiny16", which="student")
    assert torch.equal(student_model.state_dict()["pos_embed"], student["pos_embed"])


def test_checkpoint_of_another_size_or_with_missing_keys_is_refused_with_the_reason():
    state = random_state(official_dino_shapes(**TINY))
    with pytest.raises(ValueError, match="embed_dim"):
        load_vit(state, "vit_s16")
    del state["blocks.1.mlp.fc2.bias"]
    with pytest.raises(ValueError, match="blocks.1.mlp.fc2.bias"):
        load_vit(state, "vit_tiny16")


def test_position_grid_is_read_from_the_checkpoint():
    """A checkpoint trained at another resolution keeps its own grid (and thus input_size)."""
    state = random_state(official_dino_shapes(**(TINY | {"grid": 8})))
    model = load_vit(state, "vit_tiny16")
    assert model.input_size == 128
    assert model(torch.randn(1, 3, 224, 224))[1].shape == (1, 196, 64)
