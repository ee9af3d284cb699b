import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { AamError } from '../errors.js';
import type { Finding } from '../plugin/contracts.js';
import type { ScanResult } from '../scan/run.js';
import {
  capabilitiesPath,
  prebuiltPublishWasmPath,
  PUBLISH_ENTRYPOINT,
  publishPolicyFiles,
  wasmFromBundle,
} from './compile.js';
import { loadPolicyWasm, type LoadedPolicy } from './engine.js';
import { opaBuildWasm, opaParsePackage, requireOpa } from './opa.js';

/** What the registry knows about an upload when it decides (schema publish-facts/v1); never bytes or keys. */
export interface PublishFacts {
  publish_facts_version: 1;
  /** `first_publish`: the package has no approved version yet. */
  package: { name: string; version: string; first_publish: boolean };
  publisher: { name: string; role: string; scopes: string[] };
  archive: { checksum: string; size: number; files: number };
  manifest: Record<string, unknown>;
  /** The author's signature as the registry verified it (an invalid one was refused before), or null. */
  signature: { type: string; identity?: string; issuer?: string; fingerprint?: string } | null;
  /**
   * The package's approved versions (held and rejected ones are no history): how many, who signed them, whether
   * this upload's signer is new, and whether it is unsigned where approved versions were signed.
   */
  history: {
    versions: number;
    signers: { type: string; identity?: string; fingerprint?: string }[];
    new_signer: boolean;
    signature_dropped: boolean;
  };
  scans: Omit<ScanResult, 'duration_ms'>[];
}

export interface PublishReason {
  code: string;
  rule: string;
  message: string;
  scanner?: string;
  finding?: Omit<Finding, 'message'>;
}

export interface PublishDecision {
  decision: 'accept' | 'hold' | 'reject';
  reasons: PublishReason[];
}

/**
 * The registry's publish policy: `package aam.publish` (or one under it), rule `decision`, evaluated in WASM by
 * the same SDK as the client's trust policy. The default is the prebuilt `policies/build/publish.wasm`; a file
 * given by the operator is compiled with opa at start-up. Its digest (sha256 of the Rego source) goes into
 * every registry attestation.
 */
export class PublishPolicy {
  private constructor(
    private readonly policy: LoadedPolicy,
    /** `sha256:<hex>` of the Rego source (the file given, or the default's files in order). */
    readonly digest: string,
    /** `default`, or the file's path. */
    readonly source: string,
    /** `aam/publish/decision`, or the decision of the package under it the file declares. */
    private readonly entrypoint: string,
  ) {}

  /** The default policy (prebuilt WASM), or `file` compiled with opa. */
  static async load(opts: { file?: string; env?: NodeJS.ProcessEnv } = {}): Promise<PublishPolicy> {
    const env = opts.env ?? process.env;
    if (!opts.file) {
      const sources = await Promise.all((await publishPolicyFiles(env)).map((f) => readFile(f)));
      const wasm = await readFile(prebuiltPublishWasmPath(env));
      return PublishPolicy.fromWasm(wasm, digestOf(sources), 'default', PUBLISH_ENTRYPOINT);
    }
    const file = resolve(opts.file);
    let text: Buffer;
    try {
      text = await readFile(file);
    } catch (e) {
      throw new AamError(
        'USAGE',
        `--publish-policy ${opts.file}: ${e instanceof Error ? e.message : String(e)}`,
      );
    }
    const opa = requireOpa('to compile the publish policy', env);
    const pkg = await opaParsePackage(opa, file);
    if (pkg[0] !== 'aam' || pkg[1] !== 'publish')
      throw new AamError(
        'INVALID_POLICY',
        `${file}: package ${pkg.join('.')}: a publish policy declares 'package aam.publish' (or a package under it, 'aam.publish.corp') and a 'decision' rule`,
      );
    const entrypoint = `${pkg.join('/')}/decision`;
    const work = await mkdtemp(join(tmpdir(), 'aam-publish-policy-'));
    try {
      const out = join(work, 'bundle.tar.gz');
      await opaBuildWasm({
        opa,
        files: [basename(file)],
        entrypoints: [entrypoint],
        capabilities: capabilitiesPath(env),
        output: out,
        cwd: dirname(file),
      });
      const wasm = await wasmFromBundle(await readFile(out), out);
      return PublishPolicy.fromWasm(wasm, digestOf([text]), file, entrypoint);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }

  private static async fromWasm(
    wasm: Buffer,
    digest: string,
    source: string,
    entrypoint: string,
  ): Promise<PublishPolicy> {
    const policy = await loadPolicyWasm(wasm);
    if (!(entrypoint in policy.entrypoints))
      throw new AamError('INVALID_POLICY', `The publish policy has no entrypoint ${entrypoint}`);
    return new PublishPolicy(policy, digest, source, entrypoint);
  }

  /** The decision for these facts. Anything but a well-formed accept, hold or reject is a POLICY_ERROR. */
  decide(facts: PublishFacts | Record<string, unknown>): PublishDecision {
    let result: unknown;
    try {
      result = this.policy.evaluate(facts, this.entrypoint)[0]?.result;
    } catch (e) {
      throw new AamError(
        'POLICY_ERROR',
        `evaluating the publish policy failed: ${e instanceof Error ? e.message : JSON.stringify(e)}`,
      );
    }
    const d = result as Partial<PublishDecision> | undefined;
    if (
      !d ||
      typeof d !== 'object' ||
      !['accept', 'hold', 'reject'].includes(d.decision as string) ||
      !Array.isArray(d.reasons) ||
      d.reasons.some((r) => typeof r?.code !== 'string' || typeof r?.message !== 'string')
    )
      throw new AamError(
        'POLICY_ERROR',
        `The publish policy returned no valid decision (accept, hold or reject with reasons): ${JSON.stringify(result)?.slice(0, 200)}`,
      );
    return { decision: d.decision!, reasons: d.reasons.map((r) => ({ ...r, rule: r.rule ?? '' })) };
  }
}

function digestOf(sources: Buffer[]): string {
  const h = createHash('sha256');
  for (const s of sources) h.update(s);
  return `sha256:${h.digest('hex')}`;
}
