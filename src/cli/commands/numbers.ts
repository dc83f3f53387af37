import type { Command } from "commander";

export function registerNumbers(_program: Command): void {}
