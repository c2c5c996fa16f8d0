// paint.js -- drawing a frame on the dashboard's canvases (one function per picture).
// `view` holds the canvases, the colour tables, the state and what the pointer can point at.

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

function mix(a, b, t) {
  return [0, 1, 2].map((k) => Math.round(a[k] + (b[k] - a[k]) * t));
}

// 256 colours from a to b (through white when `middle`), as [r, g, b] triples
function ramp(a, b, middle) {
  const [ca, cb, white] = [hex(a), hex(b), [255, 255, 255]];
  const table = [];
  for (let v = 0; v < 256; v++) {
    const t = v / 255;
    if (!middle) table.push(mix(ca, cb, t));
    else table.push(t < 0.5 ? mix(ca, white, t * 2) : mix(white, cb, (t - 0.5) * 2));
  }
  return table;
}

function fmt(value) {
  const size = Math.abs(value);
  return size >= 100 || (size < 0.001 && value !== 0) ? value.toExponential(2) : value.toFixed(3);
}

// one reusable offscreen canvas per size, filled pixel by pixel by colour(p) -> [r, g, b]
const scratch = {};
function offscreen(size, colour) {
  if (!scratch[size]) {
    const canvas = document.createElement("canvas");
    canvas.width = canvas.height = size;
    const context = canvas.getContext("2d");
    scratch[size] = { canvas, context, image: context.createImageData(size, size) };
  }
  const { canvas, context, image } = scratch[size];
  const data = image.data;
  for (let p = 0, q = 0; p < size * size; p++, q += 4) {
    const c = colour(p);
    data[q] = c[0];
    data[q + 1] = c[1];
    data[q + 2] = c[2];
    data[q + 3] = 255;
  }
  context.putImageData(image, 0, 0);
  return canvas;
}

// --- the network: a picture per unit, a line per weight ---------------------------------
function unitPlaces(view, frame) {
  const [W, H] = [view.network.width, view.network.height];
  const columns = frame.columns;
  const left = 60, top = 26;
  const gap = (W - left - 30) / (columns.length - 1);
  const box = Math.max(12, Math.min(40, (H - top - 10) / Math.min(SHOWN, Math.max(...columns)) - 4));
  const places = columns.map((n, c) => {
    const shown = n > SHOWN ? SHOWN - 1 : n;
    const y0 = top + (H - top - shown * (box + 4)) / 2;
    return Array.from({ length: shown }, (_, u) => [left + c * gap, y0 + u * (box + 4) + box / 2]);
  });
  return { places, box, left, gap };
}

function drawNetwork(view, frame) {
  const ctx = view.network.getContext("2d");
  ctx.clearRect(0, 0, view.network.width, view.network.height);
  const layout = unitPlaces(view, frame);
  view.targets.network = [];
  drawLines(view, ctx, frame, layout);
  drawUnits(view, ctx, frame, layout);
  labelColumns(view, ctx, frame, layout);
}

function drawLines(view, ctx, frame, { places, box }) {
  let limit = 1e-12;
  for (let k = 0; k + 1 < frame.columns.length; k++)
    for (const w of frame.weights[2 * k]) limit = Math.max(limit, Math.abs(w));
  for (let k = 0; k + 1 < frame.columns.length; k++) {
    const [w, n, name] = [frame.weights[2 * k], frame.columns[k + 1], frame.names[2 * k]];
    places[k].forEach(([x1, y1], i) => {
      places[k + 1].forEach(([x2, y2], j) => {
        const value = w[i * n + j];
        const size = Math.min(1, Math.abs(value) / limit);
        ctx.strokeStyle = value > 0 ? view.colours.positive : view.colours.negative;
        ctx.globalAlpha = 0.25 + 0.65 * size;
        ctx.lineWidth = 0.4 + 3.2 * size;
        ctx.beginPath();
        ctx.moveTo(x1 + box / 2, y1);
        ctx.lineTo(x2 - box / 2, y2);
        ctx.stroke();
        const line = { x1: x1 + box / 2, y1, x2: x2 - box / 2, y2 };
        view.targets.network.push({ kind: "line", name, i, j, value, ...line });
      });
    });
  }
  ctx.globalAlpha = 1;
}

function drawUnits(view, ctx, frame, { places, box, left, gap }) {
  const per = frame.inputs === 2 ? frame.unit_grid ** 2 : frame.unit_grid;
  let offset = 0;
  frame.columns.forEach((n, c) => {
    for (let u = 0; u < n; u++, offset += per) {
      if (u >= places[c].length) continue;
      const [x, y] = places[c][u];
      drawUnit(view, ctx, frame, [c, u, offset], [x - box / 2, y - box / 2, box]);
      if (c === 0) continue;
      const [name, bias] = [frame.names[2 * c - 1], frame.weights[2 * c - 1][u]];
      const square = { x: x - box / 2, y: y - box / 2, size: box };
      view.targets.network.push({ kind: "unit", name, i: 0, j: u, value: bias, ...square });
    }
    if (n > places[c].length) {
      ctx.fillStyle = "#555";
      ctx.font = "11px sans-serif";
      ctx.textAlign = "center";
      ctx.fillText(`+${n - places[c].length} more`, left + c * gap, view.network.height - 4);
    }
  });
}

