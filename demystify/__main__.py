"""``python -m demystify demo`` (and the ``demystify`` command): see `demystify.apps.demo`.

The command line is an application built on the library, so it lives in the
ring (``apps/``), counted apart from the core.
"""

from .apps.demo import main

if __name__ == "__main__":
    raise SystemExit(main())
