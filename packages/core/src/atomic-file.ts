import writeFileAtomic from 'write-file-atomic';
import { stringify } from 'yaml';

/** Writes YAML through a temp file + fsync + rename: readers see the old file or the new one, never half. */
export async function writeYamlAtomic(file: string, value: unknown, header?: string): Promise<void> {
  const body = stringify(value, { lineWidth: 0 });
  await writeFileAtomic(file, header ? `${header}\n${body}` : body, { encoding: 'utf8', fsync: true });
}
