/**
 * Text from a registry shown on a terminal: control characters (C0 but tab, DEL, C1, which carry ANSI/OSC escape
 * sequences and carriage returns that could redraw lines or fake a ✓) become U+FFFD.
 */
export function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/g, '\ufffd');
}
