/* A page drawn for nobody logged in on the phone: the page after a logout, and the
 * login page, where a field page is sent once the session ended without a logout
 * (templates/admin/_kept_cleared.html). What the phone kept of the technician's for
 * offline work is dropped (kept.js), and the page says so; the counts typed on the
 * phone and not yet uploaded stay, and it says how many wait to upload and, apart,
 * how many wait under 需要处理 (refused by the server, or a conflict: they upload only
 * once corrected or resolved, after a login). data-kept-cleared says when
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
    if (!used) return [{ owner: null, dropped: 0 }, { waiting: 0, attention: 0 }];
    return Promise.all([window.fieldKept.loggedOut(), window.fieldKept.unsent()]);
  }).then(function (found) {
    const cleared = found[0];
    const outbox = found[1];
    /* Said when this dropped something, or ended an owner's keeping: not again on
       every later login page shown on the phone, with nothing left to drop. */
    const ended = cleared.owner && !cleared.owner.loggedOut;
    box.querySelector("[data-kept-dropped]").hidden = !(ended || cleared.dropped);
    box.querySelector("[data-unsent-count]").textContent = outbox.waiting;
    box.querySelector("[data-unsent]").hidden = outbox.waiting === 0;
    box.querySelector("[data-attention-count]").textContent = outbox.attention;
    box.querySelector("[data-attention]").hidden = outbox.attention === 0;
    box.dataset.keptCleared = "done";
  }).catch(function () {
    box.dataset.keptCleared = "failed";
  });
})();
