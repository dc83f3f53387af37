import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

export interface AppProcess {
  url: string;
  child: ChildProcess;
  stats(): Promise<{
    counts: Record<string, number>;
    records: Array<{ atMs: number; body: Record<string, unknown> }>;
  }>;
  stop(): Promise<void>;
}

const APP = fileURLToPath(new URL("../apps/voicemail-app.ts", import.meta.url));

/** Starts the benchmark app (the voicemail, or `app` under bench/apps) in its own process and waits for its URL. */
export async function startAppProcess(args: string[] = [], app = APP): Promise<AppProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", app, ...args], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error("the benchmark app did not start within 30 s")), 30_000);
    child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
      out += chunk;
      const match = /listening (\S+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(match[1] as string);
      }
    });
    child.on("exit", (code) => reject(new Error(`the benchmark app exited with ${code}`)));
  });
  // A benchmark that dies must not leave its app running (and holding the terminal's output open).
  const killChild = () => child.kill("SIGTERM");
  process.once("exit", killChild);
  child.once("exit", () => process.off("exit", killChild));
  return {
    url,
    child,
    async stats() {
      return (await (await fetch(`${url}/stats`)).json()) as Awaited<ReturnType<AppProcess["stats"]>>;
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    },
  };
}
