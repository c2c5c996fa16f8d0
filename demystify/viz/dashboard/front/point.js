// point.js -- pointing at a number: hovering a weight (a line, a unit's bias, a heatmap cell)
// reads it; clicking it opens a small editor, and Enter sends the new value to Python.

function pointer(event, canvas) {
  const box = canvas.getBoundingClientRect();
  return [
    ((event.clientX - box.left) * canvas.width) / box.width,
    ((event.clientY - box.top) * canvas.height) / box.height,
  ];
}

// the unit under (x, y), else the line nearest to it (within 6 pixels)
function nearest(view, [x, y]) {
  let best = null, distance = 6;
  for (const t of view.targets.network) {
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
  if (t.kind === "unit") return `${t.name}[${t.j}] = ${fmt(t.value)}: the bias of unit ${t.j}`;
  return `${t.name}[${t.i}, ${t.j}] = ${fmt(t.value)}: the line ${t.i} → ${t.j}`;
}

function cellAt(view, event) {
  const m = view.targets.matrices.find((m) => m.canvas === event.target);
  if (!m) return null;
  const [x, y] = pointer(event, m.canvas);
  const [i, j] = [Math.floor(y / m.cell), Math.floor(x / m.cell)];
  if (i >= m.r || j >= m.c) return null;
  return { ...m, i, j, value: m.values[i * m.c + j] };
}

function showTip(view, event, text) {
  const box = view.root.getBoundingClientRect();
  view.tip.textContent = text;
  view.tip.style.display = "block";
  view.tip.style.left = `${event.clientX - box.left + 12}px`;
  view.tip.style.top = `${event.clientY - box.top + 12}px`;
}

function openEditor(view, event, target) {
  const box = view.root.getBoundingClientRect();
  const editor = view.editor;
  editor.style.display = "block";
  editor.style.left = `${event.clientX - box.left}px`;
  editor.style.top = `${event.clientY - box.top}px`;
  editor.value = target.value.toFixed(4);
  editor.dataset.target = JSON.stringify({ name: target.name, i: target.i, j: target.j });
  editor.focus();
  editor.select();
}

function wirePointing(view) {
  const hide = () => (view.tip.style.display = "none");
  view.network.addEventListener("mousemove", (event) => {
    const t = nearest(view, pointer(event, view.network));
    if (t) showTip(view, event, `${describe(t)} (click to edit)`);
    else hide();
  });
  view.network.addEventListener("click", (event) => {
    const t = nearest(view, pointer(event, view.network));
    if (t) openEditor(view, event, t);
  });
  view.matrices.addEventListener("mousemove", (event) => {
    const t = cellAt(view, event);
    if (t) showTip(view, event, `${t.edit ? "" : "Δ "}${t.name}[${t.i}, ${t.j}] = ${fmt(t.value)}`);
    else hide();
  });
  view.matrices.addEventListener("click", (event) => {
    const t = cellAt(view, event);
    if (t && t.edit) openEditor(view, event, t);
  });
  view.network.addEventListener("mouseleave", hide);
  view.matrices.addEventListener("mouseleave", hide);
  view.editor.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      view.editor.style.display = "none";
      view.request("edit", { ...JSON.parse(view.editor.dataset.target), value: Number(view.editor.value) });
    } else if (event.key === "Escape") view.editor.style.display = "none";
  });
  view.editor.addEventListener("blur", () => (view.editor.style.display = "none"));
}
