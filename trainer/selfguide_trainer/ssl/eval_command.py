"""Evaluate an exported encoder on Fashion-MNIST: k-NN accuracy and k-means NMI next to a raw-pixel PCA baseline."""

import argparse
import json
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--onnx", type=Path, required=True, help="encoder .onnx with its .json sidecar beside it")
    parser.add_argument("--train-limit", type=int, help="use only the first N train images as the k-NN bank")
    parser.add_argument("--out", type=Path, help="also write the results to this JSON file")


def main(args: argparse.Namespace) -> int:
    from .evaluate import evaluate_fmnist

    results = evaluate_fmnist(args.onnx, args.train_limit)
    text = json.dumps(results, indent=2)
    if args.out:
        args.out.write_text(text + "\n")
    print(text)
    return 0
