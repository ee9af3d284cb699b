// `aam doctor`: what is in effect and whether it works, each line with the fix when it does not.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { loadConfig, type LoadedConfig } from '../config/load.js';
import { globalConfigPath, projectConfigPath } from '../config/paths.js';
import { isAamError } from '../errors.js';
import { resolvePolicy } from '../policy/compile.js';
import { findOpa, OPA_INSTALL_HINT, opaVersion } from '../policy/opa.js';
import { HttpRegistry } from '../registry/http.js';
import { LocalRegistry } from '../registry/local.js';
import { isHttpRegistry } from '../registry/open.js';
import { existsSync } from 'node:fs';

const run = promisify(execFile);

export interface DoctorCheck {
  /** What was checked: `config`, `registry`, `keys`, `policy`, `opa`, `gpg`. */
  area: string;
  status: 'ok' | 'warn' | 'fail';
  message: string;
  /** What to do about it (warn and fail). */
  fix?: string;
}

/**
 * Every check, each independent (one failing does not hide the others). `fail` means something the user relies on
 * does not work; `warn` something that will not work when it is needed.
 */
export async function doctorFlow(req: {
  projectDir: string;
  env?: NodeJS.ProcessEnv;
}): Promise<DoctorCheck[]> {
  const env = req.env ?? process.env;
  const checks: DoctorCheck[] = [];
  let loaded: LoadedConfig | undefined;
  try {
    loaded = loadConfig({ projectDir: req.projectDir, env });
    if (loaded.layers.length === 0)
      checks.push({
        area: 'config',
        status: 'ok',
        message: `No config files (${globalConfigPath(env)}, ${projectConfigPath(req.projectDir)}): the defaults apply`,
      });
    for (const l of loaded.layers)
      checks.push({ area: 'config', status: 'ok', message: `${l.file} (${l.scope}) is valid` });
    for (const w of loaded.warnings)
      checks.push({
        area: 'config',
        status: 'warn',
        message: `${w.file}:${w.line}:${w.column}: ${w.key}: ${w.message}`,
        fix: 'fix or remove the key (aam config set KEY --unset)',
      });
  } catch (e) {
    checks.push({
      area: 'config',
      status: 'fail',
      message: e instanceof Error ? e.message : String(e),
      fix: 'fix the file at the line named (aam config validate shows every problem)',
    });
  }
  if (loaded) {
    checks.push(...(await registryChecks(loaded)));
    checks.push(await policyCheck(loaded, env));
  }
  checks.push(await opaCheck(loaded, env));
  checks.push(await gpgCheck(env));
  return checks;
}

async function registryChecks(loaded: LoadedConfig): Promise<DoctorCheck[]> {
  const regs = loaded.config.registries;
  if (regs.length === 0)
    return [
      {
        area: 'registry',
        status: 'fail',
        message: 'No registries configured: nothing can be installed',
        fix: 'aam registry init ./registry --default, or aam registry add NAME URL --default',
      },
    ];
  return (
    await Promise.all(
      regs.map(async (cfg): Promise<DoctorCheck[]> => {
        const name = `Registry '${cfg.name}' (${cfg.default ? 'default, ' : ''}${cfg.url})`;
        if (!isHttpRegistry(cfg)) {
          try {
            LocalRegistry.open(cfg.name, cfg.url);
            return [{ area: 'registry', status: 'ok', message: `${name} is a readable local registry` }];
          } catch (e) {
            return [
              {
                area: 'registry',
                status: 'fail',
                message: `${name}: ${e instanceof Error ? e.message : String(e)}`,
                fix: `aam registry remove ${cfg.name}, or recreate it (aam registry init PATH)`,
              },
            ];
          }
        }
        const out: DoctorCheck[] = [];
        const http = new HttpRegistry(cfg.name, cfg.url, { timeoutMs: 5_000, retries: 0 });
        try {
          const doc = await http.getJson<{ name?: unknown }>('/api/v1');
          out.push({
            area: 'registry',
            status: 'ok',
            message: `${name} answers${typeof doc?.name === 'string' ? ` (${doc.name})` : ''}`,
          });
        } catch (e) {
          out.push({
            area: 'registry',
            status: 'fail',
            message: `${name}: ${isAamError(e) || e instanceof Error ? e.message : String(e)}`,
            fix: 'start it, check the URL (aam registry list), or remove it (aam registry remove NAME)',
          });
        }
        out.push(
          cfg.checkpoint_key
            ? {
                area: 'keys',
                status: 'ok',
                message: `'${cfg.name}': audit-log checkpoint key pinned (${cfg.checkpoint_key.split('+')[1]})`,
              }
            : {
                area: 'keys',
                status: 'warn',
                message: `'${cfg.name}': no audit-log checkpoint key pinned: its log cannot be checked`,
                fix: `aam registry remove ${cfg.name} && aam registry add ${cfg.name} ${cfg.url} (pins the key it serves)`,
              },
        );
        const att = cfg.attestation_keys?.length ?? 0;
        if (att > 0)
          out.push({
            area: 'keys',
            status: 'ok',
            message: `'${cfg.name}': ${att} attestation key${att === 1 ? '' : 's'} pinned`,
          });
        else if (loaded.config.security.trust_registry_attestations)
          out.push({
            area: 'keys',
            status: 'warn',
            message: `'${cfg.name}': no attestation key pinned, so none of its attestations can be trusted`,
            fix: `aam registry trust-key ${cfg.name}`,
          });
        return out;
      }),
    )
  ).flat();
}

