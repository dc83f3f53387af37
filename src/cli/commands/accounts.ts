import type { Command } from "commander";

export function registerAccounts(_program: Command): void {}
