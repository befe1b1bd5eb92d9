// The sender's identity QR in the browser (docs/protocols/identity-qr.md), with WebCrypto only.
//
// The device key is an ECDSA P-256 key pair generated with extractable: false: the private key
// never leaves the browser's key store; the CryptoKey objects are kept in IndexedDB (structured
// clone keeps them non-extractable). IndexedDB holds nothing else but the sender_id, the key id
// and the platform's public sealing key: no name, number or phone.
(function (global) {
  "use strict";

  const SCHEME = "SPQ1:";
  const VERSION = 1;
  const SUITE = 1; // ES256 device signature; X25519 + HKDF-SHA256 + AES-256-GCM sealing
  const STEP_SECONDS = 30;
  const enc = new TextEncoder();
  const SIGNING_CONTEXT = enc.encode("sealpost/identity-qr/v1\u0000");
  const SEAL_INFO = enc.encode("sealpost/identity-qr/v1");
  const SEAL_LABEL = enc.encode("sealpost/v1/seal");
  const DEVICE_CONTEXT = "sealpost/device-request/v1";
  const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";

  function concat(...parts) {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let k = 0;
    for (const p of parts) {
      out.set(p, k);
      k += p.length;
    }
    return out;
  }

  function base45(bytes) {
    let out = "";
    for (let i = 0; i + 1 < bytes.length; i += 2) {
      const n = bytes[i] * 256 + bytes[i + 1];
      out += ALPHABET[n % 45] + ALPHABET[Math.floor(n / 45) % 45] + ALPHABET[Math.floor(n / 2025)];
    }
    if (bytes.length % 2) {
      const n = bytes[bytes.length - 1];
      out += ALPHABET[n % 45] + ALPHABET[Math.floor(n / 45)];
    }
    return out;
  }

  function b64url(bytes) {
    let s = "";
    for (const b of bytes) s += String.fromCharCode(b);
    return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function unb64url(text) {
    const s = atob(text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4));
    return Uint8Array.from(s, (c) => c.charCodeAt(0));
  }

  function hex(bytes) {
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function uuidBytes(uuid) {
    const h = uuid.replace(/-/g, "");
    return Uint8Array.from({ length: 16 }, (_, i) => parseInt(h.substr(i * 2, 2), 16));
  }

  async function sha256(bytes) {
    return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  }

  // ---------------------------------------------------------------- the device key
  async function generateDeviceKey() {
    const pair = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, false, ["sign", "verify"]);
    const publicRaw = new Uint8Array(await crypto.subtle.exportKey("raw", pair.publicKey));
    const kid = hex((await sha256(publicRaw)).slice(0, 8));
    return { pair, publicRaw, kid };
  }

  async function sign(privateKey, message) {
    // WebCrypto's ECDSA signature is already r || s (IEEE P1363), 64 bytes for P-256.
    return new Uint8Array(await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, privateKey, message));
  }

  // ---------------------------------------------------------------- sealing (platform "intl" box)
  async function seal(platformPublic, plaintext, aad) {
    const recipient = await crypto.subtle.importKey("raw", platformPublic, { name: "X25519" }, true, []);
    const eph = await crypto.subtle.generateKey({ name: "X25519" }, true, ["deriveBits"]);
    const ephPublic = new Uint8Array(await crypto.subtle.exportKey("raw", eph.publicKey));
    const shared = await crypto.subtle.deriveBits({ name: "X25519", public: recipient }, eph.privateKey, 256);
    const ikm = await crypto.subtle.importKey("raw", shared, "HKDF", false, ["deriveBits"]);
    const okm = new Uint8Array(
      await crypto.subtle.deriveBits(
        {
          name: "HKDF",
          hash: "SHA-256",
          salt: concat(ephPublic, platformPublic),
          info: concat(SEAL_LABEL, new Uint8Array([0]), SEAL_INFO),
        },
        ikm,
        (32 + 12) * 8,
      ),
    );
    const recipientKid = (await sha256(platformPublic)).slice(0, 8);
    const head = concat(new Uint8Array([1, 1, 1]), recipientKid, ephPublic); // version, suite intl, sealed box
    const key = await crypto.subtle.importKey("raw", okm.slice(0, 32), "AES-GCM", false, ["encrypt"]);
    const ct = new Uint8Array(
      await crypto.subtle.encrypt({ name: "AES-GCM", iv: okm.slice(32, 44), additionalData: concat(head, aad) }, key, plaintext),
    );
    return concat(head, ct);
  }

  // ---------------------------------------------------------------- the identity QR
  function timeStep(nowMs) {
    return Math.floor(nowMs / 1000 / STEP_SECONDS);
  }

  async function makeCode(state, nowMs) {
    const step = timeStep(nowMs === undefined ? Date.now() : nowMs);
    const payload = new Uint8Array(42);
    payload[0] = VERSION;
    payload[1] = SUITE;
    payload.set(Uint8Array.from({ length: 8 }, (_, i) => parseInt(state.kid.substr(i * 2, 2), 16)), 2);
    payload.set(uuidBytes(state.senderId), 10);
    new DataView(payload.buffer).setUint32(26, step, false);
    payload.set(crypto.getRandomValues(new Uint8Array(12)), 30);
    const signature = await sign(state.pair.privateKey, concat(SIGNING_CONTEXT, payload));
    const aad = concat(enc.encode("SPQ1"), new Uint8Array([VERSION, SUITE]));
    const sealed = await seal(state.platformKey, concat(payload, signature), aad);
    return { text: SCHEME + base45(concat(new Uint8Array([VERSION, SUITE]), sealed)), step };
  }

  // ---------------------------------------------------------------- device-signed requests
  async function authorization(state, method, path, body) {
    const ts = Math.floor(Date.now() / 1000);
    const nonce = b64url(crypto.getRandomValues(new Uint8Array(16)));
    const digest = hex(await sha256(body || new Uint8Array(0)));
    const message = enc.encode([DEVICE_CONTEXT, method.toUpperCase(), path, String(ts), nonce, digest].join("\n"));
    const sig = await sign(state.pair.privateKey, message);
    return `SealpostDevice kid=${state.kid}, ts=${ts}, nonce=${nonce}, sig=${b64url(sig)}`;
  }

  // ---------------------------------------------------------------- storage (IndexedDB)
  const DB = "sealpost-sender";
  const STORE = "device";

  function db() {
    return new Promise((resolve, reject) => {
      const req = indexedDB.open(DB, 1);
      req.onupgradeneeded = () => req.result.createObjectStore(STORE);
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
  }

  async function tx(mode, fn) {
    const conn = await db();
    return new Promise((resolve, reject) => {
      const t = conn.transaction(STORE, mode);
      const req = fn(t.objectStore(STORE));
      t.oncomplete = () => resolve(req ? req.result : undefined);
      t.onerror = () => reject(t.error);
    });
  }

  // Only these fields are ever stored: the key handle, its id, the sender id, the platform key.
  async function save(state) {
    const record = { pair: state.pair, kid: state.kid, senderId: state.senderId || null, platformKey: state.platformKey };
    await tx("readwrite", (s) => s.put(record, "current"));
  }

  async function load() {
    return (await tx("readonly", (s) => s.get("current"))) || null;
  }

  async function clear() {
    await tx("readwrite", (s) => s.delete("current"));
  }

  global.SealpostIdentity = {
    STEP_SECONDS,
    generateDeviceKey,
    makeCode,
    authorization,
    timeStep,
    save,
    load,
    clear,
    b64url,
    unb64url,
  };
})(typeof window !== "undefined" ? window : globalThis);
