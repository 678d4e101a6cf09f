/* The page a field page asked for offline is answered with when the phone may show
 * none it kept (templates/field/offline.html): it says how many counts wait on the
 * phone to upload, and how many wait under 需要处理 (refused by the server, or a
 * conflict), in each of its languages. The pages kept for offline work may be gone
 * (a logout, a session ended), the counts never are (kept.js): they upload once
 * whoever typed them logs in with a signal, and the technician reading "not
 * available" was not told they were still there. Those needing attention upload only
 * once corrected or resolved, so they are not said to be waiting to upload.
 */
(function () {
  "use strict";
  const page = document.querySelector("[data-not-available]");
  if (!page || !window.fieldKept) return;
  window.fieldKept.unsent().then(function (found) {
    page.querySelectorAll("[data-unsent]").forEach(function (line) {
      line.hidden = found.waiting === 0 || line.dataset.unsent !== (found.waiting === 1 ? "one" : "more");
      line.querySelector("[data-unsent-count]").textContent = found.waiting;
    });
    page.querySelectorAll("[data-attention]").forEach(function (line) {
      line.hidden = found.attention === 0;
      line.querySelector("[data-attention-count]").textContent = found.attention;
    });
  }).catch(function () {});
})();
