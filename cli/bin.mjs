#!/usr/bin/env node
// The `cluedin-upgrade` command: runs cli/main.ts through tsx, as every script of this package runs its TypeScript.
import { register } from "tsx/esm/api";

register();
await import("./main.js");
