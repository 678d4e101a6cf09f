() => {
  // What a reader would see as overlapping or clipped text on the page, as a list of
  // sentences (empty when there is none); tests/browser/test_kazakh.py runs it.
  // Every text node's boxes are checked against each other, and every element that
  // clips or holds text against what it holds. The page itself must not scroll
  // sideways (a wide table scrolls inside its own box, which is not a problem).
  //
  // A bar that floats over the page (position: sticky, stuck to an edge of the screen,
  // or fixed) is a layer of its own: the rows scrolling under it are covered, not
  // overlapped, and what is covered depends on where the page is scrolled. So the
  // verdict does not depend on it: text is compared with text of the same layer (a
  // sticky bar's in its own place in the page, where it rests unstuck, with the page's
  // text), and each line of the page must be readable at some scroll (a row under
  // "save all" scrolls out from under it).
  const problems = [];
  const root = document.documentElement;
  if (root.scrollWidth > root.clientWidth) {
    problems.push(`the page scrolls sideways: ${root.scrollWidth} > ${root.clientWidth}`);
  }
  // Text kept for screen readers only (Django's .visually-hidden: a 1 px box clipped to
  // nothing) is drawn nowhere, so it is neither over other text nor cut off for a reader.
  const forScreenReadersOnly = (element) => {
    for (let node = element; node && node !== document.body; node = node.parentElement) {
      const style = getComputedStyle(node);
      const clipped = style.clip === "rect(0px, 0px, 0px, 0px)" || style.clipPath === "inset(50%)";
      if (clipped && node.clientWidth <= 1 && node.clientHeight <= 1) return true;
    }
    return false;
  };
  const quote = (element, text) => `<${element.tagName.toLowerCase()}> "${text.slice(0, 30)}"`;
  const label = (box) => quote(box.element, box.text);

  // The floating layers, each with how far it is drawn from its own place in the page
  // (a sticky bar's shift while stuck; nothing for a fixed one, which has no place).
  const layers = new Map();
  for (const element of document.body.querySelectorAll("*")) {
    const position = getComputedStyle(element).position;
    if (position !== "sticky" && position !== "fixed") continue;
    let shift = {x: 0, y: 0};
    if (position === "sticky") {
      // Laid out static, a sticky box is where it rests unstuck (both take the same room).
      const drawn = element.getBoundingClientRect();
      const inline = element.style.getPropertyValue("position");
      const priority = element.style.getPropertyPriority("position");
      element.style.setProperty("position", "static", "important");
      const resting = element.getBoundingClientRect();
      element.style.setProperty("position", inline, priority);
      shift = {x: drawn.left - resting.left, y: drawn.top - resting.top};
    }
    layers.set(element, {position, shift});
  }
  const layerOf = (element) => {
    for (let node = element; node && node !== document.body; node = node.parentElement) {
      if (layers.has(node)) return node;
    }
    return null;
  };

  // Every text box where it stands in the page (document coordinates: the same at any
  // scroll), a sticky layer's where it rests; a fixed layer's where it is on the screen.
  const scrolled = {x: window.scrollX, y: window.scrollY};
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const boxes = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const element = node.parentElement;
    if (!node.textContent.trim() || !element.checkVisibility()) continue;
    if (element.closest("select, option, script, style") || forScreenReadersOnly(element)) continue;
    const layer = layerOf(element);
    const fixed = layer !== null && layers.get(layer).position === "fixed";
    const shift = layer === null ? {x: 0, y: 0} : layers.get(layer).shift;
    const range = document.createRange();
    range.selectNodeContents(node);
    for (const rect of range.getClientRects()) {
      if (rect.width > 0 && rect.height > 0) {
        const x = fixed ? 0 : scrolled.x - shift.x;
        const y = fixed ? 0 : scrolled.y - shift.y;
        boxes.push({
          rect: {left: rect.left + x, right: rect.right + x, top: rect.top + y,
                 bottom: rect.bottom + y, width: rect.width, height: rect.height},
          element, layer, frame: fixed ? "screen" : "page", text: node.textContent.trim(),
        });
      }
    }
  }
  // A font's line box is taller than its letters (Naskh's by far), so lines set
  // close together share some of it; text drawn over text shares most of it.
  const overlap = (a, b) => {
    const width = Math.min(a.right, b.right) - Math.max(a.left, b.left);
    const height = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
    return width > 2 && height > 0.4 * Math.min(a.height, b.height);
  };
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      if (boxes[i].frame === boxes[j].frame && overlap(boxes[i].rect, boxes[j].rect)) {
        problems.push(`${label(boxes[i])} overlaps ${label(boxes[j])}`);
      }
    }
  }

  // Each line of the page's own text must be seen whole, under no floating bar, at some
  // scroll: the page is scrolled from its top to its end a quarter of a screen at a
  // time (a line passes through the screen's top and bottom quarters, out from under a
  // bar at its foot or at its head), then put back where it was. Bars that float as
  // the page scrolls only: fixed, or sticky at the top or the bottom (a table's first
  // column, sticky at its side, moves with the table's own scroll, not the page's).
  const floating = [...layers.keys()].filter((element) => {
    const style = getComputedStyle(element);
    return style.position === "fixed" || style.top !== "auto" || style.bottom !== "auto";
  });
  const lines = boxes.filter((box) => box.layer === null);
  const seen = new Set();
  const under = new Map();
  if (floating.length && lines.length) {
    const screen = root.clientHeight;
    const end = Math.max(0, root.scrollHeight - screen);
    const tops = [];
    for (let top = 0; top < end; top += screen / 4) tops.push(top);
    tops.push(end);
    for (const top of tops) {
      window.scrollTo({left: scrolled.x, top, behavior: "instant"});
      const bars = floating
        .filter((element) => element.checkVisibility())
        .map((element) => ({element, rect: element.getBoundingClientRect()}));
      for (const box of lines) {
        if (seen.has(box)) continue;
        const line = {
          left: box.rect.left - scrolled.x, right: box.rect.right - scrolled.x,
          top: box.rect.top - window.scrollY, bottom: box.rect.bottom - window.scrollY,
          width: box.rect.width, height: box.rect.height,
        };
        if (line.top < 0 || line.bottom > screen) continue;
        const bar = bars.find(({rect}) => overlap(rect, line));
        if (bar) under.set(box, bar.element);
        else seen.add(box);
      }
    }
    window.scrollTo({left: scrolled.x, top: scrolled.y, behavior: "instant"});
  }
  for (const [box, bar] of under) {
    if (!seen.has(box)) {
      problems.push(`${label(box)} stays under ${quote(bar, bar.textContent.trim())} at any scroll`);
    }
  }

  for (const element of document.body.querySelectorAll("*")) {
    const style = getComputedStyle(element);
    const clips = ["hidden", "clip"].includes(style.overflowX) || style.textOverflow === "ellipsis";
    if (clips && element.scrollWidth > element.clientWidth + 1 && element.textContent.trim()
        && !forScreenReadersOnly(element)) {
      problems.push(`${quote(element, element.textContent.trim())} is cut off`);
    }
  }
  for (const cell of document.body.querySelectorAll("th, td, label, button, a, h1, h2, p, li")) {
    if (cell.scrollWidth > cell.clientWidth + 1 && getComputedStyle(cell).display !== "inline") {
      problems.push(`${quote(cell, cell.textContent.trim())} is too wide for its box`);
    }
  }
  return problems;
}
