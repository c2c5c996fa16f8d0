"""``python -m demystify.exercises student SRC_DIR OUT_DIR``: make the workshop's student copies."""

from __future__ import annotations

import argparse

from .student import make_student_copies


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m demystify.exercises",
        description="Workshop tools for the demystify notebooks' exercises.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    student = commands.add_parser(
        "student",
        help="copy the notebooks with every exercise's solution replaced by a stub",
        description="Copy every notebook from SRC_DIR to OUT_DIR. In each code cell the lines from "
        "'### BEGIN SOLUTION' to '### END SOLUTION' become "
        'raise NotImplementedError("not implemented yet — your turn"); exercise cells '
        "lose their stored outputs, the other cells keep theirs. Other files are copied as they "
        "are; copies already in OUT_DIR are overwritten.",
    )
    student.add_argument(
        "src_dir", metavar="SRC_DIR", help="folder with the solved notebooks (e.g. notebooks)"
    )
    student.add_argument(
        "out_dir", metavar="OUT_DIR", help="folder for the student copies (e.g. workshop)"
    )
    args = parser.parse_args(argv)
    try:
        written = make_student_copies(args.src_dir, args.out_dir)
    except ValueError as error:
        parser.error(str(error))
    print(f"wrote {len(written)} student notebooks to {args.out_dir}/")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
