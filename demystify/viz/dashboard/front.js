// The dashboard's front end: controls, and canvases drawn from the frames Python sends.
// No build step and no network: plain ES module, loaded by anywidget.
// The browser sets the pace: while playing it asks for the next frame once it has drawn the last.

const LR = [0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10];
const L2 = [0, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1];
const SHOWN = 16; // a larger layer shows its first 15 units and "+N more"

function element(tag, className, parent, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  if (parent) parent.appendChild(node);
  return node;
}

function hex(colour) {
  return [1, 3, 5].map((i) => parseInt(colour.slice(i, i + 2), 16));
}

// 256 colours from a to b (through white when `middle`), as [r, g, b] triples
function ramp(a, b, middle) {
  const [ca, cb, w] = [hex(a), hex(b), [255, 255, 255]];
  const table = [];
  for (let v = 0; v < 256; v++) {
    const t = v / 255;
    let c;
    if (middle) c = t < 0.5 ? mix(ca, w, t * 2) : mix(w, cb, (t - 0.5) * 2);
    else c = mix(ca, cb, t);
    table.push(c);
  }
  return table;
}

function mix(a, b, t) {
  return [0, 1, 2].map((k) => Math.round(a[k] + (b[k] - a[k]) * t));
}

function floats(view) {
  return new Float32Array(view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength));
}

