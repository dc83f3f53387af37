import { useEffect, useRef, useState } from "preact/hooks";
import { MicrophoneRecording } from "./microphone.js";

/** Record / Stop, the time recorded so far, then the take (used instead of a WAV file) or discard. */
export function MicrophoneField({ onTake }: { onTake: (wav: Uint8Array | null) => void }) {
  const recording = useRef<MicrophoneRecording | null>(null);
  const [startedAt, setStartedAt] = useState<number | null>(null);
  const [elapsedMs, setElapsedMs] = useState(0);
  const [take, setTake] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (startedAt === null) return;
    const timer = setInterval(() => setElapsedMs(Date.now() - startedAt), 100);
    return () => clearInterval(timer);
  }, [startedAt]);
  const start = async () => {
    setError(null);
    try {
      recording.current = await MicrophoneRecording.start();
      setElapsedMs(0);
      setStartedAt(Date.now());
    } catch (err) {
      setError(`microphone: ${(err as Error).message}`);
    }
  };
  const stop = async () => {
    const current = recording.current;
    recording.current = null;
    setStartedAt(null);
    if (!current) return;
    try {
      const { wav, seconds } = await current.stop();
      setTake(seconds);
      onTake(wav);
    } catch (err) {
      setError(`microphone: ${(err as Error).message}`);
    }
  };
  return (
    <div class="microphone" data-testid="microphone">
      {startedAt !== null ? (
        <>
          <span class="live on" data-testid="mic-elapsed" data-ms={elapsedMs}>
            Recording {(elapsedMs / 1000).toFixed(1)} s
          </span>
          <button type="button" class="secondary" onClick={stop}>
            Stop
          </button>
        </>
      ) : take !== null ? (
        <>
          <span data-testid="mic-take">Microphone take: {take.toFixed(1)} s, used as the caller's voice</span>
          <button
            type="button"
            class="link"
            onClick={() => {
              setTake(null);
              onTake(null);
            }}
          >
            Discard
          </button>
        </>
      ) : (
        <button type="button" class="secondary" onClick={start}>
          Record from the microphone
        </button>
      )}
      {error && (
        <span class="error" role="alert">
          {error}
        </span>
      )}
    </div>
  );
}
