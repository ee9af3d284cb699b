import { Args, Flags } from '@oclif/core';
import { AamError, searchFlow } from '@aam/core';
import { AamCommand } from '../base-command.js';
import { bold, dim, warn } from '../style.js';

export default class Search extends AamCommand {
  static override summary = 'Find packages by name or description in the configured registries.';
  static override description = `Asks every configured registry (or only --registry) for packages whose name or
description contains QUERY (case-insensitive). A registry that cannot answer is reported and the others still
are; when none can, the command fails (exit 1). Which registry an install takes a name from is the install's rule
(the first that has it): see 'aam info NAME'.`;
  static override examples = [
    '<%= config.bin %> search review',
    '<%= config.bin %> search @acme --registry corp --json',
  ];
  static override args = { query: Args.string({ description: 'text to look for', required: true }) };
  static override flags = {
    registry: Flags.string({ char: 'r', description: 'only search this registry' }),
    limit: Flags.integer({
      description: 'at most this many results per registry',
      default: 20,
      min: 1,
      max: 100,
    }),
  };

  async run() {
    const { args, flags } = await this.parse(Search);
    const { config } = this.config_();
    const { results, failures, searched } = await searchFlow({
      config,
      query: args.query,
      limit: flags.limit,
      ...(flags.registry ? { registry: flags.registry } : {}),
    });
    for (const f of failures)
      process.stderr.write(warn(`Registry '${f.registry}' could not search: ${f.error}`) + '\n');
    // Every registry asked failed: the search failed (exit 1), it did not find nothing.
    if (failures.length === searched)
      throw new AamError('NETWORK_ERROR', 'No registry could answer the search');
    if (results.length === 0) this.log(`No packages match '${args.query}'.`);
    for (const r of results)
      this.log(
        `${bold(r.name)}${r.latest ? `@${r.latest}` : ''} ${dim(`(${r.registry})`)}${r.description ? `\n  ${r.description}` : ''}`,
      );
    return { query: args.query, results, failures };
  }
}
