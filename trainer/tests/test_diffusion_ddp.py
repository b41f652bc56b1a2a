"""Two CPU processes under torchrun (gloo): the same code path as multi-GPU training."""

import json
import os
import re
import subprocess
import sys

from selfguide_trainer.diffusion.checkpoint import latest_checkpoint, load_checkpoint

from diffusion_helpers import FAST, fmnist_args


def test_torchrun_two_processes_gloo(tmp_path):
    run = tmp_path / "run"
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
               "-m", "selfguide_trainer", "train", *FAST, *fmnist_args(run, 6, "--fmnist-limit", "64", "--checkpoint-every", "3")]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    events = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    steps = [e for e in events if e["event"] == "step"]
    assert [e["step"] for e in steps] == list(range(1, 7))  # only rank 0 reports
    assert events[-1]["event"] == "done"
    # DDP averaged the gradients: both ranks end with bit-identical weights
    fingerprints = dict(re.findall(r"\[rank (\d)\] INFO finished at step 6, weights fingerprint (\S+)", result.stderr))
    assert set(fingerprints) == {"0", "1"} and fingerprints["0"] == fingerprints["1"]
    state = load_checkpoint(latest_checkpoint(run / "checkpoints"))
    assert state["step"] == 6 and state["data"] == {"epoch": 0, "batch_in_epoch": 6}  # 32 images per rank, 4 per batch: 8 per epoch
    assert not any(k.startswith("module.") for k in state["model"])  # saved unwrapped, loadable without DDP
