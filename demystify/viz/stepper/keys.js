// The backprop stepper's arrow keys: while the focus is inside the stepper (click it
// first), ArrowLeft and ArrowRight ask Python for the previous or the next stage,
// exactly as the Back and Next buttons do. Keys typed into a list or a field are theirs.
function render({ model, el }) {
  el.classList.add("dm-keys-hint");
  el.textContent = "keys: ← →";
  el.title = "click the stepper, then press ← or → to go back or on";
  el.style.cssText = "color:#555;padding:6px 8px;font-size:13px;white-space:nowrap";
  const stepper = () => el.closest(".dm-stepper");
  const focusable = () => {
    const root = stepper();
    if (root && !root.hasAttribute("tabindex")) root.tabIndex = 0;  // a click focuses it
  };
  const onKey = (event) => {
    const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
    const root = stepper();
    if (!step || !root || !root.contains(event.target)) return;
    if (event.target.closest("input, select, textarea")) return;
    event.preventDefault();
    event.stopPropagation();
    model.send({ step });
  };
  requestAnimationFrame(focusable);
  el.addEventListener("mouseenter", focusable);
  document.addEventListener("keydown", onKey, true);
  return () => document.removeEventListener("keydown", onKey, true);
}

export default { render };
