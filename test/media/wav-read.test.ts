import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { isBelayError } from "../../src/errors.js";
import { decodeUlaw, encodeAlaw, encodeUlaw } from "../../src/media/g711.js";
import { readWav, readWavFile } from "../../src/media/wav-read.js";
import { sine, toInt16, toneAmplitude, whiteNoise } from "./signals.js";
import { ascii, buildWav, concat, encodeSamples } from "./wav-builder.js";

const TONE_HZ = 1000;

/** A 1 kHz tone at half scale, 0.5 s, as float samples in [-1, 1]. */
function halfScaleTone(rate: number): Float64Array {
  return sine(TONE_HZ, rate, 0.5, 0.5);
}

function assertHalfScaleTone(pcm8k: Int16Array, toleranceDb = 0.5): void {
  assert.equal(pcm8k.length, 4000);
  const level = toneAmplitude(pcm8k.subarray(200, 3800), TONE_HZ, 8000);
  const errorDb = 20 * Math.log10(level / 16384);
  assert.ok(Math.abs(errorDb) < toleranceDb, `tone level off by ${errorDb.toFixed(2)} dB`);
}

function int16Bytes(pcm: Int16Array): Uint8Array {
  const out = new Uint8Array(pcm.length * 2);
  const view = new DataView(out.buffer);
  for (let i = 0; i < pcm.length; i++) view.setInt16(i * 2, pcm[i] as number, true);
  return out;
}

function assertInvalid(bytes: Uint8Array, pattern: RegExp): void {
  assert.throws(
    () => readWav(bytes),
    (err) => isBelayError(err, "WAV_INVALID") && pattern.test(err.message),
  );
}

