import type { Command } from "commander";

export function registerApps(_program: Command): void {}
