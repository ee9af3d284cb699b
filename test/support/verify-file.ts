/**
 * `aam verify FILE --signature SIG... [--key KEY...]` in-process: the command's own steps (config loading, the
 * built-in plugins in a container with the host's settings, the trust context, `verifyArtifactFlow`, and the
 * command's rendering) without oclif and without a process. The exit code is the decision's `verified`, as the
 * command's. Used where many cases exercise the verifier and the policy; the command itself is tested through
 * the binary elsewhere.
 */
import {
  createPluginContainer,
  loadConfig,
  pluginSettings,
  trustContextFor,
  verifiersOf,
  verifyArtifactFlow,
  type Decision,
  type Facts,
} from '../../packages/core/dist/index.js';
import { artifactVerificationLines } from '../../packages/cli/dist/render-decision.js';
import { plugin as attestation } from '../../packages/plugin-attestation/dist/index.js';
import { plugin as gpg } from '../../packages/plugin-gpg/dist/index.js';
import { plugin as sigstore } from '../../packages/plugin-sigstore/dist/index.js';

export interface VerifiedFile {
  code: 0 | 1;
  stdout: string;
  facts: Facts;
  decision: Decision;
}

export async function verifyFileInProcess(opts: {
  projectDir: string;
  env: NodeJS.ProcessEnv;
  file: string;
  signatures: string[];
  keys?: string[];
}): Promise<VerifiedFile> {
  const loaded = loadConfig({ projectDir: opts.projectDir, env: opts.env });
  const container = await createPluginContainer([sigstore, gpg, attestation], {
    settings: pluginSettings(loaded, opts.env),
  });
  const { trust } = await trustContextFor(
    loaded,
    verifiersOf(container),
    { verify: true, require_signature: loaded.config.security.require_signature, no_verify: false },
    { env: opts.env },
  );
  const { facts, decision } = await verifyArtifactFlow({
    file: opts.file,
    signatures: opts.signatures,
    keys: opts.keys ?? [],
    trust,
  });
  return {
    code: decision.verified ? 0 : 1,
    stdout: `${artifactVerificationLines(decision, facts).join('\n')}\n`,
    facts,
    decision,
  };
}
