// Service worker of the sender page: keep the page and its scripts for offline use (the identity
// QR is made on the phone, so showing it needs no network). API calls are never cached.
const CACHE = "sealpost-sender-v1";
const ASSETS = ["/sender/", "/sender/qrcode.js", "/sender/identity-qr.js", "/sender/app.js", "/sender/manifest.webmanifest"];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(ASSETS)));
  self.skipWaiting();
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys().then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k)))),
  );
});

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || !ASSETS.includes(url.pathname)) return;
  // Network first (fresh platform key after a rotation), the cache when offline.
  event.respondWith(
    fetch(event.request)
      .then((response) => {
        const copy = response.clone();
        caches.open(CACHE).then((cache) => cache.put(event.request, copy));
        return response;
      })
      .catch(() => caches.match(event.request)),
  );
});
