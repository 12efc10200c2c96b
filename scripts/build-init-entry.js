// Writes dist/init-entry: the `#!` script `create` clones into (see
// src/linux/clone.ts). The interpreter line names this machine's node
// binary by absolute path, so the init needs no PATH lookup.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const out = path.join(__dirname, '..', 'dist', 'init-entry');
fs.writeFileSync(out, `#!${process.execPath}\n'use strict';\nrequire('./init/main.js');\n`, { mode: 0o755 });
fs.chmodSync(out, 0o755);
