// Sender-side check of a courier's credential QR (SPC1:…), offline first, then online.
// Protocol: docs/protocols/courier-qr.md. Keys: window.SEALPOST_PLATFORM_KEYS (shipped with the page).
"use strict";

const B45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
const enc = new TextEncoder();
const CREDENTIAL_CONTEXT = enc.encode("sealpost/courier-credential/v1\0");
const DEVICE_CONTEXT = enc.encode("sealpost/courier-qr/v1\0");
const STEP = 30, TOLERANCE = 60;

const TEXT = {
  genuine: ["真：快递员身份有效", "GENUINE: the courier's credential is valid"],
  malformed: ["不是有效的快递员二维码", "not a courier credential QR code"],
  wrong_suite: ["不支持的密码套件", "unsupported crypto suite"],
  unknown_platform_key: ["签发密钥未知，可能是伪造的", "unknown issuing key: possibly forged"],
  bad_platform_signature: ["平台签名无效：证件是伪造或被篡改的", "platform signature invalid: forged or altered"],
  not_yet_valid: ["证件尚未生效", "credential not yet valid"],
  credential_expired: ["证件已过期", "credential expired"],
  bad_device_signature: ["设备签名无效：二维码不是由登记的手机出示的", "device signature invalid: not shown by the registered phone"],
  stale_code: ["二维码已过时（可能是截图或照片）", "code is stale (possibly a screenshot or photo)"],
  revoked: ["该快递员证件已被注销", "this courier's credential has been revoked"],
  unknown_courier: ["平台上没有该快递员", "no such courier on the platform"],
  offline_only: ["仅离线核验：未能连接平台检查注销状态", "offline check only: could not reach the platform for revocation"],
};

function b45decode(s) {
  const out = [];
  for (let i = 0; i < s.length; i += 3) {
    const chunk = s.slice(i, i + 3);
    const v = [...chunk].map((c) => B45.indexOf(c));
    if (v.some((x) => x < 0)) throw new Error("malformed");
    if (chunk.length === 3) {
      const n = v[0] + v[1] * 45 + v[2] * 2025;
      if (n > 0xffff) throw new Error("malformed");
      out.push(n >> 8, n & 0xff);
    } else if (chunk.length === 2) {
      const n = v[0] + v[1] * 45;
      if (n > 0xff) throw new Error("malformed");
      out.push(n);
    } else throw new Error("malformed");
  }
  return new Uint8Array(out);
}

const hex = (b) => [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
const unhex = (h) => new Uint8Array(h.match(/../g).map((x) => parseInt(x, 16)));
const concat = (...parts) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
};

function parse(text) {
  text = text.trim();
  if (text.slice(0, 5).toUpperCase() !== "SPC1:") throw new Error("malformed");
  const raw = b45decode(text.slice(5));
  if (raw.length < 4 || raw[0] !== 1) throw new Error("malformed");
  if (raw[1] !== 1 && raw[1] !== 2) throw new Error("wrong_suite");
  const bodyLen = (raw[2] << 8) | raw[3];
  if (raw.length !== 4 + bodyLen + 8 + 64 + 4 + 8 + 64) throw new Error("malformed");
  let o = 4;
  const take = (n) => { const v = raw.slice(o, o + n); o += n; return v; };
  const body = take(bodyLen), kid = hex(take(8)), psig = take(64), stepB = take(4), nonce = take(8), dsig = take(64);
  const step = new DataView(stepB.buffer).getUint32(0);
  let cred;
  try { cred = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(body)); } catch { throw new Error("malformed"); }
  return { suite: raw[1], body, kid, psig, stepB, step, nonce, dsig, cred };
}

