// How tsrun loads koffi. Its entry point spends most of its load time
// choosing a native build: it reads the ELF headers of the node binary to
// tell glibc from musl, then wraps the module to add deprecation shims we
// do not use. tsrun runs on glibc x86_64 only (see trampoline.ts), so it
// loads that build directly, once it has checked it is the one its package
// describes, and falls back to the entry point when it is missing or will
// not load (another libc, another layout).
import { dirname, join } from 'node:path';
import type KoffiDefault from 'koffi';

export type Koffi = typeof KoffiDefault;

function loadKoffi(): Koffi {
  if (process.platform === 'linux' && process.arch === 'x64') {
    try {
      const pkg = require.resolve('@koromix/koffi-linux-x64/package.json');
      const native = require(join(dirname(pkg), 'linux_x64', 'koffi.node')) as Koffi & { version: string };
      if (native.version === (require(pkg) as { version: string }).version) return native;
    } catch { /* the entry point below says what is wrong */ }
  }
  return (require('koffi') as { default: Koffi }).default;
}

const koffi: Koffi = loadKoffi();
export default koffi;
