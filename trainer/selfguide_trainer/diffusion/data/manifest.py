"""Parse the JSON-lines manifest the app exports (format documented in trainer/docs/manifest.md)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from ..conditioning import MODES, CondSpec

FORMAT = "selfguide-manifest"
VERSION = 1


class ManifestError(ValueError):
    """A manifest that cannot be trained on; the message names the file and line."""


@dataclass
class ManifestRow:
    path: str
    label: int | None = None
    cluster: int | None = None
    box: list[float] | None = None
    mask: str | None = None
    split: str = "train"


@dataclass
class Manifest:
    cond: CondSpec
    rows: list[ManifestRow] = field(default_factory=list)

    def split(self, name: str) -> list[ManifestRow]:
        return [r for r in self.rows if r.split == name]


def _check_index(value, limit: int, what: str, where: str):
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < limit:
        raise ManifestError(f"{where}: {what} must be an integer in [0, {limit}) or null, got {value!r}")
    return value


def _parse_header(obj: dict, where: str, cond_override: str | None) -> CondSpec:
    if obj.get("format") != FORMAT:
        raise ManifestError(f"{where}: first line must be a header with \"format\": \"{FORMAT}\"")
    if obj.get("version") != VERSION:
        raise ManifestError(f"{where}: unsupported manifest version {obj.get('version')!r} (this trainer reads {VERSION})")
    mode = cond_override or obj.get("cond", "none")
    if mode not in MODES:
        raise ManifestError(f"{where}: cond must be one of {', '.join(MODES)}, got {mode!r}")
    names = {"label": obj.get("class_names"), "mask": obj.get("segment_names")}.get(mode, obj.get("cluster_names"))
    try:
        return CondSpec.build(mode, num_classes=int(obj.get("num_classes") or 0), num_clusters=int(obj.get("num_clusters") or 0),
                              num_segments=int(obj.get("num_segments") or 0), names=names or [])
    except ValueError as e:
        raise ManifestError(f"{where}: {e}") from None


def _parse_row(obj: dict, where: str, base: Path, header: dict) -> ManifestRow:
    path = obj.get("path")
    if not isinstance(path, str) or not path:
        raise ManifestError(f"{where}: \"path\" must be a non-empty string")
    box = obj.get("box")
    if box is not None:
        if not (isinstance(box, list) and len(box) == 4 and all(isinstance(v, (int, float)) for v in box) and box[0] < box[2] and box[1] < box[3]):
            raise ManifestError(f"{where}: \"box\" must be [x0, y0, x1, y1] with x0 < x1, y0 < y1, or null")
    split = obj.get("split", "train")
    if split not in ("train", "val"):
        raise ManifestError(f"{where}: \"split\" must be \"train\" or \"val\", got {split!r}")
    mask = obj.get("mask")
    return ManifestRow(
        path=str(base / path),  # absolute paths stay as they are; relative ones are relative to the manifest
        label=_check_index(obj.get("label"), int(header.get("num_classes") or 2**31), "label", where),
        cluster=_check_index(obj.get("cluster"), int(header.get("num_clusters") or 2**31), "cluster", where),
        box=[float(v) for v in box] if box is not None else None,
        mask=str(base / mask) if mask else None,
        split=split,
    )


def read_manifest(path: str | Path, cond_override: str | None = None) -> Manifest:
    """Read and validate a manifest. Structural errors raise ManifestError; unreadable images are not
    checked here (that would open every file) but skipped and counted by the dataset."""
    path = Path(path)
    if not path.is_file():
        raise ManifestError(f"manifest not found: {path}")
    manifest, header = None, {}
    with path.open(encoding="utf-8") as f:
        for number, line in enumerate(f, start=1):
            if not line.strip():
                continue
            where = f"{path}:{number}"
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as e:
                raise ManifestError(f"{where}: not valid JSON ({e.msg})") from None
            if not isinstance(obj, dict):
                raise ManifestError(f"{where}: each line must be a JSON object")
            if manifest is None:
                header = obj
                manifest = Manifest(_parse_header(obj, where, cond_override))
            else:
                manifest.rows.append(_parse_row(obj, where, path.parent, header))
    if manifest is None:
        raise ManifestError(f"{path}: empty manifest")
    if not manifest.split("train"):
        raise ManifestError(f"{path}: no rows with split \"train\"")
    return manifest
