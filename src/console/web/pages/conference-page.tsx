import { useEffect, useState } from "preact/hooks";
import { getJson, rest } from "../api.js";
import { liveCalls } from "../live.js";
import type { RecordingResult } from "../types.js";
import { ErrorLine, StatusBadge, when } from "../widgets.js";

interface Conference {
  conferenceId: string;
  alias: string | null;
  status: string;
  playBeep: string;
  record: boolean;
  dateCreated: string;
}

interface Participant {
  callId: string;
  talk: boolean;
  listen: boolean;
  startConfOnEnter: boolean;
}

/** One conference: its state, who is in it now (each linked to their call), and its recordings. */
export function ConferencePage({ conferenceId }: { conferenceId: string }) {
  const [conference, setConference] = useState<Conference | null>(null);
  const [participants, setParticipants] = useState<Participant[]>([]);
  const [recordings, setRecordings] = useState<RecordingResult[]>([]);
  const [error, setError] = useState<string | null>(null);
  // A call joining or leaving changes its status only sometimes: any call change reloads this page's lists.
  const changes = liveCalls.value.size;
  useEffect(() => {
    getJson<Conference>(rest(`Conferences/${conferenceId}`))
      .then(setConference)
      .catch((err: Error) => setError(err.message));
    getJson<{ participants: Participant[] }>(rest(`Conferences/${conferenceId}/Participants`))
      .then((page) => setParticipants(page.participants))
      .catch(() => undefined);
    getJson<{ recordings: RecordingResult[] }>(rest(`Conferences/${conferenceId}/Recordings`))
      .then((page) => setRecordings(page.recordings))
      .catch(() => undefined);
  }, [conferenceId, changes]);
  return (
    <section>
      <header class="page-head">
        <h1>
          Conference <code>{conferenceId}</code>
        </h1>
        {conference && <StatusBadge status={conference.status} />}
      </header>
      <ErrorLine error={error} />
      {conference && (
        <dl class="facts" data-testid="conference">
          <dt>Alias</dt>
          <dd>{conference.alias ?? ""}</dd>
          <dt>Created</dt>
          <dd>{when(conference.dateCreated)}</dd>
          <dt>Beep</dt>
          <dd>{conference.playBeep}</dd>
          <dt>Recorded</dt>
          <dd>{conference.record ? "yes" : "no"}</dd>
        </dl>
      )}
      <h2>In the conference now</h2>
      {participants.length === 0 ? (
        <p class="empty">Nobody.</p>
      ) : (
        <table class="list" data-testid="participants">
          <thead>
            <tr>
              <th>Call</th>
              <th>Talks</th>
              <th>Listens</th>
            </tr>
          </thead>
          <tbody>
            {participants.map((p) => (
              <tr key={p.callId}>
                <td>
                  <a href={`#/calls/${p.callId}`}>
                    <code>{p.callId}</code>
                  </a>
                </td>
                <td>{p.talk ? "yes" : "muted"}</td>
                <td>{p.listen ? "yes" : "deaf"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {recordings.length > 0 && (
        <>
          <h2>Recordings</h2>
          <ul>
            {recordings.map((rec) => (
              <li key={rec.recordingId}>
                <a href={`#/recordings/${rec.recordingId}`}>
                  <code>{rec.recordingId}</code>
                </a>{" "}
                {rec.durationSec} s
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
