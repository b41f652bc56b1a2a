"""`python -m selfguide_trainer <command> ...`: one entry point, one module per command.

Each command module exposes `add_arguments(parser)` and `main(args) -> int`.
"""

import argparse
import importlib
import sys

# command name -> module that implements it (imported lazily so `--help` stays fast)
COMMANDS: dict[str, str] = {
    "export-vit": "selfguide_trainer.vit.export_command",
    "ssl": "selfguide_trainer.ssl.command",
    "ssl-eval": "selfguide_trainer.ssl.eval_command",
    "train": "selfguide_trainer.diffusion.commands.train",
    "export": "selfguide_trainer.diffusion.commands.export",
    "sample": "selfguide_trainer.diffusion.commands.sample",
    "repro": "selfguide_trainer.eval.repro.command",
    "evaluate": "selfguide_trainer.eval.evaluate_command",
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m selfguide_trainer")
    sub = parser.add_subparsers(dest="command", required=True)
    modules = {}
    for name, module_name in COMMANDS.items():
        module = importlib.import_module(module_name)
        modules[name] = module
        module.add_arguments(sub.add_parser(name, help=module.__doc__.strip().splitlines()[0]))
    args = parser.parse_args(argv)
    return modules[args.command].main(args)


if __name__ == "__main__":
    sys.exit(main())
