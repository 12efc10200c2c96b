// JSON.parse reads every number as a double, so an integer above 2^53
// (a seccomp mask such as 0xffffffff00000000, written in decimal) comes
// back rounded. This scanner walks the same text and returns, by JSON
// pointer, the exact value of each integer literal a double cannot hold.
// It assumes valid JSON: JSON.parse has already accepted the text.

const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);

function escapePointer(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

export function unsafeIntegers(text: string): Map<string, bigint> {
  const out = new Map<string, bigint>();
  let i = 0;
  const skip = (): void => { while (i < text.length && WS.has(text.charCodeAt(i))) i++; };
  const str = (): string => {
    const start = i;
    i++;
    while (text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const value = (pointer: string): void => {
    skip();
    const c = text[i];
    if (c === '{') {
      i++;
      skip();
      if (text[i] === '}') { i++; return; }
      for (;;) {
        skip();
        const key = str();
        skip();
        i++; // ':'
        value(`${pointer}/${escapePointer(key)}`);
        skip();
        if (text[i++] === '}') return;
      }
    }
    if (c === '[') {
      i++;
      skip();
      if (text[i] === ']') { i++; return; }
      for (let n = 0; ; n++) {
        value(`${pointer}/${n}`);
        skip();
        if (text[i++] === ']') return;
      }
    }
    if (c === '"') { str(); return; }
    const m = /^-?\d+(\.\d+)?([eE][+-]?\d+)?|^(true|false|null)/.exec(text.slice(i, i + 400));
    if (!m) throw new Error(`json: unexpected ${JSON.stringify(c)} at ${i}`);
    i += m[0].length;
    if (!m[1] && !m[2] && !m[3] && !Number.isSafeInteger(Number(m[0]))) out.set(pointer, BigInt(m[0]));
  };
  value('');
  return out;
}
