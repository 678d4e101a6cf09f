/* A page drawn for nobody logged in on the phone: the page after a logout, and the
 * login page, where a field page is sent once the session ended without a logout
 * (templates/admin/_kept_cleared.html). What the phone kept of the technician's for
 * offline work is dropped (kept.js), and the page says so; the counts typed on the
 * phone and not yet uploaded stay, and it says how many. data-kept-cleared says when
 * it is done ("done") or that the phone could not be reached ("failed"). */
(function () {
  "use strict";
  const box = document.querySelector("[data-kept-cleared]");
  if (!box || !window.fieldKept || typeof indexedDB === "undefined") return;
  /* A browser that never opened the field app keeps nothing of it: its database is
     not made here for nothing (an official's desktop). */
  const fieldAppUsed = indexedDB.databases
    ? indexedDB.databases().then(function (found) {
      return found.some(function (database) { return database.name === "lambing-field"; });
    })
    : Promise.resolve(true);
  fieldAppUsed.then(function (used) {
    if (!used) return [{ owner: null, dropped: 0 }, {}];
    return Promise.all([window.fieldKept.loggedOut(), window.fieldKept.unsent()]);
  }).then(function (found) {
    const cleared = found[0];
    const unsent = Object.values(found[1]).reduce(function (sum, count) { return sum + count; }, 0);
    /* Said when this dropped something, or ended an owner's keeping: not again on
       every later login page shown on the phone, with nothing left to drop. */
    const ended = cleared.owner && !cleared.owner.loggedOut;
    box.querySelector("[data-kept-dropped]").hidden = !(ended || cleared.dropped);
    box.querySelector("[data-unsent-count]").textContent = unsent;
    box.querySelector("[data-unsent]").hidden = unsent === 0;
    box.dataset.keptCleared = "done";
  }).catch(function () {
    box.dataset.keptCleared = "failed";
  });
})();
