/**
 * `--name value` and `--flag` from the command line: what every benchmark and its helper
 * processes take. One reader so a missing flag always means its fallback (an ad hoc
 * `args[indexOf(name) + 1]` read the first argument instead).
 */
const argv = process.argv.slice(2);

export function option(name: string, fallback: string): string {
  const at = argv.indexOf(name);
  return at >= 0 && at + 1 < argv.length ? (argv[at + 1] as string) : fallback;
}

export function numberOption(name: string, fallback: number): number {
  const value = Number(option(name, String(fallback)));
  if (!Number.isFinite(value)) throw new Error(`${name} must be a number`);
  return value;
}

export function hasFlag(name: string): boolean {
  return argv.includes(name);
}
