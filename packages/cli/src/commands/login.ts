import { Flags } from '@oclif/core';
import {
  AamError,
  credentialsPath,
  HttpRegistry,
  openHttpRegistry,
  registerSecret,
  storeRegistryToken,
  tokenLooksValid,
} from '@aam/core';
import { AamCommand } from '../base-command.js';
import { ok, warn } from '../style.js';

export default class Login extends AamCommand {
  static override summary = 'Store a token for an HTTP registry (checked against the registry first).';
  static override description = `Reads the token from --token or, without it, from standard input (a prompt on a
terminal), checks it with GET /api/v1/users/me, and stores it in $AAM_HOME/credentials.yaml (mode 0600).
Create tokens with 'aam token create'; the registry's first admin token is printed by 'aam registry serve'.
In CI, set AAM_TOKEN instead: it overrides the stored tokens.`;
  static override examples = [
    '<%= config.bin %> login --registry corp --token aam_...',
    'echo "$AAM_CI_TOKEN" | <%= config.bin %> login --registry corp',
  ];
  static override flags = {
    registry: Flags.string({ char: 'r', description: 'registry name (default: the default registry)' }),
    token: Flags.string({ description: 'the token (default: read from standard input)' }),
  };

  async run() {
    const { flags } = await this.parse(Login);
    const { config } = openHttpRegistry(this.config_().config.registries, flags.registry, "'aam login'");
    const token = (flags.token ?? (await readToken())).trim();
    registerSecret(token);
    if (token === '')
      throw new AamError('USAGE', 'No token given: pass --token or pipe it on standard input');
    if (!tokenLooksValid(token))
      throw new AamError(
        'USAGE',
        'That is not an aam token (aam_<43 letters and digits>_<6-character checksum>): check it was copied whole',
      );
    const registry = new HttpRegistry(config.name, config.url, { token });
    const me = await registry.whoami();
    await storeRegistryToken(config.name, token);
    this.log(ok(`Logged in to '${config.name}' as ${me.name} (role: ${me.role})`));
    this.log(`  Scopes: ${me.scopes.join(', ')}`);
    if (me.packages.length) this.log(`  Packages: ${me.packages.join(', ')}`);
    this.log(`  Stored in ${credentialsPath()}`);
    if (process.env.AAM_TOKEN) this.log(warn('AAM_TOKEN is set: it is used instead of the stored token'));
    return {
      registry: config.name,
      user: me.name,
      role: me.role,
      scopes: me.scopes,
      packages: me.packages,
      credentials: credentialsPath(),
    };
  }
}

/** The token from standard input: the first line piped in, or typed at a prompt without echo. */
async function readToken(): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) {
    let text = '';
    for await (const chunk of stdin) text += String(chunk);
    return text.split('\n')[0] ?? '';
  }
  process.stderr.write('Token: ');
  stdin.setRawMode(true);
  stdin.setEncoding('utf8');
  return new Promise((resolvePromise, reject) => {
    let typed = '';
    const done = (fn: () => void) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      process.stderr.write('\n');
      fn();
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') return done(() => resolvePromise(typed));
        if (ch === '\u0003') return done(() => reject(new AamError('USAGE', 'Cancelled')));
        if (ch === '\u007f' || ch === '\b') typed = typed.slice(0, -1);
        else typed += ch;
      }
    };
    stdin.on('data', onData);
    stdin.resume();
  });
}
