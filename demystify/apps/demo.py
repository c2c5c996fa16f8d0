"""The command line: ``python -m demystify demo`` trains a digit reader from scratch.

It is the whole library in one breath: load the shipped 8x8 digits, hold a
quarter out, standardise with the training statistics, train a small network
(progress bar included), report the accuracy on the held-out quarter, and save
the model as a data-only ``.npz`` that ``dm.load`` reads back. It uses only
the public library, as any user's script would.
"""

import argparse
import os
from pathlib import Path

import demystify as dm

NAME_MAX = 255  # the longest file name, in bytes, most file systems allow


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m demystify")
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser("demo", help="train a handwritten-digit classifier and save it")
    demo.add_argument("--epochs", type=int, default=40, help="passes over the digits (40)")
    demo.add_argument("--hidden", type=int, default=256, help="units in the hidden layer (256)")
    demo.add_argument("--seed", type=int, default=0, help="seed of weights and shuffling (0)")
    demo.add_argument("--out", default="demystify-digits.npz", help="where to save the model")
    args = parser.parse_args(argv)
    _check_settings(parser, args)  # every one before the first epoch: nothing trains for nothing
    X, y = dm.datasets.digits()
    X_train, X_test, y_train, y_test = dm.datasets.train_test_split(X, y, test_size=0.25, seed=0)
    X_train, X_test = dm.datasets.standardize(X_train, X_test)
    hidden = dm.Dense(64, args.hidden)
    network = dm.Sequential(
        [hidden, dm.ReLU(), dm.Dropout(0.5), dm.Dense(args.hidden, 10)], args.seed
    )
    schedule = dm.CosineDecay(args.epochs * -(-len(X_train) // 32))  # -(-a // b): ceil(a / b)
    optimizer = dm.AdamW(network.parameters(), lr=2e-3, schedule=schedule)
    dm.fit(
        network,
        dm.SoftmaxCrossEntropy(),
        optimizer,
        X_train,
        y_train,
        args.epochs,
        32,
        seed=args.seed,
    )
    print(f"held-out accuracy: {dm.accuracy(network.predict(X_test), y_test):.4f}")
    print(f"saved the model to {dm.save(network, args.out)}")
    return 0


def _check_settings(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Refuse, as a usage error, any setting that would fail (or lose the model) after training."""
    if args.epochs < 1 or args.hidden < 1:
        parser.error(f"--epochs and --hidden must be at least 1, got {args.epochs}, {args.hidden}")
    if args.seed < 0:
        parser.error(f"--seed must be a whole number >= 0, got {args.seed}")
    try:  # the weights of 64 -> hidden -> 10, their gradients and AdamW's two moments (float32)
        dm.checks.affordable(4 * 4.0 * 75 * args.hidden, f"--hidden {args.hidden:,}")
    except ValueError as error:
        parser.error(str(error))
    out = Path(args.out)
    longest = NAME_MAX - len(".npz") - len("..12345678.tmp")  # save writes a temporary name first
    if len(os.fsencode(out.name)) > longest:
        parser.error(f"--out: the file name has {len(os.fsencode(out.name))} bytes, over {longest}")
    if not out.name or out.is_dir():
        parser.error(f"--out must name a file to write the model to, got {args.out!r}")
    folder = out.absolute().parent
    while not folder.exists():  # save makes the missing folders: the first existing one counts
        folder = folder.parent
    if not folder.is_dir() or not os.access(folder, os.W_OK | os.X_OK):
        parser.error(f"--out {args.out!r}: cannot write in {folder}, it is not a writable folder")


if __name__ == "__main__":
    raise SystemExit(main())
