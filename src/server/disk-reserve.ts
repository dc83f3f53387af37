import { randomFillSync } from "node:crypto";
import { rmSync } from "node:fs";
import { open, rm, stat } from "node:fs/promises";
import { isDiskFullError } from "../errors.js";

const WRITE_BYTES = 1024 * 1024;

/**
 * Space held back in a file of its own (ballast) while the disk has room, and given up the moment
 * a write finds the disk full: calls in progress then still have room to end cleanly (the
 * recording's header and row, the call's row, the callStatus webhook in the outbox).
 */
export class DiskReserve {
  private held = false;
  private size = 0;

  constructor(readonly file: string) {}

  /** The reserve's size; 0 (none) until sized. */
  get bytes(): number {
    return this.size;
  }

  /** Sets the size the reserve is taken at; a file of another size is rewritten by ensure(). */
  resize(bytes: number): void {
    if (bytes !== this.size) this.held = false;
    this.size = Math.max(0, Math.floor(bytes));
  }

  get isHeld(): boolean {
    return this.held;
  }

  /**
   * Makes sure the reserve file is there at its full size; false when the disk has no room for it
   * (nothing is left behind then). Random bytes, so a compressing file system cannot shrink it.
   */
  async ensure(): Promise<boolean> {
    if (this.bytes === 0) return false;
    if (await this.adopt()) return true;
    const file = await open(this.file, "w");
    try {
      const chunk = randomFillSync(Buffer.allocUnsafe(Math.min(WRITE_BYTES, this.bytes)));
      for (let written = 0; written < this.bytes; ) {
        const n = Math.min(chunk.length, this.bytes - written);
        const { bytesWritten } = await file.write(chunk, 0, n, written);
        written += bytesWritten;
      }
      await file.datasync();
    } catch (err) {
      await file.close().catch(() => undefined);
      await rm(this.file, { force: true });
      if (isDiskFullError(err)) return false;
      throw err;
    }
    await file.close();
    this.held = true;
    return true;
  }

  /** Takes a reserve file left at its full size by an earlier process; true when there is one. */
  async adopt(): Promise<boolean> {
    const existing = await stat(this.file).catch(() => undefined);
    this.held = this.bytes > 0 && existing?.isFile() === true && existing.size === this.bytes;
    return this.held;
  }

  /**
   * Deletes the reserve at once (synchronously: it is called from inside a failing write, which
   * retries right after). True when there was one to give up.
   */
  release(): boolean {
    if (!this.held) return false;
    this.held = false;
    rmSync(this.file, { force: true });
    return true;
  }
}
