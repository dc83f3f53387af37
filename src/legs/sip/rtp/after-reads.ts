/**
 * Work deferred until the datagrams ready now have all been read: one setImmediate for every
 * session that asked, which Node runs after its poll phase. A burst of packets for many calls is
 * then parsed first and framed after, so the last packet of the burst does not wait for every
 * other call's frame handling before it is even read.
 */
const waiting = new Set<() => void>();
let scheduled = false;

export function afterReads(work: () => void): void {
  waiting.add(work);
  if (scheduled) return;
  scheduled = true;
  setImmediate(runWaiting);
}

function runWaiting(): void {
  scheduled = false;
  for (const work of waiting) {
    waiting.delete(work);
    work();
  }
}
