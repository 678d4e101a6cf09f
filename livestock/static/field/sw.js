/* The field app's service worker: the pages and their files kept for offline.
 *
 * Served from /field/sw.js, so it controls the field app's pages. Pages and
 * JSON under /field/ are fetched from the network first and kept when they
 * arrive whole (a 200 that is not a redirect to the login page, with its body);
 * offline, when an answer was cut short, or when none comes within a few seconds
 * (a signal that answers nothing), the kept copy answers, and a page
 * never kept falls back to Today (which takes
 * every household's count: no village page need be kept ahead). Static files
 * are answered from the cache first. Nothing else is touched: writes and the
 * API always go to the network, so an entry is never "sent" by the worker;
 * the page's outbox (IndexedDB) decides what is sent and when.
 *
 * The pages kept are a technician's (kept.js): each is kept for the user the
 * server drew it for, what was kept for another is dropped first, and offline
 * a kept page is shown only to its owner while logged in. Otherwise a page asked
 * for offline is answered with one saying it is not available offline and to
 * log in (/field/offline/, kept at installation).
 */
// fieldKept: whose pages are kept (the URL is filled in by the view that serves this file).
importScripts("/static/field/kept.js");
const CACHE = fieldKept.CACHE;
// Kept at installation. The pages keep themselves (field.js puts the page it
// was drawn from in this cache, and network-first keeps every later one; field.js
// drops a household's page an upload changed and asks for it again), and
// the rules and the roster live in IndexedDB: nothing is downloaded twice.
// The catalogs of what field.js writes, one per language: a page kept for offline
// work finds its own even if its first download of it failed. Filled in by the view
// that serves this file (livestock/field/views.py, from the settings' languages).
// They must all be kept for the worker to be installed: one that could not keep them
// does not take over, and the next page's registration tries again.
const CATALOGS = [];
const CATALOG_PATH = "/field/i18n/";
const SHELL = ["/field/manifest.webmanifest", "/static/field/icon-192.png"];
// Kept at installation too, for the worker to be installed: what a page asked for
// offline is answered with when no kept page may be shown, and the scripts with which
// it says how many counts wait on the phone (filled in by the view, as CATALOGS).
const NOT_AVAILABLE_FILES = [];
const REQUIRED = [...CATALOGS, fieldKept.NOT_AVAILABLE, ...NOT_AVAILABLE_FILES];
// Never kept: the worker itself, and the roster, which the page keeps in IndexedDB
// and asks for what changed since its last copy; an old answer replayed from here
// offline would put back names and totals the phone has since had fresher. Nor who
// last changed an entry (asked for when a correction meets a change made meanwhile).
const NETWORK_ONLY = new Set(["/field/sw.js", "/field/roster.json"]);
function networkOnly(path) {
  return NETWORK_ONLY.has(path) || path.startsWith("/field/entry/");
}

/* An answer of our own that could be kept: a 200, not a redirect (to the login page). */
function ours(response) {
  return response.ok && !response.redirected && response.type === "basic";
}

/* Whether such an answer came whole. A connection lost partway through an answer's
   head (the signal going as a page loads) reaches us as "200 OK" with the head cut
   short and no body: the browser takes a head ended by the connection's end as the
   whole head, while a body cut short is an error (its length or its framing says so).
   Kept, such an answer replaced the file for offline: an empty catalog, and the page
   offline wrote only the English msgids. No answer the app keeps is empty. */
async function whole(response) {
  try {
    return (await response.clone().arrayBuffer()).byteLength > 0;
  } catch (cut) {
    return false;
  }
}

/* Kept if whole; resolves to whether it was. A page drawn for a user is kept as
   theirs: what was kept for another, or before a logout, is dropped first. */
async function keepIfWhole(cache, request, response) {
  if (!ours(response) || !(await whole(response))) return false;
  await fieldKept.keptFor(response.headers.get(fieldKept.USER_HEADER));
  await cache.put(request, response.clone());
  return true;
}

/* A kept answer to ``request`` that may be shown (kept.js, mayShow), or null. */
async function shown(cache, request) {
  const kept = await cache.match(request, { ignoreVary: true });
  return kept && (await fieldKept.mayShow(request, kept)) ? kept : null;
}

function keep(cache, url) {
  return fetch(url, { credentials: "same-origin" })
    .then((response) => keepIfWhole(cache, url, response))
    .catch(() => false);
}

