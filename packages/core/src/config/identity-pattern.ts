/** The rows of SPEC §4's identity table; anything else is a config error. */
export type IdentityPatternKind = 'email' | 'email-domain' | 'github' | 'gitlab' | 'uri';

const EMAIL = /^[^\s@*]+@[^\s@*]+\.[^\s@*]+$/;
const DOMAIN = /^\*@([a-z0-9-]+\.)+[a-z0-9-]+$/i;
const FORGE = /^(github|gitlab):[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/;
const URI = /^https:\/\/[^\s*]+$/;

/** Classifies a `trusted_identities` pattern, or returns undefined when it fits no row. */
export function identityPatternKind(pattern: string): IdentityPatternKind | undefined {
  // Prefix first, in the same order as the policy's kind() (policies/aam/lib/identity.rego).
  if (pattern.startsWith('*@')) return DOMAIN.test(pattern) ? 'email-domain' : undefined;
  if (pattern.startsWith('github:') || pattern.startsWith('gitlab:')) {
    const forge = FORGE.exec(pattern);
    if (!forge) return undefined;
    const parts = pattern.slice(forge[1]!.length + 1).split('/');
    // github:OWNER or github:OWNER/REPO; GitLab allows nested groups.
    if (forge[1] === 'github' && parts.length > 2) return undefined;
    return forge[1] as 'github' | 'gitlab';
  }
  if (pattern.startsWith('https://')) return URI.test(pattern) ? 'uri' : undefined;
  return EMAIL.test(pattern) ? 'email' : undefined;
}
