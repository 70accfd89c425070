#!/usr/bin/env node
// Entry point of the `hrtem` command. The TypeScript sources are compiled to dist/ by `npm ci`
// (the `prepare` script); this file only loads the compiled CLI.
import { main } from '../dist/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