describe("readWav: formats", () => {
  test("8 kHz mono 16-bit comes out bit-identical", () => {
    const pcm = toInt16(whiteNoise(8003, -6, 11));
    pcm[0] = -32768;
    pcm[1] = 32767;
    const wav = readWav(
      buildWav({ formatTag: 1, channels: 1, sampleRate: 8000, bitsPerSample: 16, data: int16Bytes(pcm) }),
    );
    assert.deepEqual(wav.pcm8k, pcm);
    assert.deepEqual(
      { rate: wav.sampleRate, channels: wav.channels, bits: wav.bitsPerSample, format: wav.format },
      { rate: 8000, channels: 1, bits: 16, format: "pcm" },
    );
    assert.equal(wav.durationMs, (8003 * 1000) / 8000);
  });

  const pcmCases = [
    { bits: 8, encoding: "u8", tolerance: 0.5 },
    { bits: 16, encoding: "s16", tolerance: 0.1 },
    { bits: 24, encoding: "s24", tolerance: 0.1 },
    { bits: 32, encoding: "s32", tolerance: 0.1 },
  ] as const;
  for (const { bits, encoding, tolerance } of pcmCases) {
    for (const rate of [16000, 44100]) {
      test(`PCM ${bits}-bit at ${rate} Hz`, () => {
        const data = encodeSamples([halfScaleTone(rate)], encoding);
        const wav = readWav(
          buildWav({ formatTag: 1, channels: 1, sampleRate: rate, bitsPerSample: bits, data }),
        );
        assert.equal(wav.format, "pcm");
        assert.equal(wav.bitsPerSample, bits);
        assert.equal(wav.sampleRate, rate);
        assert.equal(wav.durationMs, 500);
        assertHalfScaleTone(wav.pcm8k, tolerance);
      });
    }
  }

  for (const bits of [32, 64] as const) {
    test(`IEEE float ${bits}-bit at 48 kHz`, () => {
      const data = encodeSamples([halfScaleTone(48000)], bits === 32 ? "f32" : "f64");
      const wav = readWav(
        buildWav({ formatTag: 3, channels: 1, sampleRate: 48000, bitsPerSample: bits, data }),
      );
      assert.equal(wav.format, "float");
      assertHalfScaleTone(wav.pcm8k, 0.1);
    });
  }

  test("µ-law and A-law at 8 kHz decode exactly", () => {
    const pcm = toInt16(whiteNoise(800, -12, 4));
    const ulaw = encodeUlaw(pcm);
    const fromUlaw = readWav(
      buildWav({ formatTag: 7, channels: 1, sampleRate: 8000, bitsPerSample: 8, data: ulaw }),
    );
    assert.equal(fromUlaw.format, "ulaw");
    assert.deepEqual(fromUlaw.pcm8k, decodeUlaw(ulaw));
    const alaw = encodeAlaw(pcm);
    const fromAlaw = readWav(
      buildWav({ formatTag: 6, channels: 1, sampleRate: 8000, bitsPerSample: 8, data: alaw }),
    );
    assert.equal(fromAlaw.format, "alaw");
    // Companding error is at most half a step; at -12 dBFS the largest step is 1024.
    for (let i = 0; i < pcm.length; i++)
      assert.ok(Math.abs((fromAlaw.pcm8k[i] as number) - (pcm[i] as number)) <= 512);
  });

  test("µ-law at 16 kHz is decoded, then resampled", () => {
    const tone = toInt16(sine(TONE_HZ, 16000, 0.5, 16384));
    const wav = readWav(
      buildWav({ formatTag: 7, channels: 1, sampleRate: 16000, bitsPerSample: 8, data: encodeUlaw(tone) }),
    );
    assertHalfScaleTone(wav.pcm8k, 0.3);
  });

  const extensibleCases = [
    { subformat: 1, bits: 16, encoding: "s16", format: "pcm" },
    { subformat: 1, bits: 24, encoding: "s24", format: "pcm" },
    { subformat: 3, bits: 32, encoding: "f32", format: "float" },
  ] as const;
  for (const { subformat, bits, encoding, format } of extensibleCases) {
    test(`WAVE_FORMAT_EXTENSIBLE with a ${format} ${bits}-bit sub-format`, () => {
      const data = encodeSamples([halfScaleTone(22050)], encoding);
      const wav = readWav(
        buildWav({
          formatTag: 0,
          extensibleSubformat: subformat,
          channels: 1,
          sampleRate: 22050,
          bitsPerSample: bits,
          data,
        }),
      );
      assert.equal(wav.format, format);
      assertHalfScaleTone(wav.pcm8k, 0.1);
    });
  }

  test("WAVE_FORMAT_EXTENSIBLE with a µ-law sub-format", () => {
    const pcm = toInt16(whiteNoise(400, -12, 8));
    const data = encodeUlaw(pcm);
    const wav = readWav(
      buildWav({
        formatTag: 0,
        extensibleSubformat: 7,
        channels: 1,
        sampleRate: 8000,
        bitsPerSample: 8,
        data,
      }),
    );
    assert.equal(wav.format, "ulaw");
    assert.deepEqual(wav.pcm8k, decodeUlaw(data));
  });

  test("stereo is averaged to mono", () => {
    const left = halfScaleTone(16000);
    const inverted = left.map((v) => -v);
    const silent = new Float64Array(left.length);
    const cancelling = readWav(
      buildWav({
        formatTag: 1,
        channels: 2,
        sampleRate: 16000,
        bitsPerSample: 16,
        data: encodeSamples([left, inverted], "s16"),
      }),
    );
    assert.equal(cancelling.channels, 2);
    assert.ok(Math.max(...cancelling.pcm8k.map(Math.abs)) <= 1);
    const oneSided = readWav(
      buildWav({
        formatTag: 1,
        channels: 2,
        sampleRate: 16000,
        bitsPerSample: 16,
        data: encodeSamples([left, silent], "s16"),
      }),
    );
    const level = toneAmplitude(oneSided.pcm8k.subarray(200, 3800), TONE_HZ, 8000);
    assert.ok(Math.abs(20 * Math.log10(level / 8192)) < 0.1);
  });

  test("stereo 16-bit at 8 kHz averages sample by sample", () => {
    const frames = [
      [1000, 3000],
      [-32768, -32768],
      [32767, 32767],
      [5, 6],
    ];
    const data = int16Bytes(Int16Array.from(frames.flat()));
    const wav = readWav(buildWav({ formatTag: 1, channels: 2, sampleRate: 8000, bitsPerSample: 16, data }));
    assert.deepEqual([...wav.pcm8k], [2000, -32768, 32767, 6]);
  });
});

describe("readWav: file layout", () => {
  const pcm = Int16Array.from([1, -2, 3, -4, 5, -6, 7]);
  const base = { formatTag: 1, channels: 1, sampleRate: 8000, bitsPerSample: 16, data: int16Bytes(pcm) };

  test("skips unknown chunks, including odd-sized ones with their pad byte", () => {
    const wav = readWav(
      buildWav({
        ...base,
        chunksBeforeData: [
          { id: "LIST", body: ascii("INFOISFT\u0005\u0000\u0000\u0000Lavf\u0000") },
          { id: "fact", body: new Uint8Array(4) },
          { id: "odd ", body: new Uint8Array(3) },
        ],
        chunksAfterData: [{ id: "id3 ", body: new Uint8Array(9) }],
      }),
    );
    assert.deepEqual(wav.pcm8k, pcm);
  });

  test("fmt after data is still found", () => {
    const normal = buildWav(base);
    // RIFF header, then data chunk, then fmt chunk.
    const fmt = normal.subarray(12, 12 + 24);
    const data = normal.subarray(36);
    const reordered = concat([normal.subarray(0, 12), data, fmt]);
    assert.deepEqual(readWav(reordered).pcm8k, pcm);
  });

  for (const declared of [0, 0xffffffff]) {
    test(`a data size of 0x${declared.toString(16)} (streamed) means "to the end of the file"`, () => {
      assert.deepEqual(readWav(buildWav({ ...base, declaredDataSize: declared })).pcm8k, pcm);
    });
  }

  test("a trailing partial sample is ignored", () => {
    const bytes = buildWav({ ...base, data: concat([int16Bytes(pcm), new Uint8Array([0x7f])]) });
    assert.deepEqual(readWav(bytes).pcm8k, pcm);
  });
});

