"""Loads a COCO annotation file with pycocotools and prints what it decodes, as JSON, for the export tests.

Usage: python coco_roundtrip.py annotations.json
Prints {"images": [...], "categories": [...], "annotations": [{id, image_id, category_id, bbox,
"decoded": {"pixels": flat row-major indices of the decoded mask, "area": ..., "bbox": ...}}]}.
"""
import contextlib
import json
import sys

import numpy as np
from pycocotools import mask as mask_utils
from pycocotools.coco import COCO

with contextlib.redirect_stdout(sys.stderr):  # COCO() reports its loading on stdout
    coco = COCO(sys.argv[1])
annotations = []
for ann in coco.loadAnns(coco.getAnnIds()):
    entry = {key: ann[key] for key in ("id", "image_id", "category_id", "bbox", "area")}
    if "segmentation" in ann:
        mask = coco.annToMask(ann)
        rle = coco.annToRLE(ann)
        entry["decoded"] = {
            "shape": list(mask.shape),
            "pixels": np.flatnonzero(mask).tolist(),
            "area": int(mask_utils.area(rle)),
            "bbox": [float(v) for v in mask_utils.toBbox(rle)],
        }
    annotations.append(entry)
json.dump(
    {
        "images": coco.loadImgs(coco.getImgIds()),
        "categories": coco.loadCats(coco.getCatIds()),
        "annotations": annotations,
    },
    sys.stdout,
)
