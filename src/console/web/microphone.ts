/**
 * Records the microphone for the caller's voice: MediaRecorder captures what the browser encodes
 * (WebM/Opus in Chromium), the browser's own decoder turns it back into samples, and those are
 * written as a 16-bit mono WAV at the capture's rate (Belay converts it to 8 kHz).
 */
export class MicrophoneRecording {
  private readonly chunks: Blob[] = [];

  private constructor(
    private readonly stream: MediaStream,
    private readonly recorder: MediaRecorder,
  ) {
    recorder.ondataavailable = (event) => this.chunks.push(event.data);
    recorder.start();
  }

  /** Asks for the microphone (the browser prompts) and starts recording. */
  static async start(): Promise<MicrophoneRecording> {
    if (!navigator.mediaDevices?.getUserMedia)
      throw new Error("this browser offers no microphone here (it needs https or localhost)");
    const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    return new MicrophoneRecording(stream, new MediaRecorder(stream));
  }

  /** Stops, releases the microphone, and returns the recording as WAV bytes and its length. */
  async stop(): Promise<{ wav: Uint8Array; seconds: number }> {
    const stopped = new Promise<void>((resolve) => {
      this.recorder.onstop = () => resolve();
    });
    this.recorder.stop();
    await stopped;
    for (const track of this.stream.getTracks()) track.stop();
    const context = new AudioContext();
    try {
      const audio = await context.decodeAudioData(await new Blob(this.chunks).arrayBuffer());
      return { wav: wavOf(audio.getChannelData(0), audio.sampleRate), seconds: audio.duration };
    } finally {
      await context.close();
    }
  }
}

function wavOf(samples: Float32Array, rate: number): Uint8Array {
  const bytes = new Uint8Array(44 + samples.length * 2);
  const view = new DataView(bytes.buffer);
  const text = (at: number, value: string) => {
    for (let i = 0; i < value.length; i++) bytes[at + i] = value.charCodeAt(i);
  };
  text(0, "RIFF");
  view.setUint32(4, 36 + samples.length * 2, true);
  text(8, "WAVE");
  text(12, "fmt ");
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true); // PCM
  view.setUint16(22, 1, true); // mono
  view.setUint32(24, rate, true);
  view.setUint32(28, rate * 2, true);
  view.setUint16(32, 2, true);
  view.setUint16(34, 16, true);
  text(36, "data");
  view.setUint32(40, samples.length * 2, true);
  for (let i = 0; i < samples.length; i++) {
    const clamped = Math.max(-1, Math.min(1, samples[i] as number));
    view.setInt16(44 + i * 2, Math.round(clamped * 32767), true);
  }
  return bytes;
}
