/* The page a field page asked for offline is answered with when the phone may show
 * none it kept (templates/field/offline.html): it says how many counts wait on the
 * phone to upload, in each of its languages. The pages kept for offline work may be
 * gone (a logout, a session ended), the counts never are (kept.js): they upload once
 * whoever typed them logs in with a signal, and the technician reading "not
 * available" was not told they were still there.
 */
(function () {
  "use strict";
  const page = document.querySelector("[data-not-available]");
  if (!page || !window.fieldKept) return;
  window.fieldKept.unsent().then(function (found) {
    const count = Object.values(found).reduce(function (sum, each) { return sum + each; }, 0);
    page.querySelectorAll("[data-unsent]").forEach(function (line) {
      line.hidden = count === 0 || line.dataset.unsent !== (count === 1 ? "one" : "more");
      line.querySelector("[data-unsent-count]").textContent = count;
    });
  }).catch(function () {});
})();
