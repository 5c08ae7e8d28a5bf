// "Type clipboard": text sent as keystrokes rather than pasted, for consoles that ignore pastes
// (login prompts, boot loaders, installers). Pure functions, shared by both console kinds.

/** Bytes a terminal sends when the text is typed: line ends become Enter (CR). */
export function terminalKeystrokes(text: string): Uint8Array {
  return new TextEncoder().encode(text.replace(/\r\n|\n|\r/g, '\r'));
}

const XK_RETURN = 0xff0d;
const XK_TAB = 0xff09;

/**
 * X11 keysyms (what VNC sends) for each character: Latin-1 characters are their own keysym,
 * other Unicode characters 0x01000000 + code point, line ends Return, tabs Tab.
 */
export function vncKeysyms(text: string): number[] {
  const keys: number[] = [];
  for (const char of text.replace(/\r\n|\r/g, '\n')) {
    const code = char.codePointAt(0)!;
    if (char === '\n') keys.push(XK_RETURN);
    else if (char === '\t') keys.push(XK_TAB);
    else if (code < 0x20 || code === 0x7f) continue;
    else if (code <= 0xff) keys.push(code);
    else keys.push(0x01000000 + code);
  }
  return keys;
}
