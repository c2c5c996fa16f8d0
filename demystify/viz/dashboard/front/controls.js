// controls.js -- the settings (one message to Python per change), the buttons and the status.
// Every setting's control is kept in ui.inputs under the name Python uses for it.

const LR = [0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10];
const L2 = [0, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1];
const WHOLE = (v) => Math.round(Number(v));

function addField(view, bar, ui, [key, label, node, parse]) {
  node.className = `dm-${key}`;
  node.addEventListener("change", () => view.change(key, node.value === "" ? null : parse(node.value)));
  const wrap = element("label", "dm-field", bar);
  element("span", "", wrap, label);
  wrap.appendChild(node);
  if (node.type === "range") {
    const readout = element("span", "dm-readout", wrap);
    const show = () => (readout.textContent = node.value);
    node.addEventListener("input", show);
    node.show = show;
  }
  ui.inputs[key] = node;
  return node;
}

function slider(min, max, step) {
  return Object.assign(entry("range", step), { min, max });
}

function choices(options) {
  const node = document.createElement("select");
  for (const option of options) element("option", "", node, String(option)).value = option;
  return node;
}

function entry(type, step) {
  const node = document.createElement("input");
  node.type = type;
  if (step) node.step = step;
  return node;
}

function settingControls(view, bar, ui) {
  const config = view.config();
  const datasets = [...config.menus.dataset, ...(config.your_data ? [config.your_data_name] : [])];
  const fields = [
    ["dataset", "data", choices(datasets), String],
    ["noise", "noise", slider(0, 1.5, 0.05), Number],
    ["train_fraction", "train share", slider(0.1, 0.9, 0.1), Number],
    ["batch_size", "batch", entry("number", "1"), WHOLE],
    ["lr", "learning rate", choices(LR), Number],
    ["l2", "L2", choices(L2), Number],
    ["activation", "activation", choices(config.menus.activation), String],
    ["optimizer", "optimizer", choices(config.menus.optimizer), String],
    ["init", "first weights", choices(config.menus.init), String],
    ["hidden", "hidden", entry("text"), String],
    ["seed", "seed", entry("number", "1"), WHOLE],
    ["speed", "steps/s", entry("number", "50"), WHOLE],
    ["steps_per_frame", "or steps/frame", entry("number", "1"), WHOLE],
  ];
  for (const field of fields) addField(view, bar, ui, field);
  ui.inputs.steps_per_frame.placeholder = "auto";
  ui.inputs.hidden.size = 8;
  ui.inputs.hidden.addEventListener("keydown", (e) => e.key === "Enter" && e.target.blur());
}

function featureBoxes(view, bar, ui) {
  const holder = element("div", "dm-features", bar);
  element("span", "", holder, "inputs");
  ui.features = {};
  for (const [name, label] of Object.entries(view.config().menus.features)) {
    const wrap = element("label", "dm-feature", holder);
    const box = element("input", "", wrap);
    box.type = "checkbox";
    box.dataset.feature = name;
    element("span", "", wrap, label);
    box.addEventListener("change", () => {
      view.change("features", Object.keys(ui.features).filter((n) => ui.features[n].checked));
    });
    ui.features[name] = box;
  }
}

function buttons(view, ui) {
  const row = element("div", "dm-buttons", view.root);
  ui.reset = element("button", "dm-reset", row, "↺ Reset");
  ui.step = element("button", "dm-step", row, "Step");
  ui.play = element("button", "dm-play", row, "▶ Play");
  ui.scrubber = element("input", "dm-scrubber", row);
  Object.assign(ui.scrubber, { type: "range", min: 0, max: 0 });
  ui.code = element("button", "dm-code-button", row, "Show code");
  ui.stepper = element("button", "dm-stepper-button", row, "Backprop stepper");
  ui.status = element("div", "dm-status", view.root);
  ui.message = element("div", "dm-message", view.root);
}

// the controls show the settings in force (after a change, or after a refused one)
function syncControls(view, ui) {
  const config = view.config();
  const settings = { ...config.settings, noise: config.settings.noise ?? config.noise };
  for (const [key, node] of Object.entries(ui.inputs)) {
    const value = settings[key] === null || settings[key] === undefined ? "" : String(settings[key]);
    if (node.tagName === "SELECT" && ![...node.options].some((o) => o.value === value))
      element("option", "", node, value).value = value;
    node.value = value;
    if (node.show) node.show();
  }
  ui.inputs.noise.disabled = config.noise === null; // your data: its noise is its own
  for (const [name, box] of Object.entries(ui.features)) box.checked = settings.features.includes(name);
}

function controls(view) {
  const ui = { inputs: {} };
  const bar = element("div", "dm-controls", view.root);
  settingControls(view, bar, ui);
  featureBoxes(view, bar, ui);
  buttons(view, ui);
  ui.sync = () => syncControls(view, ui);
  ui.sync();
  view.model.on("change:config", ui.sync);
  return ui;
}
