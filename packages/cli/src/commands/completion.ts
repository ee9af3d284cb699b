import { Args } from '@oclif/core';
import { AamCommand } from '../base-command.js';
import { completionScript, type CompletionCommand, type Shell } from '../completion.js';

export default class Completion extends AamCommand {
  static override enableJsonFlag = false;
  static override summary = 'Print the shell completion script for bash, zsh or fish.';
  static override description = `Completes commands and topics (aam registry <TAB>), each command's flags
(aam install --<TAB>), and file names elsewhere. Install it once:

  bash: aam completion bash > ~/.local/share/bash-completion/completions/aam
  zsh:  aam completion zsh > "\${fpath[1]}/_aam"   (or: eval "$(aam completion zsh)" in ~/.zshrc)
  fish: aam completion fish > ~/.config/fish/completions/aam.fish

Run it again after upgrading aam, so new commands and flags complete.`;
  static override examples = ['<%= config.bin %> completion bash', '<%= config.bin %> completion fish'];
  static override args = {
    shell: Args.string({ description: 'the shell', options: ['bash', 'zsh', 'fish'], required: true }),
  };

  async run() {
    const { args } = await this.parse(Completion);
    const commands: CompletionCommand[] = this.config.commands
      .filter((c) => !c.hidden)
      .map((c) => ({
        id: c.id.replace(/:/g, ' '),
        summary: c.summary ?? c.description?.split('\n')[0] ?? '',
        flags: Object.entries(c.flags ?? {})
          .filter(([, f]) => !f.hidden)
          .map(([name, f]) => ({
            name,
            ...(f.char ? { char: f.char } : {}),
            summary: f.summary ?? f.description ?? '',
          })),
      }));
    process.stdout.write(completionScript(args.shell as Shell, this.config.bin, commands));
  }
}
