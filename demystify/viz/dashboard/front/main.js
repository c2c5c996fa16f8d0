// main.js -- the dashboard's front end: anywidget calls render(); Python sends frames.
// The browser sets the pace: while playing it asks for the next frame once it has drawn
// the last, so every picture on screen belongs to one step, and nothing piles up.
// (No build step and no network: paint.js, point.js and controls.js come first in one module.)

function floats(view) {
  return new Float32Array(view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength));
}

function bytes(view) {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

// a frame's buffers as arrays, by the layout its header states
function decode(header, buffers) {
  const frame = { ...header, weights: [], changes: [] };
  const [all, changes] = [floats(buffers[0]), floats(buffers[1])];
  let offset = 0;
  for (const shape of header.shapes) {
    const size = shape.reduce((a, b) => a * b, 1);
    frame.weights.push(all.subarray(offset, offset + size));
    frame.changes.push(changes.subarray(offset, offset + size));
    offset += size;
  }
  frame.surface = bytes(buffers[2]);
  frame.units = bytes(buffers[3]);
  return frame;
}

function showFrame(view, header, buffers) {
  const started = performance.now();
  const { state, ui, root } = view;
  const frame = decode(header, buffers);
  state.curve.length = header.curve.from;
  state.curve.push(...header.curve.points);
  paint(view, frame);
  ui.scrubber.max = header.snapshots - 1;
  ui.scrubber.value = header.snapshot;
  ui.status.textContent = header.status; // last: when it says "step k", step k is drawn
  ui.message.textContent = header.failure || state.error || "";
  state.error = "";
  // for the benchmark, all frames together: ms drawing, ms waiting for frames, ms in Python
  state.frames += 1;
  state.drawing += performance.now() - started;
  state.round += state.waiting ? started - state.asked : 0;
  state.python += header.python_ms || 0;
  Object.assign(root.dataset, {
    frames: state.frames, step: header.step, steps: header.steps,
    drawMs: state.drawing.toFixed(1), waitMs: state.round.toFixed(1),
    pythonMs: state.python.toFixed(1),
  });
  state.waiting = false;
  if (header.failure) setPlaying(view, false);
  if (state.playing) view.request("next");
}

function receive(view, header, buffers) {
  if (header.type === "frame") showFrame(view, header, buffers);
  else if (header.type === "data") {
    const [X, y, Xt, yt] = buffers.map(floats);
    view.state.data = { X, y, Xt, yt };
  } else if (header.type === "code") view.code.textContent = header.text;
  else if (header.type === "error") {
    view.state.error = header.message; // shown with the frame that follows
    setPlaying(view, false);
    view.ui.sync();
  }
}

function setPlaying(view, on) {
  view.state.playing = on;
  view.root.dataset.playing = on ? "yes" : "no";
  view.ui.play.textContent = on ? "⏸ Pause" : "▶ Play";
  if (on && !view.state.waiting) view.request("next");
}

function wireButtons(view) {
  const { ui, code } = view;
  ui.play.addEventListener("click", () => setPlaying(view, !view.state.playing));
  ui.step.addEventListener("click", () => {
    setPlaying(view, false);
    view.request("step");
  });
  ui.reset.addEventListener("click", () => {
    setPlaying(view, false);
    view.request("reset");
  });
  ui.scrubber.addEventListener("input", () => {
    setPlaying(view, false);
    view.request("scrub", { position: Number(ui.scrubber.value) });
  });
  ui.code.addEventListener("click", () => {
    const open = code.style.display === "none";
    code.style.display = open ? "block" : "none";
    ui.code.textContent = open ? "Hide code" : "Show code";
    if (open) view.model.send({ type: "code" });
  });
  ui.stepper.addEventListener("click", () => {
    setPlaying(view, false);
    ui.message.textContent = ""; // a refusal would say why here
    view.model.send({ type: "stepper" });
  });
}

function canvas(className, parent, width, height) {
  const node = element("canvas", className, parent);
  [node.width, node.height] = [width, height];
  return node;
}

function render({ model, el }) {
  const config = () => model.get("config");
  const colours = config().colours;
  const root = element("div", "dm-dash", el);
  const state = { data: null, curve: [], playing: false, waiting: false, error: "" };
  Object.assign(state, { frames: 0, drawing: 0, round: 0, python: 0, asked: 0 });
  const view = { model, config, colours, root, state, targets: { network: [], matrices: [] } };
  view.signs = ramp(colours.negative, colours.positive, true); // orange - white - blue
  view.classTables = colours.classes.map((c) => ramp("#ffffff", c, false));
  view.tables = {};
  view.request = (type, extra) => {
    Object.assign(state, { waiting: true, asked: performance.now() });
    model.send({ type, ...extra });
  };
  view.change = (key, value) => {
    setPlaying(view, false);
    state.curve = [];
    model.send({ type: "settings", settings: { [key]: value } });
  };
  view.ui = controls(view);
  const main = element("div", "dm-main", root);
  view.network = canvas("dm-network", main, 600, 400);
  const side = element("div", "dm-side", main);
  view.surface = canvas("dm-surface", side, 300, 300);
  view.loss = canvas("dm-loss", side, 300, 110);
  view.matrices = element("div", "dm-matrices", root);
  view.code = element("pre", "dm-code", root);
  view.code.style.display = "none";
  view.tip = element("div", "dm-tip", root);
  view.editor = element("input", "dm-editor", root);
  wireButtons(view);
  wirePointing(view);
  const listener = (header, buffers) => receive(view, header, buffers);
  model.on("msg:custom", listener);
  Object.assign(root.dataset, { frames: 0, playing: "no" });
  model.send({ type: "hello" });
  return () => {
    state.playing = false;
    model.off("msg:custom", listener);
  };
}

export default { render };
