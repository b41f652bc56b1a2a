"""The app holds the trainer's stdin; when the app dies the trainer stops with a checkpoint."""

import json
import subprocess
import sys

from selfguide_trainer.diffusion.checkpoint import latest_checkpoint, load_checkpoint

from diffusion_helpers import FAST, fmnist_args


def test_closing_stdin_stops_training_with_a_checkpoint(tmp_path):
    run = tmp_path / "run"
    command = [sys.executable, "-m", "selfguide_trainer", "train", *FAST, "--stop-on-stdin-eof",
               *fmnist_args(run, 100_000, "--fmnist-limit", "64", "--checkpoint-every", "100000")]
    log = (tmp_path / "stderr.log").open("w+")
    child = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, text=True)
    try:
        events = []
        for line in child.stdout:  # wait until it really trains
            if line.startswith("{"):
                events.append(json.loads(line))
                if events[-1]["event"] == "step":
                    break
        child.stdin.close()  # what the OS does when the app is killed
        rest = child.stdout.read()
        child.wait(timeout=120)
    finally:
        child.kill()
    stderr = (tmp_path / "stderr.log").read_text()
    events += [json.loads(line) for line in rest.splitlines() if line.startswith("{")]
    assert child.returncode == 0, stderr[-2000:]
    assert "stdin closed" in stderr
    last = events[-1]
    assert last["event"] == "stopped" and 1 <= last["step"] < 100_000
    assert load_checkpoint(latest_checkpoint(run / "checkpoints"))["step"] == last["step"]
