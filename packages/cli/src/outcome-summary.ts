import type { Decision } from '@aam/core';

/** The reason codes behind a decision's outcome: its failures when it fails, else its warnings. */
export function outcomeCodes(decision: Decision): string[] {
  const effect = decision.outcome === 'fail' ? 'fail' : 'warn';
  return decision.reasons.filter((r) => r.effect === effect).map((r) => r.code);
}

/** Per-package outcomes of one install or verify, for the summary line that ends it. */
export class OutcomeTally {
  private readonly outcomes = new Map<string, 'ok' | 'warned' | 'refused'>();
  private readonly reasons = new Map<'warned' | 'refused', Map<string, number>>([
    ['warned', new Map()],
    ['refused', new Map()],
  ]);

  /** Records what the policy (or a host check such as a modified file) decided for one package. */
  record(id: string, outcome: 'ok' | 'warned' | 'refused', codes: string[] = []): void {
    this.outcomes.set(id, outcome);
    if (outcome === 'ok') return;
    const counts = this.reasons.get(outcome)!;
    for (const code of new Set(codes)) counts.set(code, (counts.get(code) ?? 0) + 1);
  }

  recordDecision(id: string, decision: Decision): void {
    const outcome = decision.outcome === 'fail' ? 'refused' : decision.outcome === 'warn' ? 'warned' : 'ok';
    this.record(id, outcome, outcomeCodes(decision));
  }

  count(outcome: 'ok' | 'warned' | 'refused'): number {
    return [...this.outcomes.values()].filter((o) => o === outcome).length;
  }

  /** `refused: unsigned ×2, signer_untrusted ×1` */
  reasonCounts(outcome: 'warned' | 'refused'): Record<string, number> {
    return Object.fromEntries([...this.reasons.get(outcome)!].sort((a, b) => b[1] - a[1]));
  }

  /**
   * The one line that ends the command, e.g. `Summary: 2 installed, 1 warned, 1 refused (unsigned ×1);
   * nothing was installed`. `okWord` names the clean outcome (installed, verified, up to date).
   */
  line(okWord: string, tail?: string, failWord = 'refused'): string {
    const parts = [`${this.count('ok')} ${okWord}`];
    for (const o of ['warned', 'refused'] as const) {
      const counts = Object.entries(this.reasonCounts(o));
      parts.push(
        `${this.count(o)} ${o === 'refused' ? failWord : o}${counts.length ? ` (${counts.map(([c, n]) => `${c} ×${n}`).join(', ')})` : ''}`,
      );
    }
    return `Summary: ${parts.join(', ')}${tail ? `; ${tail}` : ''}`;
  }

  toJson(okWord: string, failWord = 'refused') {
    return {
      [okWord.replace(/ /g, '_')]: this.count('ok'),
      warned: this.count('warned'),
      [failWord]: this.count('refused'),
      reasons: { warned: this.reasonCounts('warned'), [failWord]: this.reasonCounts('refused') },
    };
  }
}

/** A one-line download progress display on a terminal's stderr; silent on a pipe, under --json or NO_PROGRESS. */
export class Progress {
  private shown = false;
  private last = 0;
  constructor(private readonly enabled: boolean) {}

  static forTerminal(json: boolean): Progress {
    return new Progress(process.stderr.isTTY === true && !json && !process.env.AAM_NO_PROGRESS);
  }

  update(text: string): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.last < 80) return;
    this.last = now;
    process.stderr.write(`\r\u001b[2K${text}`);
    this.shown = true;
  }

  /** Clears the line before anything else is printed. */
  clear(): void {
    if (!this.shown) return;
    process.stderr.write('\r\u001b[2K');
    this.shown = false;
  }
}
