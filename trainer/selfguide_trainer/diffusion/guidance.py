"""Classifier-free guidance combinations (SPEC §6). Which form a number uses must always be stated."""

from __future__ import annotations

FORMS = ("imagen", "ho-salimans")
CONVENTION = "imagen: eps = (1-w)*eps_uncond + w*eps_cond"


def guided_eps(eps_uncond, eps_cond, w: float, form: str = "imagen"):
    """imagen: (1-w)·ε∅ + w·εc (w=0 unconditional, w=1 conditional; paper default w=2).
    ho-salimans: (1+w)·εc − w·ε∅ (w=0 conditional); imagen w equals ho-salimans w-1."""
    if form == "imagen":
        return (1.0 - w) * eps_uncond + w * eps_cond
    if form == "ho-salimans":
        return (1.0 + w) * eps_cond - w * eps_uncond
    raise ValueError(f"unknown guidance form {form!r}; expected one of {FORMS}")


def needs_branches(w: float, form: str = "imagen") -> tuple[bool, bool]:
    """(needs ε∅, needs εc): the weight-zero branch is skipped, which changes nothing numerically."""
    if form == "imagen":
        return w != 1.0, w != 0.0
    return w != 0.0, True
