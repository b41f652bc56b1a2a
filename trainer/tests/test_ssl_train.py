"""DINO training on real Fashion-MNIST images, tiny: centering prevents collapse, the teacher is the EMA of
the student, a resumed run equals an uninterrupted one, and the command exports a working encoder."""

import json
from dataclasses import replace

import numpy as np
import onnxruntime as ort
import pytest
import torch
import torch.nn.functional as F
from PIL import Image

from selfguide_trainer.__main__ import main as cli
from selfguide_trainer.ssl.data import grey_to_rgb, load_fmnist, resize_uint8
from selfguide_trainer.ssl.train import DINOConfig, DINOTrainer, load_trainer
from selfguide_trainer.vit.checkpoint import load_vit

TINY = DINOConfig(arch="vit_nano4", batch_size=32, steps=30, lr=2e-3, warmup_steps=1, out_dim=64, hidden_dim=64,
                  bottleneck_dim=32, local_crops=2, teacher_temp=(0.04, 0.04), checkpoint_every=1000)


@pytest.fixture(scope="module")
def images():
    return resize_uint8(grey_to_rgb(load_fmnist("test")[0][:128]), 16)


def marginal_entropy_of_teacher_targets(trainer: DINOTrainer) -> float:
    crops = trainer.crops(10_000)  # a step the run never takes: unseen views
    with torch.no_grad():
        logits = trainer.teacher(crops[:2])[0]
    targets = F.softmax((logits - trainer.loss_fn.center) / trainer.cfg.teacher_temp[0], dim=-1)
    marginal = targets.mean(dim=0)
    return float(-(marginal * marginal.clamp_min(1e-12).log()).sum())


def test_centering_keeps_the_teacher_from_collapsing_onto_one_prototype(images):
    results = {}
    for name, momentum in [("centred", 0.9), ("no centring", 1.0)]:  # momentum 1: the centre stays at zero
        trainer = DINOTrainer(replace(TINY, center_momentum=momentum), images)
        losses = [trainer.train_step().loss for _ in range(TINY.steps)]
        assert np.isfinite(losses).all()
        results[name] = marginal_entropy_of_teacher_targets(trainer)
    uniform = np.log(TINY.out_dim)
    assert results["centred"] > 0.8 * uniform  # targets spread over the prototypes across images
    assert results["no centring"] < 0.4 * uniform  # sharpening alone piles every image onto few prototypes


def test_teacher_is_the_momentum_average_of_the_student(images):
    trainer = DINOTrainer(replace(TINY, steps=5), images)
    before = {k: v.clone() for k, v in trainer.teacher.state_dict().items()}
    momentum = trainer.schedules(0)["momentum"]
    trainer.train_step()
    student, teacher = trainer.student.state_dict(), trainer.teacher.state_dict()
    for key in ("backbone.blocks.0.attn.qkv.weight", "head.last_layer"):
        assert torch.allclose(teacher[key], momentum * before[key] + (1 - momentum) * student[key], atol=1e-7)
        assert not torch.equal(teacher[key], before[key])


def test_resumed_run_equals_uninterrupted_run(images, tmp_path):
    cfg = replace(TINY, steps=4)
    straight = DINOTrainer(cfg, images)
    straight_losses = [straight.train_step().loss for _ in range(4)]

    first = DINOTrainer(cfg, images)
    losses = [first.train_step().loss for _ in range(2)]
    first.save(tmp_path)
    resumed = load_trainer(tmp_path, images)
    assert resumed.step == 2
    losses += [resumed.train_step().loss for _ in range(2)]

    assert losses == straight_losses
    for (key, a), b in zip(straight.teacher.state_dict().items(), resumed.teacher.state_dict().values()):
        assert torch.equal(a, b), key
    assert torch.equal(straight.loss_fn.center, resumed.loss_fn.center)


def test_ssl_command_on_an_image_folder_trains_resumes_and_exports(tmp_path, capsys):
    folder = tmp_path / "images"
    folder.mkdir()
    for i, pixels in enumerate(load_fmnist("test")[0][:40]):
        Image.fromarray(pixels).save(folder / f"{i:03d}.png")  # greyscale PNGs, like the demo's
    (folder / "broken.png").write_bytes(b"not a png")
    run = tmp_path / "run"
    args = ["ssl", "--images", str(folder), "--out", str(run), "--arch", "vit_nano4", "--batch-size", "16",
            "--steps", "3", "--local-crops", "2", "--out-dim", "64", "--checkpoint-every", "2", "--threads", "1"]
    assert cli(args) == 0
    events = [json.loads(line) for line in capsys.readouterr().out.splitlines()]  # stdout is JSON lines only
    kinds = [e["event"] for e in events]
    assert kinds == ["skipped", "step", "step", "checkpoint", "step", "checkpoint", "export", "done"]
    step = events[1]
    assert step["step"] == 1 and step["total_steps"] == 3 and np.isfinite(step["loss"])
    assert step["images_per_s"] > 0 and step["eta_s"] >= 0

    onnx_path = run / "model.onnx"
    meta = json.loads((run / "model.json").read_text())
    assert (meta["arch"], meta["input_size"], meta["patch_size"], meta["embed_dim"]) == ("vit_nano4", 16, 4, 48)
    # the export is the teacher backbone of the last checkpoint
    teacher = load_vit(run / "checkpoint.pt", "vit_nano4")
    x = torch.randn(2, 3, 16, 20)
    got = ort.InferenceSession(str(onnx_path)).run(["cls", "patches", "keys"], {"pixels": x.numpy()})
    with torch.no_grad():
        expected = teacher(x)
    assert all(np.abs(a - b.numpy()).max() <= 1e-4 for a, b in zip(got, expected))

    # resuming a finished run does no more steps, only re-exports
    assert cli(["ssl", "--images", str(folder), "--out", str(run), "--resume"]) == 0
    kinds = [json.loads(line)["event"] for line in capsys.readouterr().out.splitlines()]
    assert kinds == ["skipped", "resumed", "export", "done"]
