// The talk deck: the clock in the corner and on the handout, and reveal.js's settings.
// the corner: slide number, then the clock time at which this slide should start
function clockMark(slide) {
  if (!slide || !slide.dataset) return [""];
  const number = Reveal.getSlides().indexOf(slide) + 1;
  const mark = `${slide.dataset.clock} · ${slide.dataset.minute}′`;
  const when = slide.dataset.checkpoint
    ? `<span class="checkpoint">◷ ${mark}</span>` : `◷ ${mark}`;
  return [`${number}/${Reveal.getTotalSlides()}  ${when}`];
}
Reveal.on("pdf-ready", () => {  // the handout carries the clock too
  for (const page of document.querySelectorAll(".pdf-page")) {
    const slide = page.querySelector("section");
    if (!slide || page.querySelector(".clock-pdf")) continue;
    const mark = document.createElement("div");
    mark.className = "clock-pdf";
    mark.textContent = `◷ ${slide.dataset.clock} · ${slide.dataset.minute} min`;
    page.appendChild(mark);
  }
  window.deckPdfReady = true;
});
Reveal.initialize({
  hash: true, slideNumber: clockMark, width: 1280, height: 720, margin: 0.04, center: true,
  // the talk's length in seconds, for the speaker view's pacing timer (page.html sets it)
  totalTime: Number(document.querySelector(".reveal").dataset.totalTime),
  pdfSeparateFragments: true, pdfMaxPagesPerSlide: 1,
  katex: { local: "lib/katex", delimiters: [
    {left: "$$", right: "$$", display: true}, {left: "$", right: "$", display: false}] },
  plugins: [RevealNotes, RevealHighlight, RevealMath.KaTeX]
});
