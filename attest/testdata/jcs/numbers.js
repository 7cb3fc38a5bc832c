// Usage: node gen.js COUNT SEED > file. Lines: <IEEE-754 hex> <Number.prototype.toString>
const n = +process.argv[2]; let s = BigInt(process.argv[3]);
function next() { s ^= s << 13n; s &= (1n<<64n)-1n; s ^= s >> 7n; s ^= s << 17n; s &= (1n<<64n)-1n; return s; }
const b = Buffer.alloc(8);
let out = [];
for (let i = 0; i < n; i++) {
  const r = next(); let x;
  switch (i % 4) {
    case 0: b.writeBigUInt64BE(r); x = b.readDoubleBE(0); break;                 // any bit pattern
    case 1: x = Number(r >> (r % 64n)); if (r & 1n) x = -x; break;               // integers of every size
    case 2: { const d = Number(r % 100000000n); const e = Number((r >> 32n) % 61n) - 30; x = d * Math.pow(10, e); break; }
    case 3: { b.writeBigUInt64BE((r & 0x000fffffffffffffn) | (BigInt(1023 + Number((r >> 52n) % 160n) - 80) << 52n)); x = b.readDoubleBE(0); break; } // near 1, wide exponents
  }
  if (!Number.isFinite(x)) continue;
  b.writeDoubleBE(x); out.push(b.toString("hex") + " " + String(x));
  if (out.length >= 10000) { console.log(out.join("\n")); out = []; }
}
if (out.length) console.log(out.join("\n"));
