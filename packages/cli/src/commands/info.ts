import { Args, Flags } from '@oclif/core';
import { formatSize, infoFlow } from '@aam/core';
import { AamCommand } from '../base-command.js';
import { bold } from '../style.js';

export default class Info extends AamCommand {
  static override summary = 'Show a package: checksum, versions, dist-tags.';
  static override examples = [
    '<%= config.bin %> info @author/my-package',
    '<%= config.bin %> info @author/my-package@1.0.0 --json',
  ];
  static override args = { spec: Args.string({ description: 'NAME[@VERSION|@RANGE|@TAG]', required: true }) };
  static override flags = {
    registry: Flags.string({ char: 'r', description: 'only look in this registry' }),
  };

  async run() {
    const { args, flags } = await this.parse(Info);
    const { config } = this.config_();
    const r = await infoFlow(args.spec, config, flags.registry);
    const v = r.selected;
    this.log(bold(`${r.metadata.name}@${v.version}`));
    if (r.metadata.description) this.log(`  ${r.metadata.description}`);
    this.log(`Checksum: ${v.checksum}`);
    this.log(`Size: ${formatSize(v.size)}`);
    if (v.published) this.log(`Published: ${v.published}`);
    if (v.yanked) this.log('Yanked: yes');
    this.log(`Registry: ${r.registry}`);
    const tags = Object.entries(r.metadata.dist_tags);
    if (tags.length) this.log(`Dist-tags: ${tags.map(([t, ver]) => `${t}: ${ver}`).join(', ')}`);
    this.log(
      `Versions: ${r.metadata.versions.map((x) => x.version + (x.yanked ? ' (yanked)' : '')).join(', ')}`,
    );
    return {
      registry: r.registry,
      name: r.metadata.name,
      description: r.metadata.description,
      selected: v,
      dist_tags: r.metadata.dist_tags,
      versions: r.metadata.versions,
    };
  }
}
