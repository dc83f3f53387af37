import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  emptyHeader,
  isRtcp,
  parseRtp,
  readCsrcs,
  serializeRtp,
  writeRtpHeader,
} from "../../src/legs/sip/rtp/packet.js";

describe("RTP header", () => {
  test("a plain header, byte for byte (RFC 3550 §5.1)", () => {
    const data = serializeRtp({
      payloadType: 8,
      sequence: 0xabcd,
      timestamp: 0xdeadbeef,
      ssrc: 0x01020304,
      marker: true,
      payload: Uint8Array.of(1, 2, 3),
    });
    assert.deepEqual([...data], [0x80, 0x88, 0xab, 0xcd, 0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 1, 2, 3]);
    const h = emptyHeader();
    assert.equal(parseRtp(data, h), "ok");
    assert.equal(h.marker, true);
    assert.equal(h.payloadType, 8);
    assert.equal(h.sequence, 0xabcd);
    assert.equal(h.timestamp, 0xdeadbeef);
    assert.equal(h.ssrc, 0x01020304);
    assert.equal(h.payloadOffset, 12);
    assert.equal(h.payloadLength, 3);
  });

  test("CSRCs, a header extension and padding are skipped to find the payload", () => {
    const payload = Uint8Array.from({ length: 160 }, (_, i) => i);
    const data = serializeRtp({
      payloadType: 0,
      sequence: 1,
      timestamp: 2,
      ssrc: 3,
      csrc: [0x11111111, 0x22222222, 0xffffffff],
      extension: { profile: 0xbede, data: Uint8Array.of(0x10, 0xaa, 0, 0, 0x21, 1, 2, 0) },
      padding: 7,
      payload,
    });
    assert.equal(data[0], 0x80 | 0x20 | 0x10 | 3);
    assert.equal(data.length, 12 + 12 + 4 + 8 + 160 + 7);
    const h = emptyHeader();
    assert.equal(parseRtp(data, h), "ok");
    assert.equal(h.csrcCount, 3);
    assert.deepEqual(readCsrcs(data, h), [0x11111111, 0x22222222, 0xffffffff]);
    assert.equal(h.extensionProfile, 0xbede);
    assert.equal(h.extensionBytes, 8);
    assert.equal(h.paddingBytes, 7);
    assert.equal(h.payloadOffset, 36);
    assert.deepEqual(data.subarray(h.payloadOffset, h.payloadOffset + h.payloadLength), Buffer.from(payload));
  });

  test("the fast writer matches the general serializer", () => {
    const buf = new Uint8Array(12);
    writeRtpHeader(buf, 101, false, 65535, 4294967295, 7);
    assert.deepEqual(
      Buffer.from(buf),
      serializeRtp({
        payloadType: 101,
        sequence: 65535,
        timestamp: 4294967295,
        ssrc: 7,
        payload: new Uint8Array(0),
      }),
    );
  });

  test("malformed headers are result codes, never exceptions", () => {
    const h = emptyHeader();
    const cases: Array<[string, number[]]> = [
      ["short", []],
      ["short", [0x80, 0, 0]],
      ["short", [0x80, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0]],
      ["version", [0x40, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1]],
      ["version", [0xc0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1]],
      ["csrc", [0x82, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1]],
      ["extension", [0x90, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0xbe]],
      ["extension", [0x90, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0xbe, 0xde, 0, 2, 0, 0, 0, 0]],
      ["padding", [0xa0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 5, 0]],
      ["padding", [0xa0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 5, 9]],
      ["rtcp", [0x80, 200, 0, 6, 0, 0, 0, 1]],
      ["rtcp", [0x81, 201, 0, 7, 0, 0, 0, 1]],
      ["rtcp", [0x81, 204, 0, 2, 0, 0, 0, 1, 0, 0, 0, 0]],
    ];
    for (const [expected, bytes] of cases)
      assert.equal(parseRtp(Uint8Array.from(bytes), h), expected, `${bytes}`);
  });

  test("padding that takes the whole payload leaves an empty one", () => {
    const data = serializeRtp({
      payloadType: 0,
      sequence: 1,
      timestamp: 1,
      ssrc: 1,
      padding: 4,
      payload: new Uint8Array(0),
    });
    const h = emptyHeader();
    assert.equal(parseRtp(data, h), "ok");
    assert.equal(h.payloadLength, 0);
  });

  test("RTCP is told from RTP by its packet type 200-204; RTP with the marker bit is not RTCP", () => {
    assert.equal(isRtcp(Uint8Array.of(0x80, 200)), true);
    assert.equal(isRtcp(Uint8Array.of(0x80, 204)), true);
    assert.equal(isRtcp(Uint8Array.of(0x80, 0x80)), false); // PCMU with marker
    assert.equal(isRtcp(Uint8Array.of(0x80, 0x80 | 101)), false); // telephone-event with marker
    assert.equal(isRtcp(Uint8Array.of(0x80)), false);
  });

  test("the serializer refuses what cannot be encoded", () => {
    const base = { payloadType: 0, sequence: 0, timestamp: 0, ssrc: 0, payload: new Uint8Array(1) };
    assert.throws(() => serializeRtp({ ...base, csrc: new Array(16).fill(1) }), RangeError);
    assert.throws(
      () => serializeRtp({ ...base, extension: { profile: 1, data: new Uint8Array(3) } }),
      RangeError,
    );
    assert.throws(() => serializeRtp({ ...base, padding: 256 }), RangeError);
  });

  test("any bytes at all parse to a code without throwing", () => {
    const h = emptyHeader();
    let x = 7;
    for (let i = 0; i < 5000; i++) {
      const data = new Uint8Array(i % 64);
      for (let j = 0; j < data.length; j++) {
        x = (x * 1103515245 + 12345) & 0x7fffffff;
        data[j] = x >> 16;
      }
      if (data.length) data[0] = 0x80 | ((data[0] as number) & 0x3f);
      const result = parseRtp(data, h);
      if (result === "ok") {
        assert.ok(
          h.payloadOffset + h.payloadLength <= data.length,
          "h.payloadOffset + h.payloadLength <= data.length",
        );
        assert.ok(h.payloadLength >= 0, "h.payloadLength >= 0");
      }
    }
  });
});