function keepAll(cache, urls) {
  return Promise.all(urls.map((url) => keep(cache, url))).then((kept) => {
    if (kept.includes(false)) throw new Error("not kept: " + urls.filter((_, i) => !kept[i]));
  });
}

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => Promise.all([keepAll(cache, REQUIRED), ...SHELL.map((url) => keep(cache, url))]))
      .then(() => self.skipWaiting())
  );
});

/* The catalogs of the texts before the last deploy: their addresses carry the
   texts' version (livestock/field/catalogs.py), and no page asks for them again. */
async function dropOldCatalogs() {
  const cache = await caches.open(CACHE);
  const kept = await cache.keys();
  await Promise.all(
    kept
      .filter((request) => {
        const url = new URL(request.url);
        return url.pathname.startsWith(CATALOG_PATH) && !CATALOGS.includes(url.pathname + url.search);
      })
      .map((request) => cache.delete(request))
  );
}

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter((n) => n !== CACHE).map((n) => caches.delete(n))))
      .then(dropOldCatalogs)
      .then(() => self.clients.claim())
  );
});

/* How long a page, or a file of its, kept on the phone is waited for from the network
   before the kept copy is shown. A signal that comes and goes often answers nothing at
   all for minutes rather than failing (connected, no data): the page stayed blank until
   the browser gave up, and its rules (asked for before a count is checked) held every
   Save tapped meanwhile. The network's answer, when it comes, is kept as ever, for the
   next time (Workbox's NetworkFirst with networkTimeoutSeconds does the same). */
const NETWORK_WAIT_MS = 4000;

async function fromNetwork(cache, request) {
  const response = await fetch(request);
  if (await keepIfWhole(cache, request, response)) return response;
  /* Cut short: answered like no answer at all. Anything else (an error page, the
     login page it redirects to) goes to the page as it came: the login page, drawn
     for nobody logged in, drops what was kept (kept.js); the redirect itself reaches
     the worker unread (opaque), so nothing is dropped here. */
  if (ours(response)) throw new Error("cut short");
  return response;
}

async function fromThePhone(cache, request) {
  const kept = await shown(cache, request);
  if (kept) return kept;
  if (request.mode === "navigate") {
    const today = await shown(cache, new Request("/field/"));
    if (today) return today;
    const notAvailable = await cache.match(fieldKept.NOT_AVAILABLE, { ignoreVary: true });
    if (notAvailable) return notAvailable;
  }
  return Response.error();
}

async function networkFirst(event) {
  const request = event.request;
  const cache = await caches.open(CACHE);
  const network = fromNetwork(cache, request);
  const kept = await shown(cache, request);
  if (kept) {
    /* Kept on the phone: the network is waited for NETWORK_WAIT_MS at most. */
    event.waitUntil(network.catch(() => null));
    const slow = new Promise((resolve) => setTimeout(() => resolve(null), NETWORK_WAIT_MS));
    const answer = await Promise.race([network.catch(() => null), slow]);
    return answer || kept;
  }
  try {
    return await network;
  } catch (offline) {
    return fromThePhone(cache, request);
  }
}

/* The catalogs of what field.js writes: the kept copy answers at once, and the
   network's, when it comes whole, is kept for the next page. A catalog changes only
   with a new version of the app, and the page's script waits for it: waited for as
   long as a page, it held every page kept on the phone NETWORK_WAIT_MS more on a
   signal that answers nothing. */
async function keptFirst(event) {
  const request = event.request;
  const cache = await caches.open(CACHE);
  const network = fromNetwork(cache, request);
  const kept = await cache.match(request, { ignoreVary: true });
  if (kept) {
    event.waitUntil(network.catch(() => null));
    return kept;
  }
  try {
    return await network;
  } catch (offline) {
    return Response.error();
  }
}

async function cacheFirst(request) {
  const cache = await caches.open(CACHE);
  const kept = await cache.match(request, { ignoreVary: true });
  if (kept) return kept;
  const response = await fetch(request);
  if (!(await keepIfWhole(cache, request, response)) && ours(response)) return Response.error();
  return response;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/static/")) {
    event.respondWith(cacheFirst(request));
  } else if (CATALOGS.includes(url.pathname + url.search)) {
    event.respondWith(keptFirst(event));
  } else if (url.pathname.startsWith("/field/") && !networkOnly(url.pathname)) {
    event.respondWith(networkFirst(event));
  }
});
