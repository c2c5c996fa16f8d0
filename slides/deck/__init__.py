"""The talk deck's builder, one concept per module (`slides/build.py` is its command line).

* `talk`: talk.md read into slides (directives, time marks, sections, recaps, the agenda)
  and talk.toml's fields;
* `figures` (the explicit table, with alt texts) and `figures_model`, `figures_training`,
  `figures_beyond`, `stepper` (one stage per fragment), `fallback` (the live demos'
  recordings), drawn at their slide size by `sizing`, with the shared seeded runs in `runs`
  and the numbers in `facts`;
* `source`: the package's real source on a slide; `linecount`: the line count measured now;
* `render`: one slide's markdown and placeholders into a reveal.js ``<section>``;
* `page`: the page (``page.html``, ``deck.css``, ``deck.js``) and its pinned web assets;
* `browser` (shared with the tests) and `pdf`: the handout printed by headless Chromium;
* `main`: the build, start to end.
"""

import matplotlib

matplotlib.use("Agg")  # the figures are drawn on a machine without a screen, before any pyplot