async function verifyOffline(text, now) {
  let q;
  try { q = parse(text); } catch (e) { return { reason: e.message, cred: null }; }
  const keys = window.SEALPOST_PLATFORM_KEYS || { suite: "intl", keys: {} };
  const pub = keys.keys[q.kid];
  if (!pub) return { reason: "unknown_platform_key", cred: null };
  if (q.suite !== 1) return { reason: null, cred: q.cred, partial: true }; // SM2: no WebCrypto; online decides
  const pk = await crypto.subtle.importKey("raw", unhex(pub), { name: "Ed25519" }, false, ["verify"]);
  const okPlatform = await crypto.subtle.verify({ name: "Ed25519" }, pk, q.psig, concat(CREDENTIAL_CONTEXT, q.body));
  if (!okPlatform) return { reason: "bad_platform_signature", cred: null };
  const t = now / 1000;
  if (t < q.cred.valid_from) return { reason: "not_yet_valid", cred: q.cred };
  if (t >= q.cred.valid_to) return { reason: "credential_expired", cred: q.cred };
  const dk = await crypto.subtle.importKey("raw", unhex(q.cred.device_key), { name: "ECDSA", namedCurve: "P-256" }, false, ["verify"]);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", q.body));
  const okDevice = await crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, dk, q.dsig, concat(DEVICE_CONTEXT, digest, q.stepB, q.nonce));
  if (!okDevice) return { reason: "bad_device_signature", cred: q.cred };
  const start = q.step * STEP;
  if (!(start - TOLERANCE <= t && t < start + STEP + TOLERANCE)) return { reason: "stale_code", cred: q.cred };
  return { reason: null, cred: q.cred };
}

async function verifyOnline(text) {
  const r = await fetch("/v1/couriers/verify", {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ qr: text }),
  });
  if (!r.ok) throw new Error("http " + r.status);
  return r.json();
}

async function photoMatches(courierId, expected) {
  try {
    const r = await fetch(`/v1/couriers/${encodeURIComponent(courierId)}/photo`, { cache: "no-store" });
    if (!r.ok) return null;
    const blob = await r.blob();
    const digest = hex(new Uint8Array(await crypto.subtle.digest("SHA-256", await blob.arrayBuffer())));
    return digest === expected ? URL.createObjectURL(blob) : null;
  } catch { return null; }
}

function show(result) {
  const el = (id) => document.getElementById(id);
  const genuine = result.reason === null;
  el("verdict").textContent = genuine ? "真" : "假";
  el("verdict").className = genuine ? "genuine" : "fake";
  const msg = TEXT[genuine ? "genuine" : result.reason] || TEXT.malformed;
  el("message").textContent = msg[0];
  el("message-en").textContent = msg[1];
  el("note").textContent = result.offlineOnly ? TEXT.offline_only[0] + " · " + TEXT.offline_only[1] : "";
  el("reason").textContent = result.reason || "";
  const c = result.cred;
  el("details").hidden = !c;
  if (c) {
    el("company").textContent = c.company_name + "（" + c.company + "）";
    el("name").textContent = c.masked_name;
    el("employee").textContent = c.employee_no;
    el("outlet").textContent = c.outlet;
    el("valid").textContent = new Date(c.valid_to * 1000).toISOString().slice(0, 10);
  }
  el("result").hidden = false;
}

async function check() {
  const text = document.getElementById("qr").value;
  const now = Date.now();
  const offline = await verifyOffline(text, now);
  let result = { ...offline, offlineOnly: false };
  if (offline.reason === null) {
    try {
      const online = await verifyOnline(text);
      result = { reason: online.reason, cred: offline.cred, offlineOnly: false };
    } catch {
      result.offlineOnly = true;
      if (offline.partial) result.reason = "wrong_suite";
    }
  }
  show(result);
  const img = document.getElementById("photo");
  img.hidden = true;
  if (result.reason === null && result.cred) {
    const url = await photoMatches(result.cred.courier_id, result.cred.photo_sha256);
    if (url) { img.src = url; img.hidden = false; }
  }
  document.body.dataset.checked = String(Date.now());
}

document.getElementById("check").addEventListener("click", () => { check(); });
async function scanWithCamera() {
  if (!("BarcodeDetector" in window)) return;
  const detector = new window.BarcodeDetector({ formats: ["qr_code"] });
  const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
  const video = document.getElementById("video");
  video.srcObject = stream; video.hidden = false; await video.play();
  for (;;) {
    const codes = await detector.detect(video);
    if (codes.length) { document.getElementById("qr").value = codes[0].rawValue; break; }
    await new Promise((r) => setTimeout(r, 200));
  }
  stream.getTracks().forEach((t) => t.stop()); video.hidden = true;
  check();
}
const scan = document.getElementById("scan");
if ("BarcodeDetector" in window) scan.addEventListener("click", () => { scanWithCamera(); });
else scan.hidden = true;
