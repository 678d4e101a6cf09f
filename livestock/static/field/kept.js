/* What this phone keeps of a technician's for offline work, and whose it is.
 *
 * The service worker keeps the field pages a technician opened (CacheStorage, by
 * URL alone) and the page keeps their roster and the rules (IndexedDB "kept").
 * Both are that technician's: their households' names, totals and counts. Kept
 * for anyone, they were shown offline to whoever held the phone after the
 * technician logged out, and to a colleague who logged in on it after them.
 *
 * So what is kept has an owner: the user the server drew it for (the header
 * X-Field-User of each field page and file; data-user-id on a page). A page of
 * another user drops what was kept before it is kept itself (keptFor); a logout
 * marks the owner logged out, then drops it (loggedOut: the page a logout answers
 * with, templates/admin/logged_out.html); and offline the worker shows a kept page
 * only to its owner still logged in (mayShow).
 *
 * A session may also end without a logout: it expires, or is ended on the server
 * (a password changed, an administrator). The phone learns it from an answer of the
 * server's drawn for nobody logged in, and drops what it kept as at a logout: the
 * login page, where a field page opened with a signal is sent
 * (templates/admin/lambing_login.html), or an answer to the page's own requests
 * that says so (answeredLoggedOut): its roster, rules and kept pages, and its
 * uploads of the outbox to the API. No answer (no signal), or one cut short, says
 * nothing of the kind: what was kept stays.
 *
 * The outbox (IndexedDB "outbox", the counts not yet uploaded) is never dropped
 * here: each count waits on the phone for the technician who typed it, and is
 * uploaded when they log in again.
 *
 * Loaded by the service worker (importScripts), by every field page before
 * field.js, and by the logout's and the login's pages: one definition of whose
 * things are kept.
 */
