import { toConfiguredId, type Hook } from '@oclif/core';
import { closest } from '@aam/core';
import { red } from '../style.js';

/**
 * `aam instal foo`: says which command was meant and exits 2 (what the user typed), never runs a guess.
 * Topics count too (`aam regsitry list` → `registry list`).
 */
const hook: Hook<'command_not_found'> = async function (opts) {
  const visible = opts.config.commands.filter((c) => !c.hidden);
  const ids = [...visible.map((c) => c.id), ...visible.flatMap((c) => c.aliases)];
  const typed = opts.id;
  // Try the whole id, then only as many words as a candidate has (`instal:foo` is `instal` + an argument).
  const words = typed.split(':');
  let suggestion: string | undefined;
  let n = Math.min(words.length, 3);
  for (; n >= 1 && !suggestion; n--)
    suggestion = closest(
      words.slice(0, n).join(':'),
      ids.filter((id) => id.split(':').length === n),
    );
  const shown = words.slice(0, suggestion ? n + 1 : 1).join(' ');
  const message = `'${shown}' is not an ${opts.config.bin} command.${suggestion ? ` Did you mean '${opts.config.bin} ${toConfiguredId(suggestion, opts.config)}'?` : ''}`;
  if (opts.argv?.includes('--json') || typed.split(':').includes('--json'))
    process.stdout.write(JSON.stringify({ error: { code: 'USAGE', message } }, null, 2) + '\n');
  else
    process.stderr.write(
      `${red('Error:')} ${message}\nRun '${opts.config.bin} --help' for a list of commands.\n`,
    );
  process.exit(2);
};

export default hook;
