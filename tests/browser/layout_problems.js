() => {
  // What a reader would see as overlapping or clipped text on the page, as a list of
  // sentences (empty when there is none); tests/browser/test_kazakh.py runs it.
  // Every text node's boxes are checked against each other, and every element that
  // clips or holds text against what it holds. The page itself must not scroll
  // sideways (a wide table scrolls inside its own box, which is not a problem).
  const problems = [];
  const root = document.documentElement;
  if (root.scrollWidth > root.clientWidth) {
    problems.push(`the page scrolls sideways: ${root.scrollWidth} > ${root.clientWidth}`);
  }
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const boxes = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const element = node.parentElement;
    if (!node.textContent.trim() || !element.checkVisibility()) continue;
    if (element.closest("select, option, script, style")) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    for (const rect of range.getClientRects()) {
      if (rect.width > 0 && rect.height > 0) {
        boxes.push({rect, element, text: node.textContent.trim()});
      }
    }
  }
  const quote = (element, text) => `<${element.tagName.toLowerCase()}> "${text.slice(0, 30)}"`;
  const label = (box) => quote(box.element, box.text);
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i].rect, b = boxes[j].rect;
      const width = Math.min(a.right, b.right) - Math.max(a.left, b.left);
      const height = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
      // A font's line box is taller than its letters (Naskh's by far), so lines set
      // close together share some of it; text drawn over text shares most of it.
      if (width > 2 && height > 0.4 * Math.min(a.height, b.height)) {
        problems.push(`${label(boxes[i])} overlaps ${label(boxes[j])}`);
      }
    }
  }
  for (const element of document.body.querySelectorAll("*")) {
    const style = getComputedStyle(element);
    const clips = ["hidden", "clip"].includes(style.overflowX) || style.textOverflow === "ellipsis";
    if (clips && element.scrollWidth > element.clientWidth + 1 && element.textContent.trim()) {
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
