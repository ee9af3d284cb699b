import { describe, expect, it } from 'vitest';
import { closest, didYouMean } from '../src/suggest.js';
import {
  isSecretFlag,
  redact,
  redactDeep,
  redactGiven,
  registerEnvSecrets,
  registerSecret,
} from '../src/redact.js';

const JWT =
  'eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJodHRwczovL2lzc3Vlci5leGFtcGxlIiwic3ViIjoibWUifQ.c2lnbmF0dXJlLWJ5dGVz';
const AAM_TOKEN = 'aam_0123456789abcdefghijABCDEFGHIJ0123456789abc_0a1B2c';

describe('redact', () => {
  it('replaces credentials by their shape: JWTs, aam tokens, bearer headers, private key blocks', () => {
    const text = [
      `invalid identity token: ${JWT}`,
      `token ${AAM_TOKEN} refused`,
      'Authorization: Bearer abcdefgh12345678',
      '-----BEGIN PGP PRIVATE KEY BLOCK-----\nlQOYBGX\n-----END PGP PRIVATE KEY BLOCK-----',
      'key PRIVATE+KEY+corp/audit+1a2b3c4d+AXlJ2Ui8YjUhPmRQe0wVn3gS8dXl/7XkbKxPSA4Ni9n6',
    ].join('\n');
    const out = redact(text);
    expect(out).not.toContain(JWT.split('.')[1]);
    expect(out).not.toContain(AAM_TOKEN.slice(4));
    expect(out).not.toContain('abcdefgh12345678');
    expect(out).not.toContain('lQOYBGX');
    expect(out).not.toContain('AXlJ2Ui8YjUhPmRQe0wVn3gS8dXl');
    expect(out).toContain('invalid identity token: [redacted] JWT');
  });

  it('replaces a registered credential wherever it appears, also with no recognisable shape', () => {
    registerSecret('correct horse battery staple');
    expect(redactGiven('passphrase "correct horse battery staple" was wrong')).toBe(
      'passphrase "[redacted]" was wrong',
    );
    // Too short to hunt (would redact ordinary words).
    registerSecret('abc');
    expect(redactGiven('abc abc')).toBe('abc abc');
  });

  it('registers the credentials in the environment, and only those', () => {
    registerEnvSecrets({ AAM_TOKEN_MAIN: 'registry-token-from-env', HOME: '/home/someone-long' });
    expect(redactGiven('x registry-token-from-env y')).toBe('x [redacted] y');
    expect(redactGiven('/home/someone-long')).toBe('/home/someone-long');
  });

  it('redacts every string of a JSON document', () => {
    expect(redactDeep({ error: { message: `bad ${JWT}`, list: [AAM_TOKEN], n: 1 } })).toEqual({
      error: { message: 'bad [redacted] JWT', list: ['aam_[redacted]'], n: 1 },
    });
  });

  it('knows which flags carry credentials', () => {
    for (const f of ['token', 'identity-token', 'passphrase', 'client-secret'])
      expect(isSecretFlag(f)).toBe(true);
    for (const f of ['tokens-dir', 'registry', 'sign-type']) expect(isSecretFlag(f)).toBe(false);
  });
});

describe('did you mean', () => {
  it('suggests the closest key when it is a plausible typo, and nothing otherwise', () => {
    const keys = ['require_signature', 'trusted_identities', 'trusted_keys', 'on_failure'];
    expect(closest('requre_signature', keys)).toBe('require_signature');
    expect(closest('trusted_key', keys)).toBe('trusted_keys');
    expect(closest('colour', keys)).toBeUndefined();
    expect(didYouMean('lsit', ['init', 'list'])).toBe(" (did you mean 'list'?)");
    expect(didYouMean('zzzz', ['init', 'list'])).toBe('');
  });
});
