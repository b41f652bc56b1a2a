import torch

from selfguide_trainer.diffusion.checkpoint import latest_checkpoint, load_checkpoint

from diffusion_helpers import fmnist_args, image_rows, train, write_manifest


def test_loss_falls_on_fashion_mnist(tmp_path, capsys):
    code, events = train(capsys, *fmnist_args(tmp_path / "run", 60, "--batch", "16", "--fmnist-limit", "2048",
                                              "--preview-every", "60", "--preview-steps", "4", "--preview-count", "4"))
    assert code == 0
    losses = [e["loss"] for e in events if e["event"] == "step"]
    assert len(losses) == 60
    first, last = sum(losses[:10]) / 10, sum(losses[-10:]) / 10
    assert first > 0.8  # zero-initialised output: ε̂ = 0 gives MSE ≈ 1
    assert last < 0.6 * first, (first, last)
    previews = [e for e in events if e["event"] == "preview"]
    assert [p["w"] for p in previews] == [0.0, 2.0] and all((tmp_path / "run" / "previews").glob("*.png"))
    assert events[-1]["event"] == "done" and events[-1]["step"] == 60
    step = next(e for e in events if e["event"] == "step")
    assert {"step", "loss", "lr", "images_per_s", "eta_s"} <= set(step)


def _final_state(run):
    return load_checkpoint(latest_checkpoint(run / "checkpoints"))


def test_resume_continues_exactly(tmp_path, capsys):
    # 2 epochs of 64 images at batch 8 → the resume point (step 10) is mid-epoch 1; workers exercise the loader path
    args = lambda run, steps: fmnist_args(run, steps, "--fmnist-limit", "64", "--workers", "1", "--checkpoint-every", "5",
                                          "--dropout", "0.1")
    assert train(capsys, *args(tmp_path / "straight", 16))[0] == 0
    assert train(capsys, *args(tmp_path / "resumed", 10))[0] == 0
    code, events = train(capsys, *args(tmp_path / "resumed", 16), "--resume")
    assert code == 0 and [e["step"] for e in events if e["event"] == "step"] == list(range(11, 17))
    a, b = _final_state(tmp_path / "straight"), _final_state(tmp_path / "resumed")
    assert a["step"] == b["step"] == 16 and a["data"] == b["data"] == {"epoch": 1, "batch_in_epoch": 8}
    for key in ("model",):
        for name, tensor in a[key].items():
            torch.testing.assert_close(b[key][name], tensor, rtol=0, atol=1e-6, msg=name)
    for name, tensor in a["ema"]["model"].items():
        torch.testing.assert_close(b["ema"]["model"][name], tensor, rtol=0, atol=1e-6, msg=name)
    for i, state in a["optimizer"]["state"].items():
        torch.testing.assert_close(b["optimizer"]["state"][i]["exp_avg_sq"], state["exp_avg_sq"], rtol=0, atol=1e-9)
    assert a["scheduler"]["last_epoch"] == b["scheduler"]["last_epoch"] == 16


def test_checkpoint_rotation_keeps_last_k_and_best(tmp_path, capsys):
    code, events = train(capsys, *fmnist_args(tmp_path / "run", 8, "--checkpoint-every", "2", "--keep-last", "2"))
    assert code == 0
    names = sorted(p.name for p in (tmp_path / "run" / "checkpoints").iterdir())
    assert names == ["best.pt", "step_00000006.pt", "step_00000008.pt"]  # no temp files left behind
    vals = [e for e in events if e["event"] == "val"]
    best_step = min(vals, key=lambda e: e["loss"])["step"]
    assert load_checkpoint(tmp_path / "run" / "checkpoints" / "best.pt")["step"] == best_step


def test_cli_errors_are_clear(tmp_path, capsys):
    code, events = train(capsys, "--manifest", str(tmp_path / "none.jsonl"), "--steps", "1", "--out", str(tmp_path / "r"))
    assert code == 2 and events[-1]["event"] == "error" and "manifest not found" in events[-1]["message"]
    code, events = train(capsys, "--steps", "1", "--out", str(tmp_path / "r"))
    assert code == 2 and "--manifest FILE or --fmnist" in events[-1]["message"]
    code, events = train(capsys, *fmnist_args(tmp_path / "r", 1, "--channels", "1", "--resolution", "18"))
    assert code == 2 and "multiple of 4" in events[-1]["message"]
    assert train(capsys, *fmnist_args(tmp_path / "ok", 1))[0] == 0
    code, events = train(capsys, *fmnist_args(tmp_path / "ok", 2))
    assert code == 2 and "pass --resume" in events[-1]["message"]
    code, events = train(capsys, *fmnist_args(tmp_path / "ok", 2, "--preset", "small"), "--resume")
    assert code == 2 and "cannot change on --resume" in events[-1]["message"]


def test_spatial_modes_train_from_a_manifest(tmp_path, capsys):
    rows = image_rows(tmp_path, 8, with_masks=3)
    rows[5]["path"] = str(tmp_path / "vanished.png")  # skipped and counted, the run goes on
    for mode, header in (("box", {"num_clusters": 4}), ("mask", {"num_segments": 3})):
        manifest = write_manifest(tmp_path, mode, rows, **header)
        code, events = train(capsys, "--manifest", str(manifest), "--resolution", "16", "--batch", "4", "--steps", "3",
                             "--out", str(tmp_path / mode), "--preview-every", "3", "--preview-steps", "2", "--preview-count", "2")
        assert code == 0 and events[-1]["event"] == "done" and events[-1]["skipped"] >= 1
        state = _final_state(tmp_path / mode)
        assert state["cond"]["layout_channels"] == (1 if mode == "box" else 3)
        assert state["model"]["input_blocks.0.0.weight"].shape[1] == 3 + state["cond"]["layout_channels"]
