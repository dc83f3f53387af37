import type { Command } from "commander";

export function registerDevices(_program: Command): void {}
