import { randomBytes } from "node:crypto";
import { link, readFile, rename, rm, stat, utimes, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import path from "node:path";
import { BelayError } from "../errors.js";

/** The lock file inside the data folder: held by the one process running calls on it. */
export const LOCK_FILE = "belay.lock";
/** How often the holder touches the lock: its mtime says when the holder was last alive. */
export const LOCK_HEARTBEAT_MS = 2_000;
/** A holder on another host (a shared folder) whose heartbeat is older than this is gone. */
const OTHER_HOST_STALE_MS = 10 * LOCK_HEARTBEAT_MS;

interface Holder {
  pid: number;
  hostname: string;
  /** What it runs (`belay serve`, or a CLI command with Belay inside). */
  role: string;
  startedAt: string;
}

/** Lock files this process holds: its own pid in one means a second Belay here, not a past life. */
const heldHere = new Set<string>();

/** A process that held the folder and died without releasing it: start-up has its work to finish. */
export interface DeadHolder extends Holder {
  /** The last heartbeat (lock mtime), epoch ms: the process was alive then. */
  lastAliveAt: number;
}

export interface DataDirLock {
  /** Set when the lock was taken over from a process that died (a crash). */
  readonly previous: DeadHolder | undefined;
  release(): Promise<void>;
}

/**
 * Takes the data folder for this process, so that no two Belays run calls on one folder and treat
 * each other's live calls as left by a crash. A lock left by a dead process (its pid gone on this
 * host, or its heartbeat stale on another) is taken over; one held by a live process is
 * DATA_DIR_IN_USE.
 */
export async function lockDataDir(dataDir: string, role: string): Promise<DataDirLock> {
  const lockPath = path.join(dataDir, LOCK_FILE);
  if (heldHere.has(lockPath)) throw inUse(dataDir, await readHolder(lockPath));
  const mine: Holder = { pid: process.pid, hostname: hostname(), role, startedAt: new Date().toISOString() };
  const text = JSON.stringify(mine);
  // Written whole under another name first, then linked or renamed: the lock is never half written.
  const temp = `${lockPath}.${process.pid}.${randomBytes(4).toString("hex")}`;
  await writeFile(temp, text);
  let previous: DeadHolder | undefined;
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        await link(temp, lockPath);
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      }
      const holder = await readHolder(lockPath);
      if (holder === undefined) {
        if (attempt < 3) continue; // released between our link and our read
        throw inUse(dataDir, undefined);
      }
      if (isAlive(holder)) throw inUse(dataDir, holder);
      await rename(temp, lockPath);
      previous = holder;
      break;
    }
    // Two processes taking over one stale lock at once: the last rename wins, the other stops.
    if ((await readFile(lockPath, "utf8").catch(() => "")) !== text)
      throw inUse(dataDir, await readHolder(lockPath));
  } finally {
    await rm(temp, { force: true });
  }
  heldHere.add(lockPath);
  const heartbeat = setInterval(() => {
    const now = new Date();
    utimes(lockPath, now, now).catch(() => undefined);
  }, LOCK_HEARTBEAT_MS);
  heartbeat.unref();
  let released: Promise<void> | undefined;
  return {
    previous,
    release() {
      released ??= (async () => {
        clearInterval(heartbeat);
        heldHere.delete(lockPath);
        // Only our own lock: never one a later process took over after deciding we were gone.
        if ((await readFile(lockPath, "utf8").catch(() => "")) === text) await rm(lockPath, { force: true });
      })();
      return released;
    },
  };
}

async function readHolder(lockPath: string): Promise<DeadHolder | undefined> {
  try {
    const [text, info] = await Promise.all([readFile(lockPath, "utf8"), stat(lockPath)]);
    const parsed = JSON.parse(text) as Partial<Holder>;
    return {
      pid: Number(parsed.pid),
      hostname: String(parsed.hostname ?? ""),
      role: String(parsed.role ?? "unknown"),
      startedAt: String(parsed.startedAt ?? ""),
      lastAliveAt: Math.floor(info.mtimeMs),
    };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    // Unreadable or torn (a crash while it was written by an older Belay): nobody holds it.
    return { pid: 0, hostname: "", role: "unknown", startedAt: "", lastAliveAt: 0 };
  }
}

function isAlive(holder: DeadHolder): boolean {
  if (holder.hostname !== hostname()) {
    return holder.hostname !== "" && Date.now() - holder.lastAliveAt < OTHER_HOST_STALE_MS;
  }
  // Our own pid is a previous life of this process's pid (a container restarted with the same one).
  if (!Number.isInteger(holder.pid) || holder.pid <= 0 || holder.pid === process.pid) return false;
  try {
    process.kill(holder.pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

function inUse(dataDir: string, holder: Holder | undefined): BelayError {
  const who = holder
    ? `another Belay (${holder.role}, pid ${holder.pid} on ${holder.hostname}, since ${holder.startedAt})`
    : "another Belay";
  return new BelayError(
    "DATA_DIR_IN_USE",
    `the data folder ${dataDir} is in use by ${who}: stop it first, or use another --data-dir ` +
      `(if that process is gone, delete ${path.join(dataDir, LOCK_FILE)})`,
    { dataDir, pid: holder?.pid ?? null },
  );
}