// a unit's picture over the plane, or (one input) its curve in a box
function drawUnit(view, ctx, frame, [column, unit, offset], [x, y, size]) {
  const G = frame.unit_grid;
  const output = column === frame.columns.length - 1 && frame.classes;
  const table = output ? view.classTables[unit] : view.signs;
  if (frame.inputs === 2) {
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(offscreen(G, (p) => table[frame.units[offset + p]]), x, y, size, size);
  } else {
    ctx.fillStyle = "#fff";
    ctx.fillRect(x, y, size, size);
    ctx.strokeStyle = output ? view.colours.classes[unit] : "#333";
    ctx.lineWidth = 1;
    ctx.beginPath();
    for (let p = 0; p < G; p++) {
      const [px, py] = [x + (p / (G - 1)) * size, y + size - (frame.units[offset + p] / 255) * size];
      if (p === 0) ctx.moveTo(px, py);
      else ctx.lineTo(px, py);
    }
    ctx.stroke();
  }
  ctx.strokeStyle = "#999";
  ctx.lineWidth = 0.5;
  ctx.strokeRect(x, y, size, size);
}

function labelColumns(view, ctx, frame, { places, box, left, gap }) {
  ctx.fillStyle = "#333";
  ctx.font = "12px sans-serif";
  ctx.textAlign = "center";
  const names = ["inputs", ...frame.columns.slice(1, -1).map((n) => `${n} units`), "outputs"];
  names.forEach((name, c) => ctx.fillText(name, left + c * gap, 14));
  ctx.textAlign = "right";
  ctx.font = `${Math.min(12, Math.max(9, box / 2))}px sans-serif`;
  const labels = view.config().menus.features;
  const chosen = view.config().settings.features;
  places[0].forEach(([x, y], u) => ctx.fillText(labels[chosen[u]] || "", x - box / 2 - 4, y + 4));
}

// --- the prediction over the plane, with the points ---------------------------------------
function toCanvas(view, frame, x, y) {
  const [a, b, c, d] = frame.extent;
  const canvas = view.surface;
  return [((x - a) / (b - a)) * canvas.width, ((d - y) / (d - c)) * canvas.height];
}

function drawSurface(view, frame) {
  const canvas = view.surface;
  const ctx = canvas.getContext("2d");
  const R = frame.resolution;
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  ctx.imageSmoothingEnabled = true;
  if (frame.inputs === 2 && frame.classes) {
    const table = surfaceTable(view, frame.classes);
    const colour = (p) => table[frame.surface[p]][frame.surface[R * R + p]];
    ctx.drawImage(offscreen(R, colour), 0, 0, canvas.width, canvas.height);
  } else if (frame.inputs === 2) {
    const colour = (p) => view.signs[frame.surface[p]];
    ctx.drawImage(offscreen(R, colour), 0, 0, canvas.width, canvas.height);
  } else drawCurve(view, ctx, frame);
  drawPoints(view, ctx, frame);
}

// a classifier's regions: each cell in its class's colour, paler where the network is unsure
function surfaceTable(view, k) {
  if (!view.tables[k])
    view.tables[k] = view.colours.classes.slice(0, k).map((c) => {
      const rows = [];
      for (let v = 0; v < 256; v++) {
        const sure = Math.max(0, (v / 255 - 1 / k) / (1 - 1 / k));
        rows.push(mix([255, 255, 255], hex(c), 0.6 * sure));
      }
      return rows;
    });
  return view.tables[k];
}

function drawCurve(view, ctx, frame) {
  const [low, high] = frame.surface_range;
  const [a, b] = frame.extent;
  ctx.strokeStyle = "#222";
  ctx.lineWidth = 2;
  ctx.beginPath();
  for (let p = 0; p < frame.resolution; p++) {
    const x = a + ((b - a) * p) / (frame.resolution - 1);
    const [px, py] = toCanvas(view, frame, x, low + ((high - low) * frame.surface[p]) / 255);
    if (p === 0) ctx.moveTo(px, py);
    else ctx.lineTo(px, py);
  }
  ctx.stroke();
}

function pointColour(view, frame, label, test) {
  if (frame.inputs === 1) return test ? view.colours.negative : view.colours.positive;
  if (frame.classes) return view.colours.classes[label];
  const [low, high] = frame.surface_range;
  const c = view.signs[Math.max(0, Math.min(255, Math.round((255 * (label - low)) / (high - low))))];
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}

