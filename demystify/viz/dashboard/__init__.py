"""A training dashboard drawn by the browser: watch every unit of a small network learn, live.

Pick a data set (TensorFlow Playground's circle, xor, gaussians, spiral, plane
and hills, our moons, spirals, blobs and sine, or your own ``(X, y)``), its
noise and train:test ratio, the network's input features, hidden layers,
activation, optimizer, learning rate, L2 and batch size; then Play. Python
keeps the model and trains it with the library's engine (``dm.train_step`` on
``dm.training.minibatches``); the browser draws compact binary frames on canvas
and asks for the next one when it has drawn the last.

The rooms:

* `settings` -- the menus and one checked record of the choices;
* `data` -- the points, their train/test split, the features;
* `state` -- the model, its training and the history of snapshots and edits;
* `frames` -- a snapshot as a JSON header and uint8/float32 buffers;
* `front/` -- the front end: paint.js, point.js, controls.js, main.js and a stylesheet, joined
  into one ES module (no build step, no network);
* `view` -- the anywidget that carries the frames and the controls' messages;
* `snapshot` -- the same layout as a static matplotlib figure;
* `script` -- ``code()``: a script that rebuilds the exact weights;
* `board` -- `Dashboard`, the object that ties them together.
"""

from .board import Dashboard
from .settings import DATASETS, FEATURES, Settings, parse_hidden

__all__ = ["DATASETS", "FEATURES", "Dashboard", "Settings", "parse_hidden"]
