/** Terminal styling that respects NO_COLOR (and AAM_NO_COLOR) and plain output when not a TTY. */
const useColor = (): boolean =>
  process.stdout.isTTY === true && !('NO_COLOR' in process.env) && !('AAM_NO_COLOR' in process.env);

const paint =
  (code: number) =>
  (text: string): string =>
    useColor() ? `\u001b[${code}m${text}\u001b[0m` : text;

export const green = paint(32);
export const yellow = paint(33);
export const red = paint(31);
export const bold = paint(1);
export const dim = paint(2);

export const ok = (text: string): string => `${green('✓')} ${text}`;
export const warn = (text: string): string => `${yellow('⚠')} ${text}`;
export const fail = (text: string): string => `${red('✗')} ${text}`;
