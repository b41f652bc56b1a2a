"""Two CPU processes under torchrun (gloo): the same code path as multi-GPU training."""

import json
import os
import re
import signal
import subprocess
import sys

import pytest

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


def _torchrun_until_training(run, tmp_path, steps):
    """Starts 2 gloo ranks under torchrun with the app's stdin pipe; returns once rank 0 reports a step."""
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
               "-m", "selfguide_trainer", "train", *FAST, "--stop-on-stdin-eof",
               *fmnist_args(run, steps, "--fmnist-limit", "64", "--checkpoint-every", str(steps))]
    log = (tmp_path / "stderr.log").open("w+")
    child = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, text=True,
                             env={**os.environ, "OMP_NUM_THREADS": "1"})
    events = []
    for line in child.stdout:
        if line.startswith("{"):
            events.append(json.loads(line))
            if events[-1]["event"] == "step":
                return child, events
    raise AssertionError((tmp_path / "stderr.log").read_text()[-3000:])


def _finish(child, events, tmp_path):
    try:
        rest = child.stdout.read()
        child.wait(timeout=120)
    finally:
        child.kill()
    events += [json.loads(line) for line in rest.splitlines() if line.startswith("{")]
    return (tmp_path / "stderr.log").read_text()


@pytest.mark.parametrize("how", ["sigterm", "stdin"])
def test_torchrun_ranks_stop_together_with_a_checkpoint_and_resume(tmp_path, how):
    """A cancel reaches each rank at its own moment (torchrun forwards SIGTERM; a dead app closes stdin): the
    ranks agree on one step, rank 0 writes the checkpoint, nobody hangs in a collective; --resume finishes."""
    run, steps = tmp_path / "run", 100_000
    child, events = _torchrun_until_training(run, tmp_path, steps)
    if how == "sigterm":
        child.send_signal(signal.SIGTERM)  # what the app's cancel does
    else:
        child.stdin.close()  # what the OS does when the app is killed
    stderr = _finish(child, events, tmp_path)
    stopped = re.findall(r"\[rank (\d)\] INFO finished at step (\d+)", stderr)
    assert len(stopped) == 2 and stopped[0][1] == stopped[1][1], stderr[-3000:]  # both ranks, the same step
    step = int(stopped[0][1])
    assert 1 <= step < steps
    assert load_checkpoint(latest_checkpoint(run / "checkpoints"))["step"] == step
    if how == "stdin":  # torchrun itself was not signalled: a clean exit with the stop event
        assert child.returncode == 0
        assert (events[-1]["event"], events[-1]["step"]) == ("stopped", step)

    resumed = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
                              "-m", "selfguide_trainer", "train", *FAST, "--resume",
                              *fmnist_args(run, step + 2, "--fmnist-limit", "64", "--checkpoint-every", "1000")],
                             capture_output=True, text=True, timeout=300, env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert "resumed from" in resumed.stderr and f"at step {step} " in resumed.stderr
    assert load_checkpoint(latest_checkpoint(run / "checkpoints"))["step"] == step + 2
