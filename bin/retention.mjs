#!/usr/bin/env node
// The `retention` command as installed by npm (`npx retention ...`): runs the TypeScript
// entry through tsx, so there is no build step between an edit and a run.
import { register } from 'tsx/esm/api';

register();
await import('./retention.ts');