async function policyCheck(loaded: LoadedConfig, env: NodeJS.ProcessEnv): Promise<DoctorCheck> {
  try {
    const source = await resolvePolicy({ config: loaded.config, layers: loaded.layers, env });
    const what =
      source.kind === 'bundle'
        ? `the bundle ${source.path}`
        : source.kind === 'compiled'
          ? `the default policy compiled with ${source.modules.length} module${source.modules.length === 1 ? '' : 's'} from policy.modules`
          : 'the built-in policy (prebuilt WASM)';
    const sec = loaded.config.security;
    return {
      area: 'policy',
      status: 'ok',
      message: `Decides: ${what} (sha256:${source.hash.replace(/^sha256:/, '').slice(0, 12)}); require_signature: ${sec.require_signature}, on_signature_failure: ${sec.on_signature_failure}, ${sec.trusted_identities.length} trusted identities, ${sec.trusted_keys.length} trusted keys`,
    };
  } catch (e) {
    return {
      area: 'policy',
      status: 'fail',
      message: `The policy cannot be loaded: ${e instanceof Error ? e.message : String(e)}`,
      fix: 'aam policy build shows the error in full',
    };
  }
}

async function opaCheck(loaded: LoadedConfig | undefined, env: NodeJS.ProcessEnv): Promise<DoctorCheck> {
  const opa = findOpa(env);
  const needed = (loaded?.config.policy.modules.length ?? 0) > 0;
  if (!opa)
    return {
      area: 'opa',
      status: needed ? 'fail' : 'warn',
      message: needed
        ? 'opa not found, and policy.modules needs it to compile'
        : 'opa not found (only needed for policy.modules, aam policy build and aam policy test)',
      fix: OPA_INSTALL_HINT,
    };
  try {
    return {
      area: 'opa',
      status: 'ok',
      message: `opa: ${opa} (${(await opaVersion(opa)).replace(/^Version: /, 'v')})`,
    };
  } catch (e) {
    return {
      area: 'opa',
      status: 'fail',
      message: `${opa} does not run: ${String(e)}`,
      fix: OPA_INSTALL_HINT,
    };
  }
}

async function gpgCheck(env: NodeJS.ProcessEnv): Promise<DoctorCheck> {
  try {
    const { stdout } = await run('gpg', ['--version'], { env, timeout: 10_000 });
    return { area: 'gpg', status: 'ok', message: `GnuPG: ${stdout.split('\n')[0]}` };
  } catch {
    const keyFile = env.AAM_GPG_KEY_FILE;
    return keyFile && existsSync(keyFile)
      ? {
          area: 'gpg',
          status: 'ok',
          message: `GnuPG not found; GPG signing uses AAM_GPG_KEY_FILE (${keyFile})`,
        }
      : {
          area: 'gpg',
          status: 'warn',
          message:
            'GnuPG (gpg) not found: GPG signatures still verify, but signing needs gpg or AAM_GPG_KEY_FILE',
          fix: 'apt-get install gnupg (or brew install gnupg), or set AAM_GPG_KEY_FILE to an armored secret key',
        };
  }
}
