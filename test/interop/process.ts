/**
 * External peers as child processes that cannot outlive their test: each has a hard deadline
 * (SIGKILL), output kept for failure messages, and every live one is killed when the test process
 * exits, however it exits.
 */
import { type ChildProcess, spawn } from "node:child_process";

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The process ran past its deadline and was killed. */
  timedOut: boolean;
  stdout: string;
  stderr: string;
}

export interface Bounded {
  readonly pid: number | undefined;
  readonly child: ChildProcess;
  /** Resolves when the process has exited (never rejects; a spawn failure is code null with stderr). */
  readonly exited: Promise<Exit>;
  /** Output so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves when stdout or stderr (both kept) has matched `pattern`; rejects if the process exits first. */
  waitForOutput(pattern: RegExp, what: string): Promise<void>;
  /** Resolves when `check` holds, tried on every chunk of output; rejects if the process exits first. */
  waitUntil(check: () => boolean, what: string): Promise<void>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves on exit. */
  stop(graceMs?: number): Promise<Exit>;
}

const live = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of live) child.kill("SIGKILL");
});

/** Keeps the last `limit` characters: peers print status lines for as long as they run. */
function tailBuffer(limit: number) {
  let text = "";
  return {
    add(chunk: string) {
      text += chunk;
      if (text.length > 2 * limit) text = text.slice(-limit);
    },
    get: () => (text.length > limit ? `…${text.slice(-limit)}` : text),
  };
}

export function startBounded(
  command: string,
  args: string[],
  options: { cwd?: string; deadlineMs: number; outputLimit?: number; env?: NodeJS.ProcessEnv },
): Bounded {
  const child = spawn(command, args, {
    cwd: options.cwd,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...(options.env ?? process.env), LANG: "C" },
  });
  live.add(child);
  const out = tailBuffer(options.outputLimit ?? 64 * 1024);
  const err = tailBuffer(options.outputLimit ?? 64 * 1024);
  const listeners = new Set<() => void>();
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
    out.add(chunk);
    for (const listener of listeners) listener();
  });
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    err.add(chunk);
    for (const listener of listeners) listener();
  });
  let timedOut = false;
  const deadline = setTimeout(() => {
    timedOut = true;
    child.kill("SIGKILL");
  }, options.deadlineMs);
  const exited = new Promise<Exit>((resolve) => {
    const finish = (code: number | null, signal: NodeJS.Signals | null) => {
      clearTimeout(deadline);
      live.delete(child);
      for (const listener of listeners) listener();
      resolve({ code, signal, timedOut, stdout: out.get(), stderr: err.get() });
    };
    child.once("error", (error) => {
      err.add(`\nspawn ${command}: ${error.message}`);
      finish(null, null);
    });
    child.once("close", finish);
  });
  let done = false;
  void exited.then(() => {
    done = true;
  });
  return {
    pid: child.pid,
    child,
    exited,
    stdout: () => out.get(),
    stderr: () => err.get(),
    waitForOutput(pattern, what) {
      return this.waitUntil(() => pattern.test(out.get()) || pattern.test(err.get()), what);
    },
    waitUntil(holds, what) {
      return new Promise<void>((resolve, reject) => {
        const check = () => {
          if (holds()) {
            listeners.delete(check);
            resolve();
          } else if (done || child.exitCode !== null || child.signalCode !== null) {
            listeners.delete(check);
            reject(
              new Error(
                `${command} exited before ${what}:\n${out.get().slice(-3000)}\n${err.get().slice(-3000)}`,
              ),
            );
          }
        };
        listeners.add(check);
        check();
      });
    },
    async stop(graceMs = 2000) {
      if (!done) {
        child.kill("SIGTERM");
        const kill = setTimeout(() => child.kill("SIGKILL"), graceMs);
        const exit = await exited;
        clearTimeout(kill);
        return exit;
      }
      return exited;
    },
  };
}

/** Fails if `work` has not settled within `ms`: every wait on a peer or a webhook is bounded. */
export async function within<T>(ms: number, what: string | (() => string), work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const described = typeof what === "string" ? what : what();
      reject(new Error(`timed out after ${ms} ms waiting for ${described}`));
    }, ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
