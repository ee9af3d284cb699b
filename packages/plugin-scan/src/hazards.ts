import { createHash } from 'node:crypto';
import {
  UNSAFE_NAME_CHARACTER,
  type Finding,
  type Scanner,
  type ScanReport,
  type ScanTarget,
} from '@aam/core/plugin';
import { asText, lineOf, MAX_PER_RULE_AND_FILE, nextTurn } from './text.js';

/** The version of the hazard rules below; it changes whenever a rule does. */
export const HAZARD_RULES_VERSION = '1.0.0';

// Bidirectional controls (Trojan Source, CVE-2021-42574): text that reads differently than it runs or says.
const BIDI = /[\u202A-\u202E\u2066-\u2069]/gu;
// Unicode tag characters: invisible ASCII smuggled into prompts. An emoji subdivision flag
// (black flag, 2-6 tag letters, cancel tag) is the one legitimate use, and is not flagged.
const TAGS = /[\u{E0000}-\u{E007F}]/gu;
const FLAG_SEQUENCE = /\u{1F3F4}[\u{E0030}-\u{E0039}\u{E0061}-\u{E007A}]{2,6}\u{E007F}/gu;
// Zero-width and other invisible characters, and the variation selectors supplement (data hidden in emoji).
// The joiner (U+200D) is in the class on purpose: it is one of the characters looked for, one at a time.
// eslint-disable-next-line no-misleading-character-class
const INVISIBLE = /[\u200B-\u200F\u2060-\u2064\u180E\uFEFF\u{E0100}-\u{E01EF}]/gu;
const EMOJI = /\p{Extended_Pictographic}/u;
// Links an agent could fetch over plain text. Loopback and the reserved documentation domains are fine.
const LINK = /\b(?:http|ftp):\/\/([^\s/'"`<>()[\]{}]+)[^\s'"`<>)\]]*/gi;
const HARMLESS_HOST =
  /^(?:localhost|127(?:\.\d{1,3}){3}|\[::1\]|0\.0\.0\.0|(?:[a-z0-9-]+\.)*localhost|(?:[a-z0-9-]+\.)*example(?:\.com|\.org|\.net)?|www\.w3\.org)(?::\d+)?$/i;

const SCRIPT_EXTENSIONS =
  /\.(?:sh|bash|zsh|fish|ps1|psm1|bat|cmd|com|exe|dll|so|dylib|scr|vbs|vbe|jse?|wsf|msi|jar|apk|elf|app)$/i;

/** The rules' digest (their patterns), named as the scan's database in attestations: it changes with any rule. */
export const HAZARD_RULES_DIGEST = `sha256:${createHash('sha256')
  .update(
    [BIDI, TAGS, FLAG_SEQUENCE, INVISIBLE, LINK, HARMLESS_HOST, SCRIPT_EXTENSIONS, UNSAFE_NAME_CHARACTER]
      .map((r) => `${r.source}/${r.flags}`)
      .join('\n'),
  )
  .digest('hex')}`;

/** Magic numbers of native executables. */
function nativeFormat(b: Uint8Array): string | undefined {
  const at = (...xs: number[]) => xs.every((x, i) => b[i] === x);
  if (at(0x7f, 0x45, 0x4c, 0x46)) return 'an ELF executable';
  if (at(0x4d, 0x5a)) return 'a Windows (PE/MZ) executable';
  if (
    at(0xcf, 0xfa, 0xed, 0xfe) ||
    at(0xce, 0xfa, 0xed, 0xfe) ||
    at(0xfe, 0xed, 0xfa, 0xcf) ||
    at(0xca, 0xfe, 0xba, 0xbe)
  )
    return 'a Mach-O executable';
  if (at(0x00, 0x61, 0x73, 0x6d)) return 'a WebAssembly module';
  return undefined;
}

const codePoint = (c: string): string => `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;

/**
 * Hazards particular to agent packages, whose files are prompts and skills an AI agent reads and may act on:
 * invisible and bidirectional Unicode (text a reviewer cannot see), executables and scripts in a package whose
 * manifest declares only text artifacts (agents, skills, prompts, instructions), and links over plain http.
 */
export class HazardsScanner implements Scanner {
  readonly name = 'hazards';
  readonly version = HAZARD_RULES_VERSION;

  async scan(target: ScanTarget, opts: { signal: AbortSignal }): Promise<ScanReport> {
    const findings: Finding[] = [];
    // Every entry's name, links included (a link has a name too).
    for (const path of target.paths) findings.push(...pathFindings(path));
    const onlyText = declaresOnlyText(target.manifest);
    for (const file of target.files) {
      await nextTurn();
      opts.signal.throwIfAborted();
      if (onlyText) findings.push(...executableFindings(file.path, file.mode, file.bytes));
      const text = asText(file.bytes);
      if (text !== undefined) findings.push(...textFindings(file.path, text));
    }
    return { findings, database: HAZARD_RULES_DIGEST };
  }
}

/** The artifact kinds that are text read by an agent (the manifest schema's kinds today). */
const TEXT_ARTIFACT_KINDS = new Set(['agents', 'skills', 'prompts', 'instructions']);

/** Whether the manifest declares only text artifacts: then an executable or a script has no business there. */
export function declaresOnlyText(manifest: Record<string, unknown>): boolean {
  const artifacts = manifest.artifacts;
  if (typeof artifacts !== 'object' || artifacts === null) return true;
  return Object.keys(artifacts).every((kind) => TEXT_ARTIFACT_KINDS.has(kind));
}

/** A file name with control, bidirectional or invisible characters. */
export function pathFindings(path: string): Finding[] {
  // The host's own definition of an unsafe name, the one it escapes names in findings by.
  const m = UNSAFE_NAME_CHARACTER.exec(path);
  if (!m) return [];
  return [
    {
      rule: 'unsafe-file-name',
      severity: 'high',
      // Given as it is: the host escapes every finding's path (runScanners) before showing or storing it.
      path,
      message: `the file name holds ${codePoint(m[0])}, which makes it show as another name or write to the terminal`,
    },
  ];
}

/** A native binary, a script, or an executable bit: at most one finding per file, the most severe. */
export function executableFindings(path: string, mode: number, bytes: Uint8Array): Finding[] {
  const native = nativeFormat(bytes);
  if (native)
    return [
      {
        rule: 'native-executable',
        severity: 'high',
        path,
        message: `${native} in a package of text artifacts`,
      },
    ];
  const shebang = bytes[0] === 0x23 && bytes[1] === 0x21;
  if (shebang || SCRIPT_EXTENSIONS.test(path))
    return [
      {
        rule: 'script-file',
        severity: 'medium',
        path,
        ...(shebang ? { line: 1 } : {}),
        message: `a ${shebang ? 'script (#! line)' : 'script or program file'} in a package of text artifacts`,
      },
    ];
  if ((mode & 0o111) !== 0)
    return [{ rule: 'executable-file', severity: 'medium', path, message: 'the file is marked executable' }];
  return [];
}

/** Bidi controls, tag characters, invisible characters and plain-http links in one text file. */
export function textFindings(path: string, text: string): Finding[] {
  const out: Finding[] = [];
  const each = (re: RegExp, source: string, f: (m: RegExpExecArray) => Finding | undefined) => {
    let n = 0;
    re.lastIndex = 0;
    for (let m = re.exec(source); m && n < MAX_PER_RULE_AND_FILE; m = re.exec(source)) {
      const finding = f(m);
      if (finding) {
        out.push(finding);
        n++;
      }
    }
  };
  each(BIDI, text, (m) => ({
    rule: 'bidi-control',
    severity: 'high',
    path,
    line: lineOf(text, m.index),
    message: `${codePoint(m[0])}, a bidirectional control: the text reads differently than it is`,
  }));
  // Flag sequences are blanked (same length, so indexes and lines stay right) before looking for tags.
  const noFlags = text.replace(FLAG_SEQUENCE, (s) => ' '.repeat(s.length));
  each(TAGS, noFlags, (m) => ({
    rule: 'tag-character',
    severity: 'high',
    path,
    line: lineOf(text, m.index),
    message: `${codePoint(m[0])}, an invisible tag character (text hidden from readers)`,
  }));
  each(INVISIBLE, text, (m) => {
    if (m[0] === '\uFEFF' && m.index === 0) return undefined; // a byte-order mark
    if (m[0] === '\u200D') {
      // A zero-width joiner between two emoji builds one emoji (family, profession): not hidden text.
      const low = text.charCodeAt(m.index - 1);
      const surrogatePair = low >= 0xdc00 && low <= 0xdfff;
      const before = String.fromCodePoint(text.codePointAt(m.index - (surrogatePair ? 2 : 1)) ?? 32);
      const after = String.fromCodePoint(text.codePointAt(m.index + 1) ?? 32);
      if (EMOJI.test(before) && EMOJI.test(after)) return undefined;
    }
    return {
      rule: 'invisible-character',
      severity: 'medium',
      path,
      line: lineOf(text, m.index),
      message: `${codePoint(m[0])}, an invisible character`,
    };
  });
  each(LINK, text, (m) => {
    // user:password@host: only the host is judged and named (a credential in a link never reaches a finding).
    const host = m[1]!.slice(m[1]!.lastIndexOf('@') + 1);
    if (HARMLESS_HOST.test(host)) return undefined;
    const scheme = m[0].slice(0, m[0].indexOf(':')).toLowerCase();
    return {
      rule: 'insecure-link',
      severity: 'low',
      path,
      line: lineOf(text, m.index),
      message: `a link over plain ${scheme} to ${host.slice(0, 100)} (use https)`,
    };
  });
  return out;
}
