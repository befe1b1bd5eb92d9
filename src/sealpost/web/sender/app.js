// The sender page: enroll once (typed fields or ID card photos), then show a fresh identity QR
// every 30 seconds. Personal data typed or photographed goes to the platform and is then cleared
// from the page; the browser keeps only the device key handle, its id, the sender id and the
// platform's public sealing key (see identity-qr.js).
(function () {
  "use strict";
  const ID = window.SealpostIdentity;
  const $ = (id) => document.getElementById(id);
  let state = null;
  let timer = null;
  let mode = "typed";

  function platformKey() {
    const meta = document.querySelector('meta[name="sealpost-platform-sealing-key"]');
    const text = meta ? meta.getAttribute("content") : null;
    return text && !text.startsWith("__") ? ID.unb64url(text) : null;
  }

  function show(section) {
    for (const id of ["enroll", "show"]) $(id).classList.toggle("hidden", id !== section);
  }

  function setMode(next) {
    mode = next;
    $("typed-fields").classList.toggle("hidden", mode !== "typed");
    $("photo-fields").classList.toggle("hidden", mode !== "photo");
  }

  async function problemText(response) {
    try {
      const body = await response.json();
      let text = body.detail || body.title || response.statusText;
      if (Array.isArray(body.fields) && body.fields.length) text += "（" + body.fields.join("、") + "）";
      return `${text} [${body.code || response.status}]`;
    } catch (e) {
      return `HTTP ${response.status}`;
    }
  }

  async function enroll(event) {
    event.preventDefault();
    $("enroll-error").textContent = "";
    const button = $("enroll-submit");
    button.disabled = true;
    try {
      if (!state) {
        const key = await ID.generateDeviceKey();
        state = { pair: key.pair, kid: key.kid, senderId: null, platformKey: platformKey(), publicRaw: key.publicRaw };
      }
      if (!state.publicRaw) {
        state.publicRaw = new Uint8Array(await crypto.subtle.exportKey("raw", state.pair.publicKey));
      }
      const form = new FormData($("enroll-form"));
      if (mode === "photo") {
        for (const f of ["document_type", "number", "name", "birth_date"]) form.delete(f);
      } else {
        form.delete("photo_front");
        form.delete("photo_back");
      }
      for (const [k, v] of [...form.entries()]) if (v === "" || (v instanceof File && v.size === 0)) form.delete(k);
      form.set("device_public_key", ID.b64url(state.publicRaw));
      const response = await fetch("/v1/senders/enroll", { method: "POST", body: form });
      if (!response.ok) {
        $("enroll-error").textContent = await problemText(response);
        return;
      }
      const body = await response.json();
      state.senderId = body.sender_id;
      await ID.save(state);
      $("enroll-form").reset(); // nothing personal stays in the page
      const who = body.identity;
      $("enrolled-as").textContent = `${who.name} · ${who.document_type_label} ${who.document_number}`;
      start();
    } catch (e) {
      $("enroll-error").textContent = "登记失败 · enrollment failed: " + e;
    } finally {
      button.disabled = false;
    }
  }

  async function render() {
    try {
      const code = await ID.makeCode(state);
      window.SealpostQR.drawCanvas($("code"), code.text, 6, 4);
      $("code").dataset.step = String(code.step);
      $("show-error").textContent = "";
    } catch (e) {
      $("show-error").textContent = "无法生成身份码 · cannot make the code: " + e;
    }
  }

  function tick() {
    const now = Date.now();
    const left = ID.STEP_SECONDS - (Math.floor(now / 1000) % ID.STEP_SECONDS);
    $("countdown").textContent = `${left} 秒后更新 · renews in ${left} s`;
    if (String(ID.timeStep(now)) !== $("code").dataset.step) render();
  }

  function start() {
    show("show");
    render();
    if (timer) clearInterval(timer);
    timer = setInterval(tick, 1000);
    tick();
  }

  async function listDevices() {
    const path = `/v1/senders/${state.senderId}/devices`;
    const response = await fetch(path, { headers: { Authorization: await ID.authorization(state, "GET", path) } });
    const list = $("devices");
    list.textContent = "";
    if (!response.ok) {
      $("show-error").textContent = await problemText(response);
      return;
    }
    for (const d of (await response.json()).devices) {
      const item = document.createElement("li");
      const status = d.status === "active" ? "有效 active" : "已注销 revoked";
      item.textContent = `${d.kid} · ${status}${d.current ? " · 本机 this phone" : ""} `;
      if (d.status === "active") {
        const revoke = document.createElement("button");
        revoke.className = "secondary";
        revoke.textContent = "注销 · Revoke";
        revoke.onclick = async () => {
          const p = `/v1/senders/${state.senderId}/devices/${d.kid}`;
          const r = await fetch(p, { method: "DELETE", headers: { Authorization: await ID.authorization(state, "DELETE", p) } });
          if (!r.ok) $("show-error").textContent = await problemText(r);
          if (d.current) {
            await ID.clear();
            location.reload();
            return;
          }
          listDevices();
        };
        item.appendChild(revoke);
      }
      list.appendChild(item);
    }
  }

  async function main() {
    $("tab-typed").onclick = () => setMode("typed");
    $("tab-photo").onclick = () => setMode("photo");
    $("enroll-form").addEventListener("submit", enroll);
    $("refresh").onclick = render;
    $("devices-button").onclick = listDevices;
    if (!window.isSecureContext || !crypto.subtle) {
      $("enroll-error").textContent = "需要 HTTPS 安全连接 · this page needs HTTPS";
    }
    if ("serviceWorker" in navigator && window.isSecureContext) {
      navigator.serviceWorker.register("/sender/sw.js", { scope: "/sender/" }).catch(() => {});
    }
    setMode("typed");
    state = await ID.load();
    const fresh = platformKey();
    if (state && fresh && ID.b64url(new Uint8Array(state.platformKey)) !== ID.b64url(fresh)) {
      state.platformKey = fresh; // the platform rotated its sealing key
      await ID.save(state);
    }
    if (state && state.senderId) start();
    else show("enroll");
    document.body.dataset.ready = "1";
  }

  main();
})();
