import { execute } from '@oclif/core';

/** The CLI's entry: oclif finds the package root (and its manifest) from this module's URL. */
export async function main(): Promise<void> {
  await execute({ dir: import.meta.url });
}

await main();
