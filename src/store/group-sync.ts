import { type FileHandle, open } from "node:fs/promises";

/**
 * fsyncs one file on the thread pool, shared between callers: everyone who asks while no sync
 * runs shares the next one, and everyone who asks while one runs shares the one after (it may
 * have started before their write). So N commits in quick succession cost two fsyncs, not N, and
 * none of them blocks the event loop (a synchronous fsync there held it for 0.3 ms or more).
 */
export class GroupSync {
  private running: Promise<void> | undefined;
  private next: Promise<void> | undefined;

  constructor(private readonly fsync: () => Promise<void>) {}

  /** Resolves once everything written to the file before this call is on disk. */
  sync(): Promise<void> {
    const running = this.running;
    if (running === undefined) return this.start();
    this.next ??= running.then(
      () => this.startNext(),
      () => this.startNext(),
    );
    return this.next;
  }

  private startNext(): Promise<void> {
    this.next = undefined;
    return this.start();
  }

  private start(): Promise<void> {
    const run = this.fsync().finally(() => {
      if (this.running === run) this.running = undefined;
    });
    this.running = run;
    return run;
  }
}

/** A GroupSync for the file at `path`, opened on first use and kept open until close(). */
export function fileGroupSync(path: string): { sync(): Promise<void>; close(): Promise<void> } {
  let handle: Promise<FileHandle> | undefined;
  const group = new GroupSync(async () => {
    handle ??= open(path, "r").catch((err: unknown) => {
      handle = undefined;
      throw err;
    });
    await (await handle).sync();
  });
  return {
    sync: () => group.sync(),
    async close() {
      const opened = handle;
      handle = undefined;
      if (opened) await (await opened.catch(() => undefined))?.close();
    },
  };
}
