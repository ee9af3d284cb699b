import { createRequire } from 'node:module';
import type { SecurityConfig } from '../config/types.js';
import { AamError } from '../errors.js';
import type { PolicySource } from './compile.js';
import type { Decision, Facts } from './facts.js';
import { policyConfig } from './translate.js';

interface LoadedPolicy {
  evaluate(input: unknown, entrypoint?: string | number): { result: unknown }[];
  setData(data: unknown): void;
  entrypoints: Record<string, number>;
}

// The SDK's ESM entry lacks loadPolicySync and mis-types its exports; CommonJS is the reliable door.
const require = createRequire(import.meta.url);
let sdk: { loadPolicy(wasm: Uint8Array): Promise<LoadedPolicy> } | undefined;

/** The SDK throws strings and plain objects: always hand back an AamError. */
function normalise(e: unknown, what: string): AamError {
  if (e instanceof AamError) return e;
  const detail = e instanceof Error ? e.message : typeof e === 'string' ? e : JSON.stringify(e);
  return new AamError('POLICY_ERROR', `${what}: ${detail}`);
}

const loaded = new Map<string, Promise<LoadedPolicy>>();
const encoder = new TextEncoder();
const configOf = new WeakMap<LoadedPolicy, string>();

/** Evaluates facts with a compiled trust policy. Loads each WASM once per process. */
export class PolicyEngine {
  private constructor(
    private readonly policy: LoadedPolicy,
    readonly source: PolicySource,
  ) {}

  static async load(source: PolicySource, security?: SecurityConfig): Promise<PolicyEngine> {
    let p = loaded.get(source.hash);
    if (!p) {
      sdk ??= require('@open-policy-agent/opa-wasm') as typeof sdk;
      p = sdk!.loadPolicy(source.wasm).catch((e: unknown) => {
        loaded.delete(source.hash);
        throw normalise(e, 'loading the policy WASM failed');
      });
      loaded.set(source.hash, p);
    }
    const engine = new PolicyEngine(await p, source);
    for (const e of ['aam/trust/decision', 'aam/trust/explain']) {
      if (!(e in engine.policy.entrypoints))
        throw new AamError('POLICY_ERROR', `The policy has no entrypoint ${e}`);
    }
    if (security) engine.configure(security);
    return engine;
  }

  /** Passes the config as data (prebuilt WASM). A compiled policy carries its config already. */
  configure(security: SecurityConfig): void {
    if (!this.source.configAsData) return;
    const data = { aam: { config: { security: policyConfig(security) } } };
    const key = JSON.stringify(data);
    // Engines loaded from the same WASM share one instance: the data it holds is tracked per instance.
    if (configOf.get(this.policy) === key) return;
    try {
      this.policy.setData(data);
    } catch (e) {
      configOf.delete(this.policy);
      throw normalise(e, 'passing the config to the policy failed');
    }
    configOf.set(this.policy, key);
  }

  private run(facts: Facts | Record<string, unknown>, entrypoint: string): unknown {
    let rs: { result: unknown }[];
    try {
      // Pre-encoded input skips the SDK's per-call TextEncoder; always an object, never "no input".
      rs = this.policy.evaluate(encoder.encode(JSON.stringify(facts ?? {})).buffer, entrypoint);
    } catch (e) {
      throw normalise(e, 'evaluating the policy failed');
    }
    const result = rs[0]?.result;
    // An undefined decision is never a pass.
    if (result === undefined || result === null || typeof result !== 'object') {
      throw new AamError(
        'POLICY_ERROR',
        `The policy returned no ${entrypoint.split('/').pop()} for these facts`,
      );
    }
    return result;
  }

  decide(facts: Facts | Record<string, unknown>): Decision {
    const d = this.run(facts, 'aam/trust/decision') as Decision;
    if (d.outcome !== 'install' && d.outcome !== 'warn' && d.outcome !== 'fail') {
      throw new AamError(
        'POLICY_ERROR',
        `The policy returned an unknown outcome ${JSON.stringify(d.outcome)}`,
      );
    }
    return d;
  }

  explain(facts: Facts | Record<string, unknown>): Record<string, unknown> {
    return this.run(facts, 'aam/trust/explain') as Record<string, unknown>;
  }
}
