"""Build the talk "Demystifying Neural Networks" as an offline reveal.js deck.

    python slides/build.py [--out slides/build] [--pdf] [--start 10:30]

The source is `slides/talk.md`: slides separated by `---` lines, speaker notes
after a line `Note:`, maths between `$` or `$$`. What the build adds:

* ``{{figure NAME [HEIGHT]}}`` (or ``{{figures A B [HEIGHT]}}``, side by side): a
  figure drawn now by `demystify.viz` from seeded runs of the library
  (`deck/figures.py`'s `FIGURES`, with its alt text), at the size the slide shows it
  and no text under 16 px on a 1280×720 screen (`deck/sizing.py`); a figure that is
  unknown or fails to draw stops the build with its name.
* ``{{stepper}}``: the backward pass, one stage per fragment, from
  `dm.viz.BackpropStepper` (its formula, matrix tables, written-out sum and picture).
* ``{{recording NAME [HEIGHT]}}``: a live demo's recorded fallback, a looping GIF made
  now by the library (`deck/fallback.py`: the dashboard, the stepper); every slide that
  opens a demo's notebook links its recording.
* ``{{talk FIELD}}``: the title, presenter, date or link from `slides/talk.toml`.
* ``{{source module:Qualified.name}}``: the package's real source, read with
  `inspect`, without docstrings and ``# shown in notebooks/...`` markers; a
  piece longer than `MAX_CODE_LINES` fails the build, so the code on a slide
  stays readable at the back of the room.
* ``{{loc core}}``, ``{{loc ring}}``, ``{{loc extras}}``, ``{{loc table}}``,
  ``{{loc verdict}}``: the line count measured now by `tests/loc_counter.py`
  (the rule of ``../shared/tools/loc.py``); ``{{fact NAME}}``: a number or
  table measured while drawing the figures; ``{{agenda}}``: the sections with
  their minutes.
* Directives, one per line in a slide: ``<!-- section: NAME -->`` starts a
  section of the talk, ``<!-- notebook: 04 -->`` points at the notebook to
  open live (the build fails if it does not exist), ``<!-- fragments -->``
  shows the slide's list items one at a time, ``<!-- class: NAME -->``,
  ``<!-- recap: ONE LINE -->`` on the last slide of every section but the first
  and the last (the build fails without it).
* A time mark: every slide's notes begin with ``⏱ MINUTES`` (minutes since the
  start, strictly increasing, within the 90 minutes). It becomes "⏱ 10:55 ·
  25 min" in the notes, the clock in the slide-number corner (30, 60 and 80
  minutes are checkpoints, in red), and reveal.js's pacing timer in the
  speaker view (press S).

reveal.js and KaTeX come from pinned npm packages (`slides/package.json`,
installed with `npm ci` when missing) and are copied next to the deck, so it
opens from disk with no network at all. ``--pdf`` also prints the handout
`talk.pdf` (every slide and every fragment stage) with headless Chromium.

The builder itself is the package `slides/deck/`, one concept per module (its
``__init__`` lists them); this file is its command line.
"""

import sys
from pathlib import Path

# `deck` sits beside this script, which runs from anywhere (python slides/build.py) or is
# loaded by its path (the tests): its folder is where Python looks for `deck` first
sys.path.insert(0, str(Path(__file__).resolve().parent))

from deck.main import build, main  # noqa: E402

__all__ = ["build", "main"]

if __name__ == "__main__":
    main()
