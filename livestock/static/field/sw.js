/* The field app's service worker: the pages and their files kept for offline.
 *
 * Served from /field/sw.js, so it controls the field app's pages. Pages and
 * JSON under /field/ are fetched from the network first and kept when they
 * arrive whole (a 200 that is not a redirect to the login page); offline, the
 * kept copy answers, and a page never kept falls back to Today. Static files
 * are answered from the cache first. Nothing else is touched: writes and the
 * API always go to the network, so an entry is never "sent" by the worker;
 * the page's outbox (IndexedDB) decides what is sent and when.
 */
const CACHE = "lambing-field-v1";
const SHELL = [
  "/field/",
  "/field/rules.json",
  "/field/roster.json",
  "/field/manifest.webmanifest",
  "/static/field/field.css",
  "/static/field/field.js",
  "/static/field/icon.svg",
  "/static/field/icon-192.png",
];

function keepIfWhole(cache, request, response) {
  if (response.ok && !response.redirected && response.type === "basic") {
    return cache.put(request, response.clone());
  }
  return Promise.resolve();
}

function keep(cache, url) {
  return fetch(url, { credentials: "same-origin" })
    .then((response) => keepIfWhole(cache, url, response))
    .catch(() => undefined);
}

/* The technician's village pages, named by the roster, kept as well: a
   village not opened yet today can still take counts offline. */
async function keepVillages(cache) {
  const roster = await cache.match("/field/roster.json", { ignoreVary: true });
  if (!roster) return;
  const villages = ((await roster.json()).villages || []).slice(0, 100);
  await Promise.all(villages.map((village) => keep(cache, village.url)));
}

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => Promise.all(SHELL.map((url) => keep(cache, url))).then(() => keepVillages(cache)))
      .then(() => self.skipWaiting())
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter((n) => n !== CACHE).map((n) => caches.delete(n))))
      .then(() => self.clients.claim())
  );
});

async function networkFirst(request) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    await keepIfWhole(cache, request, response);
    return response;
  } catch (offline) {
    const kept = await cache.match(request, { ignoreVary: true });
    if (kept) return kept;
    if (request.mode === "navigate") {
      const today = await cache.match("/field/", { ignoreVary: true });
      if (today) return today;
    }
    return Response.error();
  }
}

async function cacheFirst(request) {
  const cache = await caches.open(CACHE);
  const kept = await cache.match(request, { ignoreVary: true });
  if (kept) return kept;
  const response = await fetch(request);
  await keepIfWhole(cache, request, response);
  return response;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/static/")) {
    event.respondWith(cacheFirst(request));
  } else if (url.pathname.startsWith("/field/") && url.pathname !== "/field/sw.js") {
    event.respondWith(networkFirst(request));
  }
});
