import { AamError } from '../errors.js';
import type { Decision, Facts } from '../policy/facts.js';
import { gatherFacts, type PackageToJudge, type TrustContext } from './gather.js';

/** The facts of a package and the policy's decision on them. */
export interface Judgement {
  facts: Facts;
  decision: Decision;
  /** The registry's attestations were asked for (so having none is worth saying). */
  attestationsChecked: boolean;
}

/**
 * The one place a package is judged (install, verify and info all come here): its facts are gathered, then the
 * policy decides. Nothing else decides: the caller renders the decision and acts on its outcome.
 */
export async function judge(pkg: PackageToJudge, trust: TrustContext): Promise<Judgement> {
  const { facts, attestationsChecked } = await gatherFacts(pkg, trust);
  return { facts, decision: trust.engine.decide(facts), attestationsChecked };
}

/** A package the policy refused (exit 1): carries the decision and facts for rendering and --json. */
/** Several packages of one install refused: each with its decision; nothing was installed. */
export class InstallRefusedError extends AamError {
  constructor(
    readonly refusals: PolicyRefusedError[],
    total: number,
  ) {
    super(
      'POLICY_REFUSED',
      `The trust policy refused ${refusals.length} of ${total} packages: ${refusals.map((r) => r.packageId).join(', ')}`,
      {
        packages: refusals.map((r) => ({ package: r.packageId, decision: r.decision })),
      },
    );
  }
}

export class PolicyRefusedError extends AamError {
  constructor(
    readonly packageId: string,
    readonly decision: Decision,
    readonly facts: Facts,
  ) {
    const why = decision.reasons.filter((r) => r.effect === 'fail').map((r) => r.message);
    super('POLICY_REFUSED', `The trust policy refused ${packageId}: ${why.join('; ') || 'no reason given'}`, {
      package: packageId,
      decision,
    });
  }
}