(function (scope) {
  "use strict";

  const CACHE = "lambing-field-v1";
  const USER_HEADER = "X-Field-User";
  /* Said by an answer to the page's script drawn for nobody logged in: the field app's
     pages and JSON, and the API its outbox is uploaded to (livestock/access/sessions.py). */
  const LOGGED_OUT_HEADER = "X-Field-Logged-Out";
  /* The page the worker answers a page with offline when it may show none kept. */
  const NOT_AVAILABLE = "/field/offline/";

  /* Kept answers anyone may be shown: the app's files and the texts of its script
     (the same for every user), and the page saying a page is not available. */
  function isPublic(url) {
    const path = new URL(url, scope.location.href).pathname;
    return path.startsWith("/static/") || path.startsWith("/field/i18n/") ||
      path === "/field/manifest.webmanifest" || path === NOT_AVAILABLE;
  }

  let database = null;
  function open() {
    if (!database) {
      database = new Promise(function (resolve, reject) {
        const request = indexedDB.open("lambing-field", 1);
        request.onupgradeneeded = function () {
          const db = request.result;
          if (!db.objectStoreNames.contains("outbox")) db.createObjectStore("outbox", { keyPath: "uuid" });
          if (!db.objectStoreNames.contains("kept")) db.createObjectStore("kept");
        };
        request.onsuccess = function () { resolve(request.result); };
        request.onerror = function () { database = null; reject(request.error); };
      });
    }
    return database;
  }

  /* One transaction; resolves once it is committed (durably, for writes), with the
     result of the request ``work`` returns, if it returns one. */
  async function transact(store, mode, work) {
    const db = await open();
    return new Promise(function (resolve, reject) {
      const options = mode === "readwrite" ? { durability: "strict" } : undefined;
      const tx = db.transaction(store, mode, options);
      let result;
      const request = work(tx.objectStore(store));
      if (request) request.onsuccess = function () { result = request.result; };
      tx.oncomplete = function () { resolve(result); };
      tx.onerror = tx.onabort = function () { reject(tx.error); };
    });
  }

  /* {user, username, loggedOut} of what is kept, or null (nothing kept for anyone yet). */
  function owner() {
    return transact("kept", "readonly", function (store) { return store.get("owner"); })
      .then(function (found) { return found || null; });
  }
  function setOwner(state) {
    return transact("kept", "readwrite", function (store) { store.put(state, "owner"); });
  }

  /* One change of owner at a time, across the worker and the pages. */
  function exclusively(work) {
    const locks = scope.navigator && scope.navigator.locks;
    return locks ? locks.request("lambing-field-kept", work) : work();
  }

  /* Everything kept of a user's (the pages, the roster, the rules); never the outbox.
     Resolves to how many things were dropped. */
  async function dropKept() {
    let dropped = 0;
    if (scope.caches) {
      const cache = await scope.caches.open(CACHE);
      const own = (await cache.keys()).filter(function (request) { return !isPublic(request.url); });
      await Promise.all(own.map(function (request) { return cache.delete(request); }));
      dropped += own.length;
    }
    await transact("kept", "readwrite", function (store) {
      const keys = store.getAllKeys();
      keys.onsuccess = function () {
        keys.result.filter(function (key) { return key !== "owner"; }).forEach(function (key) {
          dropped += 1;
          store.delete(key);
        });
      };
    });
    return dropped;
  }

  /* What is kept from now is ``user``'s, logged in (a page drawn for them): anything
     kept for another, or before a logout, is dropped first. */
  function keptFor(user, username) {
    if (!user) return Promise.resolve();
    return exclusively(async function () {
      const now = await owner();
      if (now && now.user === user && !now.loggedOut) {
        if (username && now.username !== username) await setOwner(Object.assign({}, now, { username: username }));
        return;
      }
      await dropKept();
      await setOwner({ user: user, username: username || (now && now.user === user ? now.username : ""), loggedOut: false });
    });
  }

  /* The owner has logged out: marked so first (offline, the worker then shows none of
     their pages, even if the phone is switched off before they are dropped), then
     what was kept is dropped. Resolves to {owner, dropped}: who it was, and how many
     things were dropped. */
  function loggedOut() {
    return exclusively(async function () {
      const now = await owner();
      await setOwner(Object.assign({ user: "", username: "" }, now || {}, { loggedOut: true }));
      return { owner: now, dropped: await dropKept() };
    });
  }

  /* Whether an answer the page's script asked for was drawn for nobody logged in. */
  function saysLoggedOut(response) {
    return response.headers.get(LOGGED_OUT_HEADER) === "1";
  }

  /* What an answer the page's script asked for says of the session: one drawn for
     nobody logged in means the owner's session is over (it expired, or was ended on
     the server), and what was kept is dropped as at a logout. Resolves to whether it
     said so; any other answer changes nothing. */
  async function answeredLoggedOut(response) {
    if (!saysLoggedOut(response)) return false;
    await loggedOut();
    return true;
  }

  /* Whether ``user`` owns what is kept and is still logged in. */
  async function ownedBy(user) {
    const now = await owner();
    return Boolean(user && now && now.user === user && !now.loggedOut);
  }

  /* Whether a kept answer to ``request`` may be shown: a file anyone may see, or a
     page kept for its owner while they are logged in. */
  async function mayShow(request, kept) {
    if (isPublic(request.url)) return true;
    return ownedBy(kept.headers.get(USER_HEADER));
  }

  /* Counts whose write to the outbox had not finished when their page was left (a
     Save tapped just before a link, or the back button, on a phone whose storage is
     slow): the page was gone before the write was, and IndexedDB dropped it with the
     page. The page puts them here as it goes (localStorage is written at once, when
     IndexedDB cannot be waited for: stashUnkept), and the next page that reads the
     outbox puts them in it (keepStashed), by uuid: one that was written after all is
     written again, the same item, and uploaded once. */
  const UNKEPT = "lambing-field-unkept";

  /* ``writes``: [{item, replaces}], an item and the uuid of the one it replaces (a
     refused count sent again), if any. Never throws: a phone that refuses this too
     has nowhere else to keep them. */
  function stashUnkept(writes) {
    try {
      const stashed = JSON.parse(scope.localStorage.getItem(UNKEPT) || "[]");
      scope.localStorage.setItem(UNKEPT, JSON.stringify(stashed.concat(writes)));
    } catch (error) {
      /* Nothing more can be done as the page goes. */
    }
  }

  /* The counts stashed by a page left while writing them, put in the outbox in one
     transaction, then taken from the stash (only those: another tab may have stashed
     more meanwhile). Resolves to how many were put. */
  async function keepStashed() {
    let stashed;
    try {
      stashed = scope.localStorage ? JSON.parse(scope.localStorage.getItem(UNKEPT) || "[]") : [];
    } catch (error) {
      return 0;
    }
    if (!stashed.length) return 0;
    await transact("outbox", "readwrite", function (store) {
      stashed.forEach(function (write) {
        if (write.replaces) store.delete(write.replaces);
        store.put(write.item);
      });
    });
    unstash(stashed.map(function (write) { return write.item.uuid; }));
    return stashed.length;
  }

  /* The stashed counts of ``uuids`` taken out of the stash, the others left: put in
     the outbox (keepStashed), or their save ended after all on the page that stashed
     them (a page shown again from the back-forward cache: field.js, keeping). */
  function unstash(uuids) {
    try {
      const gone = new Set(uuids);
      const left = JSON.parse(scope.localStorage.getItem(UNKEPT) || "[]").filter(function (write) {
        return !gone.has(write.item.uuid);
      });
      if (left.length) scope.localStorage.setItem(UNKEPT, JSON.stringify(left));
      else scope.localStorage.removeItem(UNKEPT);
    } catch (error) {
      /* Left as it is: put again by uuid, the same item. */
    }
  }

  /* What the outbox holds on this phone, whoever typed it, as the field pages count
     it: {waiting, attention}, the counts waiting to upload, and those the server
     answered that wait under 需要处理 (refused, or a conflict), which no upload sends
     until the technician corrects or resolves them. All were counted as waiting. */
  async function unsent() {
    await keepStashed().catch(function () { return 0; });
    const items = (await transact("outbox", "readonly", function (store) { return store.getAll(); })) || [];
    const found = { waiting: 0, attention: 0 };
    items.forEach(function (item) {
      if (item.state === "pending") found.waiting += 1;
      else found.attention += 1;
    });
    return found;
  }

  scope.fieldKept = {
    CACHE: CACHE,
    USER_HEADER: USER_HEADER,
    NOT_AVAILABLE: NOT_AVAILABLE,
    transact: transact,
    keptFor: keptFor,
    loggedOut: loggedOut,
    saysLoggedOut: saysLoggedOut,
    answeredLoggedOut: answeredLoggedOut,
    ownedBy: ownedBy,
    mayShow: mayShow,
    unsent: unsent,
    stashUnkept: stashUnkept,
    keepStashed: keepStashed,
    unstash: unstash,
  };
})(self);