describe("readWav: errors a user can act on", () => {
  const valid = buildWav({
    formatTag: 1,
    channels: 1,
    sampleRate: 8000,
    bitsPerSample: 16,
    data: new Uint8Array(320),
  });

  test("empty file", () => assertInvalid(new Uint8Array(0), /empty/));
  test("too short for a header", () => assertInvalid(ascii("RIFF"), /too short/));
  test("not RIFF", () => assertInvalid(ascii("hello, this is plain text"), /not a WAV file.*RIFF header/));
  test("an MP3 file", () => assertInvalid(concat([ascii("ID3"), new Uint8Array(40)]), /MP3/));
  test("RIFF but not WAVE", () =>
    assertInvalid(concat([ascii("RIFF"), new Uint8Array(4), ascii("AVI ")]), /AVI/));

  test("no fmt chunk", () => {
    const noFmt = concat([valid.subarray(0, 12), valid.subarray(36)]);
    assertInvalid(noFmt, /no "fmt " chunk/);
  });

  test("no data chunk", () => assertInvalid(valid.subarray(0, 36), /no "data" chunk/));

  test("MP3 inside a WAV (codec 0x55)", () => {
    const mp3 = buildWav({
      formatTag: 0x55,
      channels: 1,
      sampleRate: 8000,
      bitsPerSample: 0,
      data: new Uint8Array(10),
    });
    assertInvalid(mp3, /unsupported codec 0x0055 \(MP3\).*ffmpeg/);
  });

  test("4 channels", () => {
    const quad = buildWav({
      formatTag: 1,
      channels: 4,
      sampleRate: 8000,
      bitsPerSample: 16,
      data: new Uint8Array(64),
    });
    assertInvalid(quad, /4 channels.*mono or stereo/);
  });

  test("96000 Hz", () => {
    const hiRes = buildWav({
      formatTag: 1,
      channels: 1,
      sampleRate: 96000,
      bitsPerSample: 16,
      data: new Uint8Array(64),
    });
    assertInvalid(hiRes, /96000 Hz.*8000–48000/);
  });

  test("12-bit PCM", () => {
    const odd = buildWav({
      formatTag: 1,
      channels: 1,
      sampleRate: 8000,
      bitsPerSample: 12,
      data: new Uint8Array(64),
    });
    assertInvalid(odd, /12-bit pcm/);
  });

  test("truncated data", () => {
    assertInvalid(valid.subarray(0, valid.length - 100), /truncated.*320 bytes but only 220/);
  });

  test("truncated inside the fmt chunk", () =>
    assertInvalid(valid.subarray(0, 30), /truncated inside its "fmt " chunk/));

  test("a data chunk with no samples", () => {
    const empty = buildWav({
      formatTag: 1,
      channels: 1,
      sampleRate: 8000,
      bitsPerSample: 16,
      data: new Uint8Array(0),
    });
    assertInvalid(empty, /no audio/);
  });

  test("an extensible sub-format that is not a known codec GUID", () => {
    const bytes = buildWav({
      formatTag: 0,
      extensibleSubformat: 1,
      channels: 1,
      sampleRate: 8000,
      bitsPerSample: 16,
      data: new Uint8Array(8),
    });
    bytes[12 + 8 + 24 + 15] = 0x00; // break the GUID's last byte
    assertInvalid(bytes, /unknown codec GUID/);
  });
});

describe("readWavFile", () => {
  test("reads a file, and names it in errors", async () => {
    const dir = await mkdtemp(join(tmpdir(), "belay-wav-"));
    try {
      const pcm = Int16Array.from([10, 20, -30]);
      const good = join(dir, "good.wav");
      await writeFile(
        good,
        buildWav({ formatTag: 1, channels: 1, sampleRate: 8000, bitsPerSample: 16, data: int16Bytes(pcm) }),
      );
      assert.deepEqual((await readWavFile(good)).pcm8k, pcm);

      const bad = join(dir, "bad.wav");
      await writeFile(bad, "not audio");
      await assert.rejects(
        readWavFile(bad),
        (err) => isBelayError(err, "WAV_INVALID") && err.message.includes(bad),
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
