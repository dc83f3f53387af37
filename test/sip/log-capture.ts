import pino, { type Logger } from "pino";

export type LogLine = Record<string, unknown>;

/** A pino logger whose JSON lines a test reads, and waits for, as they are written. */
export class LogCapture {
  readonly lines: LogLine[] = [];
  readonly logger: Logger;
  private readonly waiters = new Set<() => void>();

  constructor(level = "info") {
    this.logger = pino(
      { level },
      {
        write: (line: string) => {
          this.lines.push(JSON.parse(line) as LogLine);
          for (const wake of [...this.waiters]) wake();
        },
      },
    );
  }

  /** The first line `match` accepts, written already or within `timeoutMs`. */
  line(match: (line: LogLine) => boolean, timeoutMs = 5000, what = "a log line"): Promise<LogLine> {
    const found = this.lines.find(match);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(wake);
        const seen = this.lines.map((l) => String(l.msg)).join(" | ");
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; logged: ${seen}`));
      }, timeoutMs);
      const wake = () => {
        const line = this.lines.find(match);
        if (!line) return;
        clearTimeout(timer);
        this.waiters.delete(wake);
        resolve(line);
      };
      this.waiters.add(wake);
    });
  }
}
