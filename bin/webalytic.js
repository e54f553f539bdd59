#!/usr/bin/env node
// Entry point of the `webalytic` command: runs the TypeScript sources through tsx,
// so no build step is needed before use.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
