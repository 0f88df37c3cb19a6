#!/usr/bin/env node
// The package's `bin`: the CLI is TypeScript, so load it through tsx (a
// runtime dependency) instead of shipping a compiled copy that could drift.
import { tsImport } from "tsx/esm/api";

const cli = await tsImport("../server/evidence/cli.ts", import.meta.url);
process.exitCode = await cli.main(process.argv.slice(2));
