"""Progress for the app: one JSON object per line on stdout (and appended to RUN/events.jsonl); human logs
go to stderr. Events: step, preview, checkpoint, val, done, error (see trainer/docs/training.md)."""

from __future__ import annotations

import json
import logging
import math
import os
import sys
from pathlib import Path


def setup_logging(rank: int = 0) -> None:
    logging.basicConfig(stream=sys.stderr, level=logging.INFO, force=True,
                        format=f"%(asctime)s [rank {rank}] %(levelname)s %(message)s", datefmt="%H:%M:%S")


def _clean(value):
    """JSON has no NaN/Infinity; report them as null so every line parses."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


class Progress:
    def __init__(self, events_file: Path | None = None, enabled: bool = True):
        self.events_file = events_file
        self.enabled = enabled  # only rank 0 reports

    def emit(self, event: str, **fields) -> None:
        if not self.enabled:
            return
        line = json.dumps({"event": event, **{k: _clean(v) for k, v in fields.items()}})
        try:
            print(line, file=sys.stdout, flush=True)
        except BrokenPipeError:
            # the app that read us is gone: keep training to the clean stop (events.jsonl still gets the line)
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - lives as long as the process
        if self.events_file is not None:
            with self.events_file.open("a", encoding="utf-8") as f:
                f.write(line + "\n")
