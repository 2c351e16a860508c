// XML 1.0 Char production: C0 controls other than TAB/LF/CR, U+FFFE/U+FFFF and lone surrogates
// can appear in neither parsed nor built documents.
const NON_XML_CHAR =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching forbidden control characters is the point
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** The first character XML cannot carry, as `U+XXXX`, with its offset. */
export function findNonXmlChar(text: string): { index: number; char: string } | undefined {
  const m = NON_XML_CHAR.exec(text);
  if (!m) return undefined;
  const code = (m[0].codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, "0");
  return { index: m.index, char: `U+${code}` };
}

/** Whether a code point matches XML 1.0's Char production. */
export function isXmlCodePoint(cp: number): boolean {
  return (
    cp === 0x9 ||
    cp === 0xa ||
    cp === 0xd ||
    (cp >= 0x20 && cp <= 0xd7ff) ||
    (cp >= 0xe000 && cp <= 0xfffd) ||
    (cp >= 0x10000 && cp <= 0x10ffff)
  );
}
