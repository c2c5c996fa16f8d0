"""The command line: ``python -m demystify demo`` trains a digit reader from scratch.

It is the whole library in one breath: load the shipped 8x8 digits, hold a
quarter out, standardise with the training statistics, train a small network
(progress bar included), report the accuracy on the held-out quarter, and save
the model as a data-only ``.npz`` that ``dm.load`` reads back. It uses only
the public library, as any user's script would.
"""

import argparse
from pathlib import Path

import demystify as dm


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m demystify")
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser("demo", help="train a handwritten-digit classifier and save it")
    demo.add_argument("--epochs", type=int, default=40, help="passes over the digits (40)")
    demo.add_argument("--hidden", type=int, default=256, help="units in the hidden layer (256)")
    demo.add_argument("--seed", type=int, default=0, help="seed of weights and shuffling (0)")
    demo.add_argument("--out", default="demystify-digits.npz", help="where to save the model")
    args = parser.parse_args(argv)
    # every setting is checked before the first epoch: nothing trains for nothing
    if args.epochs < 1 or args.hidden < 1:
        parser.error(f"--epochs and --hidden must be at least 1, got {args.epochs}, {args.hidden}")
    if not Path(args.out).name or Path(args.out).is_dir():
        parser.error(f"--out must name a file to write the model to, got {args.out!r}")

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


if __name__ == "__main__":
    raise SystemExit(main())
