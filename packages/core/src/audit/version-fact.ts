import type { RegistryConfig } from '../config/types.js';
import { LOCAL_REGISTRY_AUDIT_ERROR, type AuditLogFact } from '../policy/facts.js';
import { HttpRegistry } from '../registry/http.js';
import type { PackageMetadata, Registry } from '../registry/types.js';
import { verifyAuditLogHead, type VerifiedHead } from './head.js';
import { advanceLogView, readLogView, servedStateProblems, writeLogView, type LogView } from './log-view.js';
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
  let view: LogView | undefined;
  try {
    const head = await verifyAuditLogHead({
      registry: opts.registry.name,
      vkey,
      source,
      ...(opts.env ? { env: opts.env } : {}),
      // Proven before the checkpoint is stored: a log that does not hold this publish stores nothing.
      beforeStore: async (h) => {
        size = h.checkpoint.size;
        view = await currentView(stateDir, h, source);
        await provePublishEntry(
          source,
          h.checkpoint,
          { index, name: opts.name, version: opts.version, checksum: opts.checksum },
          { registry: opts.registry.name },
        );
      },
    });
    const age = signedAge(head);
    if (age.checkpoint_age !== undefined && age.checkpoint_age < -MAX_CLOCK_SKEW_SECONDS)
      throw new Error(
        `its checkpoint is signed ${-age.checkpoint_age} s ahead of this machine's clock (a time signed in advance to be replayed later, or a clock that is wrong)`,
      );
    const problems = opts.metadata
      ? servedStateProblems(opts.metadata, view!.packages[opts.name])
      : undefined;
    return {
      ...base,
      checked: true,
      consistent: true,
      checkpoint_size: head.checkpoint.size,
      ...(age.checkpoint_time ? { checkpoint_time: age.checkpoint_time } : {}),
      ...(age.checkpoint_age !== undefined ? { checkpoint_age: Math.max(0, age.checkpoint_age) } : {}),
      ...(problems ? { state_problems: problems } : {}),
    };
  } catch (e) {
    const error = (e instanceof Error ? e.message : String(e)).split('\n')[0]!;
    return size === undefined
      ? unchecked(error)
      : { ...base, checked: true, consistent: false, checkpoint_size: size, error };
  }
}

/** The client's view of the log, brought up to `head` (and kept); in this process, once per checkpoint. */
async function currentView(
  stateDir: string,
  head: VerifiedHead,
  source: HttpAuditLogSource,
): Promise<LogView> {
  const root = head.checkpoint.root.toString('base64');
  const known = views.get(stateDir);
  if (known && known.size === head.checkpoint.size && known.root === root) return known.view;
  const stored = known?.view ?? readLogView(stateDir);
  let view: LogView;
  try {
    view = await advanceLogView(stored, head, source);
  } catch (e) {
    // A kept view that no longer leads to this root (a state directory reset under it, a view of another log
    // of the same name) is rebuilt from the first entry; if that fails too, the registry's entries are wrong.
    if (!stored) throw e;
    view = await advanceLogView(undefined, head, source);
  }
  if (!stored || stored.range.size !== view.range.size) await writeLogView(stateDir, view);
  views.set(stateDir, { size: head.checkpoint.size, root, view });
  return view;
}

/** How far ahead of this machine's clock a signed time may be (clocks differ) before it is refused. */
const MAX_CLOCK_SKEW_SECONDS = 300;

/** When the registry signed the checkpoint it served, and how many seconds ago (negative: in the future). */
function signedAge(head: VerifiedHead): { checkpoint_time?: string; checkpoint_age?: number } {
  if (!head.signedAt) return {};
  return {
    checkpoint_time: head.signedAt.toISOString(),
    checkpoint_age: Math.floor((Date.now() - head.signedAt.getTime()) / 1000),
  };
}
