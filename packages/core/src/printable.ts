/**
 * Text from a registry shown on a terminal: control characters (C0 but tab, DEL, C1, which carry ANSI/OSC escape
 * sequences and carriage returns that could redraw lines or fake a ✓) become U+FFFD.
 */
export function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/g, '\ufffd');
}

/**
 * A character that makes a file name unsafe to show: control characters (escape sequences), bidirectional
 * controls (`invoice\u202Efdp.md` shows as another name) and invisible ones.
 */
export const UNSAFE_NAME_CHARACTER =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u001f\u007f-\u009f\u202A-\u202E\u2066-\u2069\u200B-\u200F\uFEFF]/u;
const UNSAFE_IN_NAMES = new RegExp(UNSAFE_NAME_CHARACTER.source, 'gu');

/**
 * A file name as it may be shown and stored: control, bidirectional and invisible characters written as `\u{hex}`,
 * so `invoice\u202Efdp.md` never displays as another name and no escape sequence reaches a terminal.
 */
export function escapedName(name: string): string {
  return name.replace(UNSAFE_IN_NAMES, (c) => `\\u{${c.codePointAt(0)!.toString(16)}}`);
}