function bytes(view) {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

// one reusable offscreen canvas per size: a picture of uint8 values through a colour table
const scratch = {};
function picture(values, offset, size, table) {
  if (!scratch[size]) {
    const canvas = document.createElement("canvas");
    canvas.width = canvas.height = size;
    const context = canvas.getContext("2d");
    scratch[size] = { canvas, context, image: context.createImageData(size, size) };
  }
  const { canvas, context, image } = scratch[size];
  const data = image.data;
  for (let p = 0, q = 0; p < size * size; p++, q += 4) {
    const c = table[values[offset + p]];
    data[q] = c[0];
    data[q + 1] = c[1];
    data[q + 2] = c[2];
    data[q + 3] = 255;
  }
  context.putImageData(image, 0, 0);
  return canvas;
}

function fmt(value) {
  return Math.abs(value) >= 100 || (Math.abs(value) < 0.001 && value !== 0)
    ? value.toExponential(2)
    : value.toFixed(3);
}

function render({ model, el }) {
  const config = () => model.get("config");
  const colours = config().colours;
  const signs = ramp(colours.negative, colours.positive, true);
  const classTables = colours.classes.map((c) => ramp("#ffffff", c, false));
  const root = element("div", "dm-dash", el);
  const state = { data: null, curve: [], playing: false, waiting: false, frames: 0, drawing: 0, round: 0, python: 0, error: "" };
  const ui = buildControls(root, model, config, state);
  const main = element("div", "dm-main", root);
  const network = element("canvas", "dm-network", main);
  network.width = 600;
  network.height = 420;
  const side = element("div", "dm-side", main);
  const surface = element("canvas", "dm-surface", side);
  surface.width = surface.height = 300;
  const loss = element("canvas", "dm-loss", side);
  loss.width = 300;
  loss.height = 110;
  const matrices = element("div", "dm-matrices", root);
  const code = element("pre", "dm-code", root);
  code.style.display = "none";
  const tip = element("div", "dm-tip", root);
  const editor = element("input", "dm-editor", root);
  editor.type = "text";
  const targets = { network: [], matrices: [] }; // what the pointer can point at
  const send = (message) => model.send(message);
  const request = (type, extra) => {
    state.waiting = true;
    state.asked = performance.now();
    send({ type, ...extra });
  };

  function onFrame(header, buffers) {
    if (header.type === "data") {
      state.data = {
        X: floats(buffers[0]), y: floats(buffers[1]),
        Xt: floats(buffers[2]), yt: floats(buffers[3]),
      };
      return;
    }
    if (header.type === "code") {
      code.textContent = header.text;
      return;
    }
    if (header.type === "error") {
      state.error = header.message; // shown with the frame that follows
      setPlaying(false);
      ui.sync(); // the controls show the settings still in force
      return;
    }
    if (header.type !== "frame") return;
    const started = performance.now();
    const frame = decode(header, buffers);
    state.curve.length = header.curve.from;
    state.curve.push(...header.curve.points);
    drawNetwork(frame);
    drawSurface(frame);
    drawLoss(frame);
    drawMatrices(frame);
    ui.scrubber.max = header.snapshots - 1;
    ui.scrubber.value = header.snapshot;
    ui.status.textContent = header.status; // last: when it says "step k", step k is drawn
    ui.message.textContent = header.failure || state.error || "";
    state.error = "";
    state.frames += 1;
    // for the benchmark, all frames together: ms drawing, ms waiting for frames, ms in Python
    state.drawing += performance.now() - started;
    state.round += state.waiting ? started - state.asked : 0;
    state.python += header.python_ms || 0;
    root.dataset.frames = state.frames;
    root.dataset.drawMs = state.drawing.toFixed(1);
    root.dataset.waitMs = state.round.toFixed(1);
    root.dataset.pythonMs = state.python.toFixed(1);
    root.dataset.step = header.step;
    root.dataset.steps = header.steps;
    state.waiting = false;
    if (header.failure) setPlaying(false);
    if (state.playing) request("next");
  }

  function decode(header, buffers) {
    const frame = { ...header, weights: [], changes: [] };
    const all = floats(buffers[0]);
    const changes = floats(buffers[1]);
    let offset = 0;
    header.shapes.forEach((shape) => {
      const size = shape.reduce((a, b) => a * b, 1);
      frame.weights.push(all.subarray(offset, offset + size));
      frame.changes.push(changes.subarray(offset, offset + size));
      offset += size;
    });
    frame.surface = bytes(buffers[2]);
    frame.units = bytes(buffers[3]);
    return frame;
  }

  function unitTable(frame, column, unit) {
    const last = column === frame.columns.length - 1;
    return last && frame.classes ? classTables[unit] : signs;
  }

  function drawNetwork(frame) {
    const ctx = network.getContext("2d");
    const [W, H] = [network.width, network.height];
    ctx.clearRect(0, 0, W, H);
    const columns = frame.columns;
    const left = 60, right = 30, top = 26;
    const gap = (W - left - right) / (columns.length - 1);
    const most = Math.min(SHOWN, Math.max(...columns));
    const box = Math.max(12, Math.min(40, (H - top - 10) / most - 4));
    const places = columns.map((n, c) => {
      const shown = n > SHOWN ? SHOWN - 1 : n;
      const height = shown * (box + 4);
      const y0 = top + (H - top - height) / 2;
      return Array.from({ length: shown }, (_, u) => [left + c * gap, y0 + u * (box + 4) + box / 2]);
    });
    targets.network = [];
    let limit = 1e-12;
    for (let k = 0; k + 1 < columns.length; k++)
      for (const w of frame.weights[2 * k]) limit = Math.max(limit, Math.abs(w));
    for (let k = 0; k + 1 < columns.length; k++) {
      const w = frame.weights[2 * k];
      const n = columns[k + 1];
      places[k].forEach(([x1, y1], i) => {
        places[k + 1].forEach(([x2, y2], j) => {
          const value = w[i * n + j];
          ctx.strokeStyle = value > 0 ? colours.positive : colours.negative;
          ctx.globalAlpha = 0.25 + 0.65 * Math.min(1, Math.abs(value) / limit);
          ctx.lineWidth = 0.4 + 3.2 * Math.abs(value) / limit;
          ctx.beginPath();
          ctx.moveTo(x1 + box / 2, y1);
          ctx.lineTo(x2 - box / 2, y2);
          ctx.stroke();
          targets.network.push({ kind: "line", name: frame.names[2 * k], i, j, value,
            x1: x1 + box / 2, y1, x2: x2 - box / 2, y2, from: [k, i], to: [k + 1, j] });
        });
      });
    }
    ctx.globalAlpha = 1;
    const G = frame.unit_grid;
    const per = frame.inputs === 2 ? G * G : G;
    let offset = 0;
    columns.forEach((n, c) => {
      for (let u = 0; u < n; u++, offset += per) {
        if (u >= places[c].length) continue;
        const [x, y] = places[c][u];
        drawUnit(ctx, frame, c, u, offset, x - box / 2, y - box / 2, box);
        if (c > 0) {
          const bias = frame.weights[2 * (c - 1) + 1][u];
          targets.network.push({ kind: "unit", name: frame.names[2 * (c - 1) + 1], i: 0, j: u,
            value: bias, x: x - box / 2, y: y - box / 2, size: box, column: c });
        }
      }
      if (n > places[c].length) {
        ctx.fillStyle = "#555";
        ctx.font = "11px sans-serif";
        ctx.textAlign = "center";
        ctx.fillText(`+${n - places[c].length} more`, left + c * gap, H - 4);
      }
    });
    labelColumns(ctx, frame, places, box, left, gap);
  }

  function drawUnit(ctx, frame, column, unit, offset, x, y, size) {
    const G = frame.unit_grid;
    const table = unitTable(frame, column, unit);
    if (frame.inputs === 2) {
      ctx.imageSmoothingEnabled = true;
      ctx.drawImage(picture(frame.units, offset, G, table), x, y, size, size);
    } else {
      ctx.fillStyle = "#fff";
      ctx.fillRect(x, y, size, size);
      ctx.strokeStyle = table === signs ? "#333" : colours.classes[unit];
      ctx.beginPath();
      for (let p = 0; p < G; p++) {
        const px = x + (p / (G - 1)) * size;
        const py = y + size - (frame.units[offset + p] / 255) * size;
        if (p === 0) ctx.moveTo(px, py);
        else ctx.lineTo(px, py);
      }
      ctx.stroke();
    }
    ctx.strokeStyle = "#999";
    ctx.lineWidth = 0.5;
    ctx.strokeRect(x, y, size, size);
  }

  function labelColumns(ctx, frame, places, box, left, gap) {
    ctx.fillStyle = "#333";
    ctx.font = "12px sans-serif";
    ctx.textAlign = "center";
    const names = ["inputs", ...frame.columns.slice(1, -1).map((n) => `${n} units`), "outputs"];
    names.forEach((name, c) => ctx.fillText(name, left + c * gap, 14));
    ctx.textAlign = "right";
    ctx.font = `${Math.min(12, Math.max(9, box / 2))}px sans-serif`;
    const labels = config().menus.features;
    frame.features = config().settings.features;
    places[0].forEach(([x, y], u) => ctx.fillText(labels[frame.features[u]] || "", x - box / 2 - 4, y + 4));
  }

  function toCanvas(frame, x, y) {
    const [a, b, c, d] = frame.extent;
    return [((x - a) / (b - a)) * surface.width, ((d - y) / (d - c)) * surface.height];
  }

  function drawSurface(frame) {
    const ctx = surface.getContext("2d");
    const R = frame.resolution;
    ctx.clearRect(0, 0, surface.width, surface.height);
    if (frame.inputs === 2 && frame.classes) drawClasses(ctx, frame, R);
    else if (frame.inputs === 2) {
      ctx.imageSmoothingEnabled = true;
      ctx.drawImage(picture(frame.surface, 0, R, signs), 0, 0, surface.width, surface.height);
    } else drawCurve(ctx, frame);
    drawPoints(ctx, frame);
  }

  // a classifier's regions: each cell in its class's colour, paler where the network is unsure
  const tables = {};
  function surfaceTable(k) {
    if (!tables[k])
      tables[k] = colours.classes.slice(0, k).map((c) => {
        const rows = [];
        for (let v = 0; v < 256; v++) {
          const sure = Math.max(0, (v / 255 - 1 / k) / (1 - 1 / k));
          rows.push(mix([255, 255, 255], hex(c), 0.6 * sure));
        }
        return rows;
      });
    return tables[k];
  }

  function drawClasses(ctx, frame, R) {
    const table = surfaceTable(frame.classes);
    if (!scratch[R]) picture(frame.surface, 0, R, signs); // makes the scratch canvas
    const { canvas, context, image } = scratch[R];
    const data = image.data;
    for (let p = 0, q = 0; p < R * R; p++, q += 4) {
      const c = table[frame.surface[p]][frame.surface[R * R + p]];
      data[q] = c[0];
      data[q + 1] = c[1];
      data[q + 2] = c[2];
      data[q + 3] = 255;
    }
    context.putImageData(image, 0, 0);
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(canvas, 0, 0, surface.width, surface.height);
  }

  function drawCurve(ctx, frame) {
    const [low, high] = frame.surface_range;
    ctx.strokeStyle = "#222";
    ctx.lineWidth = 2;
    ctx.beginPath();
    for (let p = 0; p < frame.resolution; p++) {
      const x = frame.extent[0] + ((frame.extent[1] - frame.extent[0]) * p) / (frame.resolution - 1);
      const value = low + ((high - low) * frame.surface[p]) / 255;
      const [px, py] = toCanvas(frame, x, value);
      if (p === 0) ctx.moveTo(px, py);
      else ctx.lineTo(px, py);
    }
    ctx.stroke();
  }

  function pointColour(frame, label) {
    if (frame.classes) return colours.classes[label];
    const [low, high] = frame.surface_range;
    const c = signs[Math.max(0, Math.min(255, Math.round((255 * (label - low)) / (high - low))))];
    return `rgb(${c[0]},${c[1]},${c[2]})`;
  }

  function drawPoints(ctx, frame) {
    const data = state.data;
    if (!data) return;
    const one = frame.inputs === 1;
    const sets = [[data.X, data.y, false], [data.Xt, data.yt, true]];
    for (const [X, y, test] of sets) {
      for (let r = 0; r < y.length; r++) {
        const [px, py] = toCanvas(frame, X[r * frame.inputs], one ? y[r] : X[r * 2 + 1]);
        ctx.beginPath();
        ctx.arc(px, py, 3, 0, 2 * Math.PI);
        const colour = one ? (test ? colours.negative : colours.positive) : pointColour(frame, y[r]);
        if (test) {
          ctx.strokeStyle = colour;
          ctx.lineWidth = 1.5;
          ctx.stroke();
        } else {
          ctx.fillStyle = colour;
          ctx.fill();
          ctx.strokeStyle = "#fff";
          ctx.lineWidth = 0.8;
          ctx.stroke();
        }
      }
    }
  }

  function drawLoss(frame) {
    const ctx = loss.getContext("2d");
    const [W, H] = [loss.width, loss.height];
    ctx.clearRect(0, 0, W, H);
    const points = state.curve.slice(0, frame.snapshot + 1);
    const last = Math.max(1, ...points.map((p) => p[0]));
    const top = Math.max(1e-6, ...points.flatMap((p) => [p[1], p[2]]).filter((v) => v !== null));
    const line = (index, colour) => {
      ctx.strokeStyle = colour;
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      points.forEach((p, k) => {
        if (p[index] === null) return;
        const [x, y] = [30 + ((W - 36) * p[0]) / last, H - 16 - ((H - 30) * p[index]) / top];
        if (k === 0) ctx.moveTo(x, y);
        else ctx.lineTo(x, y);
      });
      ctx.stroke();
    };
    line(2, "#999");
    line(1, "#222");
    ctx.fillStyle = "#333";
    ctx.font = "11px sans-serif";
    ctx.textAlign = "left";
    const now = points[points.length - 1] || [0, null, null];
    const text = (v) => (v === null ? "–" : v.toFixed(3));
    ctx.fillText(`loss: train ${text(now[1])}`, 32, 11);
    ctx.fillStyle = "#888";
    ctx.fillText(`test ${text(now[2])}`, 170, 11);
    ctx.fillStyle = "#555";
    ctx.fillText(fmt(top).replace(/\.?0+$/, ""), 0, 22);
    ctx.fillText("0", 18, H - 14);
    ctx.textAlign = "right";
    ctx.fillText(`step ${last}`, W - 2, H - 2);
  }

  // the heatmaps: built once per network shape, repainted every frame
  function layoutMatrices(frame) {
    const key = JSON.stringify([frame.names, frame.shapes]);
    if (matrices.dataset.key === key) return;
    matrices.dataset.key = key;
    matrices.textContent = "";
    targets.matrices = [];
    for (const [row, title] of [[0, "weights"], [1, "the change made by the last step"]]) {
      const line = element("div", "dm-matrix-row", matrices);
      element("div", "dm-matrix-title", line, title);
      frame.names.forEach((name, k) => {
        if (!name.endsWith("weights")) return;
        const [r, c] = frame.shapes[k];
        const cell = Math.max(2, Math.min(14, Math.floor(96 / Math.max(r, c))));
        const holder = element("div", "dm-matrix", line);
        const canvas = element("canvas", "", holder);
        canvas.width = c * cell;
        canvas.height = r * cell;
        element("div", "dm-matrix-name", holder, (row === 0 ? "" : "Δ ") + name);
        targets.matrices.push({ canvas, name, k, r, c, cell, row, edit: row === 0 });
      });
      element("div", "dm-matrix-scale", line);
    }
  }

  function drawMatrices(frame) {
    layoutMatrices(frame);
    const scales = matrices.querySelectorAll(".dm-matrix-scale");
    [frame.weights, frame.changes].forEach((arrays, row) => {
      let limit = 1e-12;
      frame.names.forEach((n, k) => {
        if (n.endsWith("weights")) for (const v of arrays[k]) limit = Math.max(limit, Math.abs(v));
      });
      scales[row].textContent = limit > 1e-12 ? `±${fmt(limit)}` : "no change yet";
      for (const m of targets.matrices) {
        if (m.row !== row) continue;
        m.values = arrays[m.k];
        const ctx = m.canvas.getContext("2d");
        for (let i = 0; i < m.r; i++)
          for (let j = 0; j < m.c; j++) {
            const t = signs[Math.round(127.5 + (127.5 * m.values[i * m.c + j]) / limit)] || signs[128];
            ctx.fillStyle = `rgb(${t[0]},${t[1]},${t[2]})`;
            ctx.fillRect(j * m.cell, i * m.cell, m.cell, m.cell);
          }
      }
    });
  }

  // --- pointing at a number: hover reads it, click edits it -----------------------------
  function nearest(x, y) {
    let best = null, distance = 6;
    for (const t of targets.network) {
      if (t.kind === "unit") {
        if (x >= t.x && x <= t.x + t.size && y >= t.y && y <= t.y + t.size) return t;
        continue;
      }
      const [dx, dy] = [t.x2 - t.x1, t.y2 - t.y1];
      const s = Math.max(0, Math.min(1, ((x - t.x1) * dx + (y - t.y1) * dy) / (dx * dx + dy * dy)));
      const d = Math.hypot(x - t.x1 - s * dx, y - t.y1 - s * dy);
      if (d < distance) [best, distance] = [t, d];
    }
    return best;
  }

  function describe(t) {
    if (t.kind === "unit") return `${t.name}[${t.j}] = ${fmt(t.value)} (bias of unit ${t.j}; click to edit)`;
    return `${t.name}[${t.i}, ${t.j}] = ${fmt(t.value)}: the arrow ${t.i} → ${t.j} (click to edit)`;
  }

  function showTip(event, text) {
    const box = root.getBoundingClientRect();
    tip.textContent = text;
    tip.style.display = "block";
    tip.style.left = `${event.clientX - box.left + 12}px`;
    tip.style.top = `${event.clientY - box.top + 12}px`;
  }

  function openEditor(event, target) {
    const box = root.getBoundingClientRect();
    editor.style.display = "block";
    editor.style.left = `${event.clientX - box.left}px`;
    editor.style.top = `${event.clientY - box.top}px`;
    editor.value = target.value.toFixed(4);
    editor.dataset.target = JSON.stringify({ name: target.name, i: target.i, j: target.j });
    editor.focus();
    editor.select();
  }

  editor.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      const target = JSON.parse(editor.dataset.target);
      editor.style.display = "none";
      request("edit", { ...target, value: Number(editor.value) });
    } else if (event.key === "Escape") editor.style.display = "none";
  });
  editor.addEventListener("blur", () => (editor.style.display = "none"));

  function position(event, canvas) {
    const box = canvas.getBoundingClientRect();
    return [((event.clientX - box.left) * canvas.width) / box.width,
      ((event.clientY - box.top) * canvas.height) / box.height];
  }

  network.addEventListener("mousemove", (event) => {
    const t = nearest(...position(event, network));
    if (t) showTip(event, describe(t));
    else tip.style.display = "none";
  });
  network.addEventListener("mouseleave", () => (tip.style.display = "none"));
  network.addEventListener("click", (event) => {
    const t = nearest(...position(event, network));
    if (t) openEditor(event, t);
  });

  function cellAt(event) {
    for (const m of targets.matrices) {
      if (event.target !== m.canvas) continue;
      const [x, y] = position(event, m.canvas);
      const [i, j] = [Math.floor(y / m.cell), Math.floor(x / m.cell)];
      if (i < m.r && j < m.c) return { ...m, i, j, value: m.values[i * m.c + j] };
    }
    return null;
  }
  matrices.addEventListener("mousemove", (event) => {
    const t = cellAt(event);
    if (t) showTip(event, `${t.edit ? "" : "Δ "}${t.name}[${t.i}, ${t.j}] = ${fmt(t.value)}`);
    else tip.style.display = "none";
  });
  matrices.addEventListener("mouseleave", () => (tip.style.display = "none"));
  matrices.addEventListener("click", (event) => {
    const t = cellAt(event);
    if (t && t.edit) openEditor(event, t);
  });

  function setPlaying(on) {
    state.playing = on;
    root.dataset.playing = on ? "yes" : "no";
    ui.play.textContent = on ? "⏸ Pause" : "▶ Play";
    if (on && !state.waiting) request("next");
  }
  ui.play.addEventListener("click", () => setPlaying(!state.playing));
  ui.step.addEventListener("click", () => {
    setPlaying(false);
    request("step");
  });
  ui.reset.addEventListener("click", () => {
    setPlaying(false);
    state.curve = [];
    request("reset");
  });
  ui.scrubber.addEventListener("input", () => {
    setPlaying(false);
    request("scrub", { position: Number(ui.scrubber.value) });
  });
  ui.code.addEventListener("click", () => {
    const open = code.style.display === "none";
    code.style.display = open ? "block" : "none";
    ui.code.textContent = open ? "Hide code" : "Show code";
    if (open) send({ type: "code" });
  });
  ui.stepper.addEventListener("click", () => {
    setPlaying(false);
    send({ type: "stepper" });
  });
  ui.onChange = () => setPlaying(false);
  model.on("msg:custom", onFrame);
  root.dataset.frames = 0;
  root.dataset.playing = "no";
  send({ type: "hello" });
  return () => {
    state.playing = false;
    model.off("msg:custom", onFrame);
  };
}

