/** OpenPGP.js costs ~70 ms to import: load it on the first signature, not at every `aam` start-up. */
let loading: Promise<typeof import('openpgp')> | undefined;

export function openpgpModule(): Promise<typeof import('openpgp')> {
  loading ??= import('openpgp');
  return loading;
}