// dots: the training rows; rings: the test rows
function drawPoints(view, ctx, frame) {
  const data = view.state.data;
  if (!data) return;
  for (const [X, y, test] of [[data.X, data.y, false], [data.Xt, data.yt, true]]) {
    for (let r = 0; r < y.length; r++) {
      const second = frame.inputs === 1 ? y[r] : X[r * 2 + 1];
      const [px, py] = toCanvas(view, frame, X[r * frame.inputs], second);
      ctx.beginPath();
      ctx.arc(px, py, 3, 0, 2 * Math.PI);
      const colour = pointColour(view, frame, y[r], test);
      ctx.lineWidth = test ? 1.5 : 0.8;
      ctx.strokeStyle = test ? colour : "#fff";
      if (!test) {
        ctx.fillStyle = colour;
        ctx.fill();
      }
      ctx.stroke();
    }
  }
}

// --- the loss curves: training rows (dark) and test rows (grey) -----------------------------
function drawLoss(view, frame) {
  const canvas = view.loss;
  const ctx = canvas.getContext("2d");
  const [W, H] = [canvas.width, canvas.height];
  ctx.clearRect(0, 0, W, H);
  const points = view.state.curve.slice(0, frame.snapshot + 1);
  const last = Math.max(1, ...points.map((p) => p[0]));
  const top = Math.max(1e-6, ...points.flatMap((p) => [p[1], p[2]]).filter((v) => v !== null));
  const place = (p, index) => [30 + ((W - 36) * p[0]) / last, H - 16 - ((H - 30) * p[index]) / top];
  for (const [index, colour] of [[2, "#999"], [1, "#222"]]) {
    ctx.strokeStyle = colour;
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    points.filter((p) => p[index] !== null).forEach((p, k) => {
      const [x, y] = place(p, index);
      if (k === 0) ctx.moveTo(x, y);
      else ctx.lineTo(x, y);
    });
    ctx.stroke();
  }
  const now = points[points.length - 1] || [0, null, null];
  const text = (v) => (v === null ? "–" : v.toFixed(3));
  ctx.font = "11px sans-serif";
  ctx.textAlign = "left";
  [[`loss: train ${text(now[1])}`, "#333", 32, 11], [`test ${text(now[2])}`, "#888", 170, 11],
    [fmt(top), "#555", 0, 22], ["0", "#555", 18, H - 14]].forEach(([words, colour, x, y]) => {
    ctx.fillStyle = colour;
    ctx.fillText(words, x, y);
  });
  ctx.textAlign = "right";
  ctx.fillText(`step ${last}`, W - 2, H - 2);
}

// --- the heatmaps: row i / column j is the line i -> j; built once per shape ---------------
function layoutMatrices(view, frame) {
  const key = JSON.stringify([frame.names, frame.shapes]);
  if (view.matrices.dataset.key === key) return;
  view.matrices.dataset.key = key;
  view.matrices.textContent = "";
  view.targets.matrices = [];
  for (const [row, title] of [[0, "weights"], [1, "the change made by the last step"]]) {
    const line = element("div", "dm-matrix-row", view.matrices);
    element("div", "dm-matrix-title", line, title);
    frame.names.forEach((name, k) => {
      if (!name.endsWith("weights")) return;
      const [r, c] = frame.shapes[k];
      const cell = Math.max(2, Math.min(12, Math.floor(80 / Math.max(r, c))));
      const holder = element("div", "dm-matrix", line);
      const canvas = element("canvas", "", holder);
      [canvas.width, canvas.height] = [c * cell, r * cell];
      element("div", "dm-matrix-name", holder, (row === 0 ? "" : "Δ ") + name);
      view.targets.matrices.push({ canvas, name, k, r, c, cell, row, edit: row === 0 });
    });
    element("div", "dm-matrix-scale", line);
  }
}

function drawMatrices(view, frame) {
  layoutMatrices(view, frame);
  const scales = view.matrices.querySelectorAll(".dm-matrix-scale");
  [frame.weights, frame.changes].forEach((arrays, row) => {
    let limit = 1e-12;
    frame.names.forEach((n, k) => {
      if (n.endsWith("weights")) for (const v of arrays[k]) limit = Math.max(limit, Math.abs(v));
    });
    scales[row].textContent = limit > 1e-12 ? `±${fmt(limit)}` : "no change yet";
    for (const m of view.targets.matrices.filter((m) => m.row === row)) {
      m.values = arrays[m.k];
      const ctx = m.canvas.getContext("2d");
      for (let i = 0; i < m.r; i++)
        for (let j = 0; j < m.c; j++) {
          const v = m.values[i * m.c + j];
          const t = view.signs[Math.round(127.5 + (127.5 * v) / limit)] || view.signs[128];
          ctx.fillStyle = `rgb(${t[0]},${t[1]},${t[2]})`;
          ctx.fillRect(j * m.cell, i * m.cell, m.cell, m.cell);
        }
    }
  });
}

function paint(view, frame) {
  drawNetwork(view, frame);
  drawSurface(view, frame);
  drawLoss(view, frame);
  drawMatrices(view, frame);
}