function buildControls(root, model, config, state) {
  const bar = element("div", "dm-controls", root);
  const ui = {};
  const settings = () => config().settings;
  const change = (key, value) => {
    if (ui.onChange) ui.onChange();
    state.curve = [];
    model.send({ type: "settings", settings: { [key]: value } });
  };
  const field = (label, node) => {
    const wrap = element("label", "dm-field", bar);
    element("span", "", wrap, label);
    wrap.appendChild(node);
    return node;
  };
  const select = (key, label, options, parse = (v) => v) => {
    const node = document.createElement("select");
    node.className = `dm-${key}`;
    for (const option of options) element("option", "", node, String(option)).value = option;
    node.value = String(settings()[key]);
    node.addEventListener("change", () => change(key, parse(node.value)));
    return field(label, node);
  };
  const number = (key, label, step, parse = Number) => {
    const node = document.createElement("input");
    node.type = "number";
    node.step = step;
    node.className = `dm-${key}`;
    node.value = settings()[key] ?? "";
    node.addEventListener("change", () => change(key, node.value === "" ? null : parse(node.value)));
    return field(label, node);
  };
  const menus = config().menus;
  const datasets = [...menus.dataset, ...(config().your_data ? [config().your_data_name] : [])];
  ui.dataset = select("dataset", "data", datasets);
  ui.noise = number("noise", "noise", "0.05");
  ui.noise.placeholder = "default";
  ui.train = number("train_fraction", "train share", "0.1");
  ui.batch = number("batch_size", "batch", "1", (v) => Math.round(Number(v)));
  ui.lr = select("lr", "learning rate", LR.includes(settings().lr) ? LR : [...LR, settings().lr], Number);
  ui.l2 = select("l2", "L2", L2.includes(settings().l2) ? L2 : [...L2, settings().l2], Number);
  ui.activation = select("activation", "activation", menus.activation);
  ui.optimizer = select("optimizer", "optimizer", menus.optimizer);
  ui.init = select("init", "first weights", menus.init);
  const hidden = document.createElement("input");
  hidden.className = "dm-hidden";
  hidden.value = settings().hidden;
  hidden.size = 8;
  hidden.addEventListener("change", () => change("hidden", hidden.value));
  hidden.addEventListener("keydown", (event) => event.key === "Enter" && hidden.blur());
  ui.hidden = field("hidden", hidden);
  ui.seed = number("seed", "seed", "1", (v) => Math.round(Number(v)));
  ui.speed = number("speed", "steps/s", "50", (v) => Math.round(Number(v)));
  ui.spf = number("steps_per_frame", "or steps/frame", "1", (v) => Math.round(Number(v)));
  ui.spf.placeholder = "auto";
  const features = element("div", "dm-features", bar);
  element("span", "", features, "inputs");
  ui.features = {};
  for (const [name, label] of Object.entries(menus.features)) {
    const wrap = element("label", "dm-feature", features);
    const box = element("input", "", wrap);
    box.type = "checkbox";
    box.checked = settings().features.includes(name);
    box.dataset.feature = name;
    element("span", "", wrap, label);
    box.addEventListener("change", () => {
      const chosen = Object.keys(ui.features).filter((n) => ui.features[n].checked);
      change("features", chosen);
    });
    ui.features[name] = box;
  }
  const buttons = element("div", "dm-buttons", root);
  ui.reset = element("button", "dm-reset", buttons, "↺ Reset");
  ui.step = element("button", "dm-step", buttons, "Step");
  ui.play = element("button", "dm-play", buttons, "▶ Play");
  ui.scrubber = element("input", "dm-scrubber", buttons);
  ui.scrubber.type = "range";
  ui.scrubber.min = 0;
  ui.scrubber.max = 0;
  ui.code = element("button", "dm-code-button", buttons, "Show code");
  ui.stepper = element("button", "dm-stepper-button", buttons, "Backprop stepper");
  ui.status = element("div", "dm-status", root);
  ui.message = element("div", "dm-message", root);
  ui.sync = () => {
    const s = settings();
    for (const key of ["dataset", "activation", "optimizer", "init"]) ui[key].value = s[key];
    ui.lr.value = String(s.lr);
    ui.l2.value = String(s.l2);
    ui.noise.value = s.noise ?? "";
    ui.train.value = s.train_fraction;
    ui.batch.value = s.batch_size;
    ui.seed.value = s.seed;
    ui.spf.value = s.steps_per_frame ?? "";
    ui.speed.value = s.speed;
    hidden.value = s.hidden;
    for (const [name, box] of Object.entries(ui.features)) box.checked = s.features.includes(name);
  };
  model.on("change:config", ui.sync);
  return ui;
}

export default { render };
