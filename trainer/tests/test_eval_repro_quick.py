"""`python -m selfguide_trainer repro fmnist --quick` runs the whole reproduction end to end (CI's check of the
pipeline): self-labels, eight real trainings, samples, every metric, the table, the figure; the commands it
reports rebuild the configurations that ran, a second run resumes instead of redoing the work, and a row's kept
samples are scored again elsewhere without its checkpoints (how a long reproduction is finished a few rows at a
time)."""

import argparse
import json
import math
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

from PIL import Image

from selfguide_trainer.diffusion.commands.train import add_arguments as train_arguments
from selfguide_trainer.diffusion.commands.train import resolve_config
from selfguide_trainer.diffusion.config import TrainConfig
from selfguide_trainer.eval.repro.pipeline import logged_training_seconds
from selfguide_trainer.vit.onnx_export import sha256_file

ROWS = ["fmnist/real", "fmnist/none", "fmnist/label", "fmnist/self-k10", "fmnist/self-k50",
        "fmnist-lt/real", "fmnist-lt/none", "fmnist-lt/label", "fmnist-lt/self-k10", "fmnist-lt/self-k50"]


def repro(out: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "selfguide_trainer", "repro", "fmnist", "--quick", "--out", str(out), *extra],
                          capture_output=True, text=True, timeout=600)


def parsed_train_config(command: str) -> TrainConfig:
    words = shlex.split(command)
    assert words[:4] == ["python", "-m", "selfguide_trainer", "train"]
    parser = argparse.ArgumentParser()
    train_arguments(parser)
    return resolve_config(parser.parse_args(words[4:] + ["--resume"]))


def test_quick_reproduction_end_to_end(tmp_path):
    out = tmp_path / "repro"
    done = repro(out)
    assert done.returncode == 0, done.stderr[-3000:]
    results = json.loads((out / "results.json").read_text())
    settings = results["settings"]
    assert results["mode"] == "quick" and [r["row"] for r in results["rows"]] == ROWS

    classifier = results["classifier"]
    assert classifier["sha256"] == sha256_file(Path(classifier["path"]))
    assert 0.2 < classifier["test_accuracy"] <= 1.0 and classifier["test_images"] == settings["reference"]
    assert results["encoder"]["sha256"] == sha256_file(Path(results["encoder"]["path"]))

    for row in results["rows"]:
        m = row["metrics"]
        assert row["samples"] == settings["samples"] and sum(row["predicted_class_counts"]) == settings["samples"]
        assert math.isfinite(m["fd_cls"]) and m["fd_cls"] >= 0 and math.isfinite(m["kid_cls"])
        assert all(0.0 <= m[key] <= 1.0 for key in ("precision", "recall", "coverage")) and m["density"] >= 0
        if row["guidance"] == "real":  # real images against real images: the metrics see them as real
            assert m["precision"] > 0.8 and m["coverage"] > 0.5
            continue
        assert row["step"] == settings["steps"]
        if row["guidance"] == "none":
            assert m["condition_consistency"] is None and m["self_label_nmi"] is None
        else:
            assert 0.0 <= m["condition_consistency"] <= 1.0
        if row["guidance"] == "self":
            assert 0.0 < m["self_label_nmi"] < 1.0
        config = parsed_train_config(row["train_command"])  # the reported command is the configuration that ran
        assert config == TrainConfig.load(Path(row["checkpoint"]).parents[1] / "config.json")
        assert config.long_tail == (row["dataset"] == "fmnist-lt")
    by_name = {r["row"]: r for r in results["rows"]}
    # untrained models are far from the data: worse than real training images in FD_cls and precision
    assert by_name["fmnist/none"]["metrics"]["fd_cls"] > 3 * by_name["fmnist/real"]["metrics"]["fd_cls"]

    table = (out / "results.md").read_text()
    assert "Pipeline check (--quick)" in table and "NOT results" in table
    assert sum(line.startswith("| fmnist") for line in table.splitlines()) == len(ROWS) + 8  # metric rows + command rows
    assert f"repro fmnist --quick --out {out}" in table
    with Image.open(out / "samples.png") as figure:
        assert figure.height == len(ROWS) * (32 * 2 + 2) + 2 and figure.width > 16 * 64

    # the same command again: trainings resume at their last step, samples and classifier are reused
    checkpoint = Path(by_name["fmnist/none"]["checkpoint"])
    stamps = (checkpoint.stat().st_mtime_ns, (checkpoint.parents[1] / "samples.npz").stat().st_mtime_ns)
    again = repro(out, "--only", "fmnist/none")
    assert again.returncode == 0, again.stderr[-3000:]
    assert "reused" in again.stderr
    assert (checkpoint.stat().st_mtime_ns, (checkpoint.parents[1] / "samples.npz").stat().st_mtime_ns) == stamps
    rerun = json.loads((out / "results.json").read_text())
    assert [r["row"] for r in rerun["rows"]] == ["fmnist/real", "fmnist/none"]
    assert rerun["rows"][1]["metrics"] == by_name["fmnist/none"]["metrics"]

    # a row's kept samples, with the classifier and self-labels they were scored with, in another folder and no
    # checkpoint: the same numbers and training time, and nothing trained
    moved = tmp_path / "moved"
    for part in ("classifier", "selflabels"):
        shutil.copytree(out / part, moved / part)
    row_dir = Path("runs") / "fmnist_self-k10"
    (moved / row_dir).mkdir(parents=True)
    shutil.copy(out / row_dir / "samples.npz", moved / row_dir / "samples.npz")
    kept = repro(moved, "--only", "fmnist/self-k10")
    assert kept.returncode == 0, kept.stderr[-3000:]
    assert "kept samples reused" in kept.stderr and not (moved / row_dir / "checkpoints").exists()
    scored = json.loads((moved / "results.json").read_text())["rows"][1]
    original = by_name["fmnist/self-k10"]
    assert scored["metrics"] == original["metrics"] and scored["seconds"]["train"] == original["seconds"]["train"] > 0
    # other sampling settings do not match what was kept: the model is trained again, then sampled
    other = repro(moved, "--only", "fmnist/self-k10", "--sample-steps", "3")
    assert other.returncode == 0, other.stderr[-3000:]
    assert "kept samples reused" not in other.stderr and (moved / row_dir / "checkpoints").is_dir()


def test_training_time_is_summed_over_the_logged_windows_of_every_session(tmp_path):
    events = tmp_path / "events.jsonl"
    lines = [{"event": "start"}, {"event": "step", "step": 50, "images_per_s": 100.0},
             {"event": "step", "step": 100, "images_per_s": 50.0},
             # killed before the checkpoint of step 100: resumed from step 50, steps 51–100 trained again
             {"event": "resumed", "step": 50}, {"event": "step", "step": 100, "images_per_s": 25.0},
             {"event": "step", "step": 120, "images_per_s": 100.0}]
    events.write_text("".join(json.dumps(line) + "\n" for line in lines))
    # batch 10: 500/100 + 500/50 + 500/25 + 200/100 seconds
    assert logged_training_seconds(events, batch=10, log_every=50) == 5 + 10 + 20 + 2
