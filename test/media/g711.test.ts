import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  alawDecode,
  alawEncode,
  decodeAlaw,
  decodeUlaw,
  encodeAlaw,
  encodeUlaw,
  ulawDecode,
  ulawEncode,
} from "../../src/media/g711.js";

describe("G.711 µ-law", () => {
  test("known values from ITU-T G.711", () => {
    assert.equal(ulawDecode(0xff), 0);
    assert.equal(ulawDecode(0x7f), 0); // negative zero
    assert.equal(ulawDecode(0x80), 32124);
    assert.equal(ulawDecode(0x00), -32124);
    assert.equal(ulawDecode(0xfe), 8);
    assert.equal(ulawDecode(0x7e), -8);
    assert.equal(ulawEncode(0), 0xff);
    assert.equal(ulawEncode(32767), 0x80);
    assert.equal(ulawEncode(-32768), 0x00);
  });

  test("encode(decode(code)) returns every code but negative zero", () => {
    for (let code = 0; code < 256; code++) {
      const expected = code === 0x7f ? 0xff : code;
      assert.equal(ulawEncode(ulawDecode(code)), expected, `code 0x${code.toString(16)}`);
    }
  });

  test("decoding is odd-symmetric and monotonic", () => {
    for (let code = 0; code < 128; code++) assert.equal(ulawDecode(code) + ulawDecode(code | 0x80), 0);
    for (let code = 0x80; code < 0xff; code++) assert.ok(ulawDecode(code) > ulawDecode(code + 1));
  });

  test("every sample encodes to its nearest-or-adjacent level, within the segment's step", () => {
    for (let sample = -32768; sample <= 32767; sample += 7) {
      const decoded = ulawDecode(ulawEncode(sample));
      const clipped = Math.max(-32124, Math.min(32124, sample));
      const step = Math.abs(clipped) < 256 ? 16 : Math.abs(clipped) / 8;
      assert.ok(Math.abs(decoded - clipped) <= step, `${sample} → ${decoded}`);
    }
  });

  test("buffer versions match the scalar ones and reuse an output buffer", () => {
    const pcm = Int16Array.from({ length: 320 }, (_, i) => Math.round(30000 * Math.sin(i / 7)));
    const encoded = encodeUlaw(pcm);
    assert.deepEqual([...encoded], [...pcm].map(ulawEncode));
    const out = new Int16Array(320);
    assert.equal(decodeUlaw(encoded, out), out);
    assert.deepEqual([...out], [...encoded].map(ulawDecode));
  });
});

describe("G.711 A-law", () => {
  test("known values from ITU-T G.711", () => {
    assert.equal(alawDecode(0xd5), 8);
    assert.equal(alawDecode(0x55), -8);
    assert.equal(alawDecode(0xaa), 32256);
    assert.equal(alawDecode(0x2a), -32256);
    assert.equal(alawEncode(8), 0xd5);
    assert.equal(alawEncode(0), 0xd5);
    assert.equal(alawEncode(-1), 0x55);
    assert.equal(alawEncode(32767), 0xaa);
    assert.equal(alawEncode(-32768), 0x2a);
  });

  test("encode(decode(code)) returns every code", () => {
    for (let code = 0; code < 256; code++) assert.equal(alawEncode(alawDecode(code)), code);
  });

  test("buffer versions match the scalar ones", () => {
    const pcm = Int16Array.from({ length: 160 }, (_, i) => (i - 80) * 409);
    const encoded = encodeAlaw(pcm);
    assert.deepEqual([...encoded], [...pcm].map(alawEncode));
    assert.deepEqual([...decodeAlaw(encoded)], [...encoded].map(alawDecode));
  });

  test("scalar encoders clamp out-of-range and fractional input", () => {
    assert.equal(alawEncode(1e6), alawEncode(32767));
    assert.equal(ulawEncode(-1e6), ulawEncode(-32768));
    assert.equal(ulawEncode(1000.4), ulawEncode(1000));
  });
});
