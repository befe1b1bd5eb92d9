// A small QR code encoder (ISO/IEC 18004 Model 2), written for the sealpost sender page.
// Alphanumeric mode when every character allows it (identity codes are "SPQ1:" + base45),
// byte mode (UTF-8) otherwise; error correction level M; versions 1-40; the mask with the
// lowest penalty score. No dependencies. Exposes `SealpostQR.encode(text)` → {size, modules}
// and `SealpostQR.drawCanvas(canvas, text, scale, border)`.
(function (global) {
  "use strict";

  const ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
  // Level M: error-correction codewords per block, and number of blocks, by version (index 1-40).
  const EC_PER_BLOCK_M = [0, 10, 16, 26, 18, 24, 16, 18, 22, 22, 26, 30, 22, 22, 24, 24, 28, 28, 26,
    26, 26, 26, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28];
  const BLOCKS_M = [0, 1, 1, 1, 2, 2, 4, 4, 4, 5, 5, 5, 8, 9, 9, 10, 10, 11, 13, 14, 16, 17, 17, 18,
    20, 21, 23, 25, 26, 28, 29, 31, 33, 35, 37, 38, 40, 43, 45, 47, 49];
  const FORMAT_LEVEL_M = 0; // the 2 format bits of level M

  // ---------------------------------------------------------------- GF(256), Reed-Solomon
  const EXP = new Uint8Array(512);
  const LOG = new Uint8Array(256);
  (function () {
    let x = 1;
    for (let i = 0; i < 255; i++) {
      EXP[i] = x;
      LOG[x] = i;
      x <<= 1;
      if (x & 0x100) x ^= 0x11d;
    }
    for (let i = 255; i < 512; i++) EXP[i] = EXP[i - 255];
  })();

  function mul(a, b) {
    return a === 0 || b === 0 ? 0 : EXP[LOG[a] + LOG[b]];
  }

  function generator(degree) {
    // Coefficients of prod_{i<degree} (x - a^i), highest power first, leading 1 dropped.
    let poly = [1];
    for (let i = 0; i < degree; i++) {
      const next = new Array(poly.length + 1).fill(0);
      for (let j = 0; j < poly.length; j++) {
        next[j] ^= poly[j];
        next[j + 1] ^= mul(poly[j], EXP[i]);
      }
      poly = next;
    }
    return poly.slice(1);
  }

  function remainder(data, gen) {
    const rem = new Array(gen.length).fill(0);
    for (const byte of data) {
      const factor = byte ^ rem.shift();
      rem.push(0);
      for (let i = 0; i < gen.length; i++) rem[i] ^= mul(gen[i], factor);
    }
    return rem;
  }

  // ---------------------------------------------------------------- capacities
  function alignmentPositions(version) {
    if (version === 1) return [];
    const count = Math.floor(version / 7) + 2;
    const size = version * 4 + 17;
    const step = version === 32 ? 26 : Math.ceil((version * 4 + 4) / (count * 2 - 2)) * 2;
    const out = [6];
    for (let pos = size - 7; out.length < count; pos -= step) out.splice(1, 0, pos);
    return out;
  }

  function rawModules(version) {
    let n = (16 * version + 128) * version + 64;
    if (version >= 2) {
      const a = Math.floor(version / 7) + 2;
      n -= (25 * a - 10) * a - 55;
      if (version >= 7) n -= 36;
    }
    return n;
  }

  function dataCodewords(version) {
    return Math.floor(rawModules(version) / 8) - EC_PER_BLOCK_M[version] * BLOCKS_M[version];
  }

  // ---------------------------------------------------------------- data bits
  function bitsOf(text) {
    const alnum = [...text].every((ch) => ALNUM.includes(ch));
    const bytes = alnum ? null : new TextEncoder().encode(text);
    const count = alnum ? text.length : bytes.length;
    const body = [];
    const put = (value, length) => {
      for (let i = length - 1; i >= 0; i--) body.push((value >>> i) & 1);
    };
    if (alnum) {
      for (let i = 0; i + 1 < text.length; i += 2) put(ALNUM.indexOf(text[i]) * 45 + ALNUM.indexOf(text[i + 1]), 11);
      if (text.length % 2) put(ALNUM.indexOf(text[text.length - 1]), 6);
    } else {
      for (const b of bytes) put(b, 8);
    }
    return { alnum, count, body };
  }

  function countBits(alnum, version) {
    if (alnum) return version <= 9 ? 9 : version <= 26 ? 11 : 13;
    return version <= 9 ? 8 : 16;
  }

  function codewords(text) {
    const { alnum, count, body } = bitsOf(text);
    for (let version = 1; version <= 40; version++) {
      const capacity = dataCodewords(version) * 8;
      const needed = 4 + countBits(alnum, version) + body.length;
      if (needed > capacity) continue;
      const bits = [];
      const put = (value, length) => {
        for (let i = length - 1; i >= 0; i--) bits.push((value >>> i) & 1);
      };
      put(alnum ? 0b0010 : 0b0100, 4);
      put(count, countBits(alnum, version));
      for (const b of body) bits.push(b);
      put(0, Math.min(4, capacity - bits.length));
      put(0, (8 - (bits.length % 8)) % 8);
      const data = [];
      for (let i = 0; i < bits.length; i += 8) {
        let byte = 0;
        for (let j = 0; j < 8; j++) byte = (byte << 1) | bits[i + j];
        data.push(byte);
      }
      for (let pad = 0xec; data.length < capacity / 8; pad ^= 0xec ^ 0x11) data.push(pad);
      return { version, data };
    }
    throw new Error("text too long for a QR code");
  }

  function interleave(version, data) {
    const blocks = BLOCKS_M[version];
    const ecLen = EC_PER_BLOCK_M[version];
    const total = Math.floor(rawModules(version) / 8);
    const shortBlocks = blocks - (total % blocks);
    const shortData = Math.floor(total / blocks) - ecLen;
    const gen = generator(ecLen);
    const dataBlocks = [];
    const ecBlocks = [];
    let k = 0;
    for (let i = 0; i < blocks; i++) {
      const len = shortData + (i < shortBlocks ? 0 : 1);
      const block = data.slice(k, k + len);
      k += len;
      dataBlocks.push(block);
      ecBlocks.push(remainder(block, gen));
    }
    const out = [];
    for (let i = 0; i <= shortData; i++) {
      for (const block of dataBlocks) if (i < block.length) out.push(block[i]);
    }
    for (let i = 0; i < ecLen; i++) for (const block of ecBlocks) out.push(block[i]);
    return out;
  }

  // ---------------------------------------------------------------- the matrix
  function Matrix(version) {
    this.version = version;
    this.size = version * 4 + 17;
    this.dark = [];
    this.fixed = [];
    for (let y = 0; y < this.size; y++) {
      this.dark.push(new Array(this.size).fill(false));
      this.fixed.push(new Array(this.size).fill(false));
    }
  }

  Matrix.prototype.set = function (x, y, dark) {
    this.dark[y][x] = dark;
    this.fixed[y][x] = true;
  };

  Matrix.prototype.functionPatterns = function () {
    const n = this.size;
    for (let i = 0; i < n; i++) {
      this.set(6, i, i % 2 === 0);
      this.set(i, 6, i % 2 === 0);
    }
    for (const [cx, cy] of [[3, 3], [n - 4, 3], [3, n - 4]]) {
      for (let dy = -4; dy <= 4; dy++) {
        for (let dx = -4; dx <= 4; dx++) {
          const x = cx + dx;
          const y = cy + dy;
          if (x < 0 || y < 0 || x >= n || y >= n) continue;
          const d = Math.max(Math.abs(dx), Math.abs(dy));
          this.set(x, y, d !== 2 && d !== 4);
        }
      }
    }
    const pos = alignmentPositions(this.version);
    for (let i = 0; i < pos.length; i++) {
      for (let j = 0; j < pos.length; j++) {
        const corner = (i === 0 && j === 0) || (i === 0 && j === pos.length - 1) || (i === pos.length - 1 && j === 0);
        if (corner) continue;
        for (let dy = -2; dy <= 2; dy++) {
          for (let dx = -2; dx <= 2; dx++) {
            this.set(pos[i] + dx, pos[j] + dy, Math.max(Math.abs(dx), Math.abs(dy)) !== 1);
          }
        }
      }
    }
    this.formatBits(0); // reserve the format areas (rewritten once the mask is chosen)
    if (this.version >= 7) {
      let rem = this.version;
      for (let i = 0; i < 12; i++) rem = (rem << 1) ^ ((rem >>> 11) * 0x1f25);
      const bits = (this.version << 12) | rem;
      for (let i = 0; i < 18; i++) {
        const bit = ((bits >>> i) & 1) === 1;
        const a = n - 11 + (i % 3);
        const b = Math.floor(i / 3);
        this.set(a, b, bit);
        this.set(b, a, bit);
      }
    }
  };

  Matrix.prototype.formatBits = function (mask) {
    const data = (FORMAT_LEVEL_M << 3) | mask;
    let rem = data;
    for (let i = 0; i < 10; i++) rem = (rem << 1) ^ ((rem >>> 9) * 0x537);
    const bits = ((data << 10) | rem) ^ 0x5412;
    const bit = (i) => ((bits >>> i) & 1) === 1;
    const n = this.size;
    for (let i = 0; i <= 5; i++) this.set(8, i, bit(i));
    this.set(8, 7, bit(6));
    this.set(8, 8, bit(7));
    this.set(7, 8, bit(8));
    for (let i = 9; i < 15; i++) this.set(14 - i, 8, bit(i));
    for (let i = 0; i < 8; i++) this.set(n - 1 - i, 8, bit(i));
    for (let i = 8; i < 15; i++) this.set(8, n - 15 + i, bit(i));
    this.set(8, n - 8, true); // the dark module
  };

  Matrix.prototype.place = function (codewords) {
    const n = this.size;
    let i = 0;
    for (let right = n - 1; right >= 1; right -= 2) {
      if (right === 6) right = 5;
      for (let vert = 0; vert < n; vert++) {
        for (let j = 0; j < 2; j++) {
          const x = right - j;
          const upward = ((right + 1) & 2) === 0;
          const y = upward ? n - 1 - vert : vert;
          if (this.fixed[y][x]) continue;
          if (i < codewords.length * 8) {
            this.dark[y][x] = ((codewords[i >>> 3] >>> (7 - (i & 7))) & 1) === 1;
            i++;
          }
        }
      }
    }
  };

  const MASKS = [
    (x, y) => (x + y) % 2 === 0,
    (x, y) => y % 2 === 0,
    (x) => x % 3 === 0,
    (x, y) => (x + y) % 3 === 0,
    (x, y) => (Math.floor(x / 3) + Math.floor(y / 2)) % 2 === 0,
    (x, y) => ((x * y) % 2) + ((x * y) % 3) === 0,
    (x, y) => (((x * y) % 2) + ((x * y) % 3)) % 2 === 0,
    (x, y) => (((x + y) % 2) + ((x * y) % 3)) % 2 === 0,
  ];

  Matrix.prototype.applyMask = function (mask) {
    const f = MASKS[mask];
    for (let y = 0; y < this.size; y++) {
      for (let x = 0; x < this.size; x++) {
        if (!this.fixed[y][x] && f(x, y)) this.dark[y][x] = !this.dark[y][x];
      }
    }
  };

  Matrix.prototype.penalty = function () {
    const n = this.size;
    const d = this.dark;
    let score = 0;
    const line = (get) => {
      // Rule 1: runs of five or more; rule 3: 1:1:3:1:1 finder-like patterns with 4 light modules.
      let run = 1;
      for (let i = 1; i <= n; i++) {
        if (i < n && get(i) === get(i - 1)) {
          run++;
        } else {
          if (run >= 5) score += 3 + (run - 5);
          run = 1;
        }
      }
      const at = (i) => (i < 0 || i >= n ? false : get(i));
      for (let i = -4; i < n; i++) {
        if (at(i + 4) && !at(i + 5) && at(i + 6) && at(i + 7) && at(i + 8) && !at(i + 9) && at(i + 10)) {
          const before = !at(i) && !at(i + 1) && !at(i + 2) && !at(i + 3);
          const after = !at(i + 11) && !at(i + 12) && !at(i + 13) && !at(i + 14);
          if (before || after) score += 40;
        }
      }
    };
    for (let y = 0; y < n; y++) line((x) => d[y][x]);
    for (let x = 0; x < n; x++) line((y) => d[y][x]);
    let dark = 0;
    for (let y = 0; y < n; y++) {
      for (let x = 0; x < n; x++) {
        if (d[y][x]) dark++;
        if (x < n - 1 && y < n - 1 && d[y][x] === d[y][x + 1] && d[y][x] === d[y + 1][x] && d[y][x] === d[y + 1][x + 1]) {
          score += 3;
        }
      }
    }
    const total = n * n;
    score += (Math.ceil(Math.abs(dark * 20 - total * 10) / total) - 1) * 10;
    return score;
  };

  function encode(text) {
    const { version, data } = codewords(text);
    const all = interleave(version, data);
    let best = null;
    for (let mask = 0; mask < 8; mask++) {
      const m = new Matrix(version);
      m.functionPatterns();
      m.place(all);
      m.applyMask(mask);
      m.formatBits(mask);
      const score = m.penalty();
      if (best === null || score < best.score) best = { score, matrix: m, mask };
    }
    return { version, mask: best.mask, size: best.matrix.size, modules: best.matrix.dark };
  }

  function drawCanvas(canvas, text, scale, border) {
    const qr = encode(text);
    const s = scale || 6;
    const b = border === undefined ? 4 : border;
    const px = (qr.size + 2 * b) * s;
    canvas.width = px;
    canvas.height = px;
    const ctx = canvas.getContext("2d");
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, px, px);
    ctx.fillStyle = "#000";
    for (let y = 0; y < qr.size; y++) {
      for (let x = 0; x < qr.size; x++) if (qr.modules[y][x]) ctx.fillRect((x + b) * s, (y + b) * s, s, s);
    }
    return qr;
  }

  global.SealpostQR = { encode, drawCanvas, EC_PER_BLOCK_M, BLOCKS_M, dataCodewords };
})(typeof window !== "undefined" ? window : globalThis);
