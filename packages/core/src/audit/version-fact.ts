import type { RegistryConfig } from '../config/types.js';
import { LOCAL_REGISTRY_AUDIT_ERROR, type AuditLogFact } from '../policy/facts.js';
import { HttpRegistry } from '../registry/http.js';
import type { PackageMetadata, Registry } from '../registry/types.js';
import { verifyAuditLogHead, type VerifiedHead } from './head.js';
import {
  advanceLogView,
  packageState,
  readLogView,
  servedStateProblems,
  writeLogView,
  type LogView,
} from './log-view.js';
import { provePublishEntry } from './publish-proof.js';
import { HttpAuditLogSource } from './source.js';
import { auditStateDir } from './state.js';

/**
 * Views already brought up to date in this process, by state directory: a run that judges many packages of one
 * registry reads and advances the view once per checkpoint, not once per package.
 */
const views = new Map<string, { size: number; root: string; view: LogView }>();

/**
 * The `audit_log` fact for one version (`security.require_audit_log`, `security.max_log_age`): the registry's
 * checkpoint verifies under the pinned key and is consistent with the last one this client saw; the client's
 * copy of the log (every entry, proven: `advanceLogView`) is brought up to it; the version's `package.publish`
 * entry is proven in it, naming this package, version and checksum; the metadata the registry served (its
 * versions, yanks and dist-tags) is compared with what the log says; and the time the registry signed on the
 * checkpoint gives its age. Every failure is a fact (`consistent: false` with the reason), never a pass.
 */
export async function auditLogFact(opts: {
  registry: Registry;
  config: RegistryConfig | undefined;
  name: string;
  version: string;
  checksum: string;
  auditIndex: number | undefined;
  /** The package's metadata as the registry served it, to compare with the log. */
  metadata?: PackageMetadata;
  env?: NodeJS.ProcessEnv;
}): Promise<AuditLogFact> {
  const base = { registry: opts.registry.name };
  const unchecked = (error: string): AuditLogFact => ({ ...base, checked: false, consistent: false, error });
  if (opts.registry.kind !== 'http' || !(opts.registry instanceof HttpRegistry))
    return unchecked(LOCAL_REGISTRY_AUDIT_ERROR);
  const vkey = opts.config?.checkpoint_key;
  if (!vkey)
    return unchecked(`no checkpoint key is pinned for '${opts.registry.name}': run aam registry add again`);
  const index = opts.auditIndex;
  if (index === undefined)
    return unchecked(`'${opts.registry.name}' names no audit entry for ${opts.name}@${opts.version}`);
  const source = new HttpAuditLogSource(opts.registry);
  const stateDir = auditStateDir(opts.registry.name, opts.env ?? process.env);
  let size: number | undefined;
  let advanced: Advanced | undefined;
  try {
    const head = await verifyAuditLogHead({
      registry: opts.registry.name,
      vkey,
      source,
      ...(opts.env ? { env: opts.env } : {}),
      // Proven before the checkpoint is stored: a log that does not hold this publish stores nothing.
      beforeStore: async (h) => {
        size = h.checkpoint.size;
        advanced = await currentView(stateDir, h, source);
        await provePublishEntry(
          source,
          h.checkpoint,
          { index, name: opts.name, version: opts.version, checksum: opts.checksum },
          { registry: opts.registry.name },
        );
      },
    });
    // Kept only once its checkpoint is stored: the view never gets ahead of the last checkpoint verified.
    const { view } = advanced!;
    await keepView(stateDir, head, advanced!);
    const age = signedAge(head);
    const problems = opts.metadata
      ? servedStateProblems(opts.metadata, packageState(view, opts.name))
      : undefined;
    return {
      ...base,
      checked: true,
      consistent: true,
      checkpoint_size: head.checkpoint.size,
      ...age,
      ...(problems ? { state_problems: problems } : {}),
    };
  } catch (e) {
    const error = (e instanceof Error ? e.message : String(e)).split('\n')[0]!;
    return size === undefined
      ? unchecked(error)
      : { ...base, checked: true, consistent: false, checkpoint_size: size, error };
  }
}

interface Advanced {
  view: LogView;
  /** It differs from what is kept on disk. */
  changed: boolean;
}

/** The client's view of the log, brought up to `head`; in this process, once per checkpoint. */
async function currentView(
  stateDir: string,
  head: VerifiedHead,
  source: HttpAuditLogSource,
): Promise<Advanced> {
  const root = head.checkpoint.root.toString('base64');
  const known = views.get(stateDir);
  if (known && known.size === head.checkpoint.size && known.root === root)
    return { view: known.view, changed: false };
  const stored = known?.view ?? readLogView(stateDir);
  try {
    return { view: await advanceLogView(stored, head, source), changed: true };
  } catch (e) {
    // A kept view that does not lead to this root (damaged on disk, or left by a log of the same name whose state
    // was reset) is rebuilt from the first entry: it is only written after its checkpoint is stored, so it is
    // always a prefix of a tree this client verified. If the rebuild fails too, the registry's entries are wrong.
    if (!stored) throw e;
    return { view: await advanceLogView(undefined, head, source), changed: true };
  }
}

async function keepView(stateDir: string, head: VerifiedHead, advanced: Advanced): Promise<void> {
  if (advanced.changed) await writeLogView(stateDir, advanced.view);
  views.set(stateDir, {
    size: head.checkpoint.size,
    root: head.checkpoint.root.toString('base64'),
    view: advanced.view,
  });
}

/**
 * When the registry signed the checkpoint it served, and how many seconds ago (negative: ahead of this machine's
 * clock; the policy judges how far, with max_log_age).
 */
function signedAge(head: VerifiedHead): { checkpoint_time?: string; checkpoint_age?: number } {
  if (!head.signedAt) return {};
  return {
    checkpoint_time: head.signedAt.toISOString(),
    checkpoint_age: Math.floor((Date.now() - head.signedAt.getTime()) / 1000),
  };
}
