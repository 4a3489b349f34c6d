#!/usr/bin/env node
// Regenerates the small binary fixtures that are committed to this example:
//   public/favicon.ico, public/logo192.png, src/assets/logo.png,
//   src/assets/fonts/cruddur-sans.woff2
// Only Node built-ins are used. The output is deterministic, but the build
// does NOT run this script: the generated files are committed so that a
// build never depends on the local zlib version.
//
// Usage: node scripts/generate-binary-assets.mjs
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';

const appDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const byte of buf) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

// Cruddur-ish badge: a filled circle with a ring, RGBA.
function pixel(x, y, size) {
  const r = size / 2;
  const d = Math.hypot(x + 0.5 - r, y + 0.5 - r);
  if (d > r - 0.5) return [0, 0, 0, 0];
  if (d > r * 0.78) return [0x9b, 0x4d, 0xff, 0xff]; // ring (purple)
  if (d < r * 0.32) return [0xff, 0xff, 0xff, 0xff]; // centre dot (white)
  return [0x1b, 0x15, 0x30, 0xff]; // body (dark)
}

function png(size) {
  const raw = Buffer.alloc((size * 4 + 1) * size);
  let o = 0;
  for (let y = 0; y < size; y++) {
    raw[o++] = 0; // filter type: None
    for (let x = 0; x < size; x++) for (const v of pixel(x, y, size)) raw[o++] = v;
  }
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(td));
    return Buffer.concat([len, td, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // colour type RGBA
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

// Classic 16x16 32bpp BMP-in-ICO (1150 bytes).
function ico() {
  const size = 16;
  const dir = Buffer.alloc(6 + 16);
  const xorLen = size * size * 4;
  const andLen = size * 4; // 16 bits per row padded to 32 bits
  const bmpLen = 40 + xorLen + andLen;
  dir.writeUInt16LE(0, 0); // reserved
  dir.writeUInt16LE(1, 2); // type: icon
  dir.writeUInt16LE(1, 4); // count
  dir[6] = size;
  dir[7] = size;
  dir[8] = 0; // palette size
  dir[9] = 0; // reserved
  dir.writeUInt16LE(1, 10); // planes
  dir.writeUInt16LE(32, 12); // bpp
  dir.writeUInt32LE(bmpLen, 14);
  dir.writeUInt32LE(22, 18); // offset
  const bih = Buffer.alloc(40);
  bih.writeUInt32LE(40, 0);
  bih.writeInt32LE(size, 4);
  bih.writeInt32LE(size * 2, 8); // XOR + AND masks
  bih.writeUInt16LE(1, 12);
  bih.writeUInt16LE(32, 14);
  bih.writeUInt32LE(0, 16); // BI_RGB
  bih.writeUInt32LE(xorLen + andLen, 20);
  const xor = Buffer.alloc(xorLen);
  let o = 0;
  for (let y = size - 1; y >= 0; y--) {
    for (let x = 0; x < size; x++) {
      const [r, g, b, a] = pixel(x, y, size);
      xor[o++] = b;
      xor[o++] = g;
      xor[o++] = r;
      xor[o++] = a;
    }
  }
  return Buffer.concat([dir, bih, xor, Buffer.alloc(andLen)]);
}

// A WOFF2-shaped blob: a well-formed 48-byte WOFF2 header followed by
// deterministic filler bytes. It is NOT a usable font (browsers fall back to
// the next font in the stack); it only exists so deploys have to handle a
// binary font/woff2 object.
function woff2() {
  const payload = [];
  let block = Buffer.from('cruddur-sans');
  while (payload.length * 16 < 464) {
    block = createHash('md5').update(block).digest();
    payload.push(block);
  }
  const body = Buffer.concat(payload);
  const header = Buffer.alloc(48);
  header.write('wOF2', 0, 'ascii');
  header.writeUInt32BE(0x00010000, 4); // flavor: TrueType
  header.writeUInt32BE(48 + body.length, 8); // length
  header.writeUInt16BE(0, 12); // numTables
  header.writeUInt16BE(0, 14); // reserved
  header.writeUInt32BE(12, 16); // totalSfntSize
  header.writeUInt32BE(body.length, 20); // totalCompressedSize
  header.writeUInt16BE(1, 24); // majorVersion
  header.writeUInt16BE(0, 26); // minorVersion
  return Buffer.concat([header, body]);
}

const outputs = {
  'public/favicon.ico': ico(),
  'public/logo192.png': png(192),
  'src/assets/logo.png': png(32),
  'src/assets/fonts/cruddur-sans.woff2': woff2(),
};
for (const [rel, bytes] of Object.entries(outputs)) {
  const file = path.join(appDir, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, bytes);
  console.log(`${String(bytes.length).padStart(6)} B  ${rel}`);
}
