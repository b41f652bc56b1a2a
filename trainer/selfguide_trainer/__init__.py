"""selfguide_trainer: the PyTorch half of selfguide (see ../shared/SPEC.md)."""

__version__ = "0.1.0"
