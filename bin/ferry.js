#!/usr/bin/env node
// The `ferry` command. `npm ci` builds dist/ through the `prepare` script.
import '../dist/cli/main.js';
