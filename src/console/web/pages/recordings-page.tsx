import { useEffect, useState } from "preact/hooks";
import { del, getJson, postJson, rest } from "../api.js";
import { go } from "../router.js";
import type { RecordingResult } from "../types.js";
import { wavSamples } from "../wav-samples.js";
import { Waveform } from "../waveform.js";
import { ErrorLine, when } from "../widgets.js";

/** The account's recordings; one of them open with its player, waveform and webhook fields. */
export function RecordingsPage({ selected }: { selected: string | undefined }) {
  const [recordings, setRecordings] = useState<RecordingResult[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [version, setVersion] = useState(0);
  useEffect(() => {
    getJson<{ recordings: RecordingResult[] }>(rest("Recordings?pageSize=100"))
      .then((page) => setRecordings(page.recordings))
      .catch((err: Error) => setError(err.message));
  }, [version]);
  return (
    <section>
      <header class="page-head">
        <h1>Recordings</h1>
      </header>
      <ErrorLine error={error} />
      {selected && (
        <RecordingDetail
          key={selected}
          recordingId={selected}
          onDeleted={() => {
            setVersion(version + 1);
            go("/recordings");
          }}
        />
      )}
      <table class="list" data-testid="recordings">
        <thead>
          <tr>
            <th>Recording</th>
            <th>Call</th>
            <th>Length</th>
            <th>Made</th>
          </tr>
        </thead>
        <tbody>
          {recordings.map((rec) => (
            <tr key={rec.recordingId} class={rec.recordingId === selected ? "selected" : ""}>
              <td>
                <a href={`#/recordings/${rec.recordingId}`}>
                  <code>{rec.recordingId}</code>
                </a>
              </td>
              <td>
                <a href={`#/calls/${rec.callId}`}>
                  <code>{rec.callId}</code>
                </a>
              </td>
              <td>{rec.durationSec} s</td>
              <td>{when(rec.dateCreated)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {recordings.length === 0 && <p class="empty">No recordings yet.</p>}
    </section>
  );
}

interface RecordLog {
  message: string;
  metadata: Record<string, unknown> | null;
}

function RecordingDetail({ recordingId, onDeleted }: { recordingId: string; onDeleted: () => void }) {
  const [recording, setRecording] = useState<RecordingResult | null>(null);
  const [samples, setSamples] = useState<Int16Array | null>(null);
  const [webhook, setWebhook] = useState<Record<string, unknown> | null>(null);
  const [link, setLink] = useState<{ url: string; expiresAt: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const audio = rest(`Recordings/${recordingId}`);
  useEffect(() => {
    getJson<RecordingResult>(audio)
      .then((rec) => {
        setRecording(rec);
        // The call's log keeps what the record webhook announced: size, length, why it stopped.
        return getJson<{ logs: RecordLog[] }>(rest(`Calls/${rec.callId}/Logs`));
      })
      .then((page) =>
        setWebhook(page.logs.find((log) => log.metadata?.recordingId === recordingId)?.metadata ?? null),
      )
      .catch((err: Error) => setError(err.message));
    fetch(`${audio}/Download`, { credentials: "same-origin" })
      .then((response) => response.arrayBuffer())
      .then((buffer) => setSamples(wavSamples(buffer)))
      .catch((err: Error) => setError(`waveform: ${err.message}`));
  }, [recordingId]);
  return (
    <div class="card recording" data-testid="recording-detail">
      <h2>
        <code>{recordingId}</code>
      </h2>
      <ErrorLine error={error} />
      <Waveform samples={samples} />
      {/* biome-ignore lint/a11y/useMediaCaption: a caller's recording has no captions to offer */}
      <audio controls preload="metadata" src={`${audio}/Stream`} data-testid="player" />
      {recording && (
        <dl class="facts">
          <dt>Call</dt>
          <dd>
            <a href={`#/calls/${recording.callId}`}>
              <code>{recording.callId}</code>
            </a>
          </dd>
          <dt>Length</dt>
          <dd>{recording.durationSec} s</dd>
          <dt>Made</dt>
          <dd>{when(recording.dateCreated)}</dd>
          {webhook &&
            Object.entries(webhook).map(([key, value]) => (
              <>
                <dt key={`k-${key}`}>{key}</dt>
                <dd key={`v-${key}`}>{String(value)}</dd>
              </>
            ))}
        </dl>
      )}
      <div class="actions">
        <a class="button" href={`${audio}/Download`} download={`${recordingId}.wav`}>
          Download
        </a>
        <button
          type="button"
          class="secondary"
          onClick={() =>
            postJson<{ url: string; expiresAt: string }>(`${audio}/Links`, { expiresInSec: 86_400 })
              .then(setLink)
              .catch((err: Error) => setError(err.message))
          }
        >
          Share link
        </button>
        <button
          type="button"
          class="danger"
          onClick={() => {
            if (confirm(`Delete ${recordingId}? This cannot be undone.`))
              del(audio)
                .then(onDeleted)
                .catch((err: Error) => setError(err.message));
          }}
        >
          Delete
        </button>
      </div>
      {link && (
        <p class="share" data-testid="share-link">
          Anyone with this link can download the recording until {when(link.expiresAt)}:{" "}
          <input readOnly value={link.url} onFocus={(e) => e.currentTarget.select()} />
        </p>
      )}
    </div>
  );
}
