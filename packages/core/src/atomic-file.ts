import writeFileAtomic from 'write-file-atomic';
import { stringify } from 'yaml';

/**
 * Writes YAML through a temp file + fsync + rename: readers see the old file or the new one, never half. Returns
 * the text written.
 */
export async function writeYamlAtomic(file: string, value: unknown, header?: string): Promise<string> {
  const body = stringify(value, { lineWidth: 0 });
  const text = header ? `${header}\n${body}` : body;
  await writeFileAtomic(file, text, { encoding: 'utf8', fsync: true });
  return text;
}
