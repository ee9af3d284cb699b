// Benchmark 3: start-up cost of the CLI, `aam --version`, against a bare `node -e 0`.
import { join } from 'node:path';
import { aam, aamEnv } from './lib/tools.mjs';
import { median, runTimed } from './lib/measure.mjs';
import { formatMs, formatRatio, printLines, printSection } from './lib/report.mjs';

export const coldStartSizes = { quick: { runs: 5 }, full: { runs: 20 } };

function aamVersionTimed(env) {
  const { ms, stdout } = aam(['--version'], { env });
  if (!stdout.includes('@aam/cli')) throw new Error(`Unexpected \`aam --version\` output: ${stdout}`);
  return ms;
}

function bareNodeTimed() {
  return runTimed(process.execPath, ['-e', '0']).ms;
}

export function benchColdStart({ workDir, quick }) {
  const { runs } = quick ? coldStartSizes.quick : coldStartSizes.full;
  printSection(`Cold start: aam --version vs node -e 0, ${runs} runs each`);
  const env = aamEnv(join(workDir, 'cold-start-home'));

  aamVersionTimed(env); // one untimed run of each, so both start with warm file caches
  bareNodeTimed();
  const times = { aamVersion: [], nodeBare: [] };
  for (let i = 0; i < runs; i++) {
    times.aamVersion.push(aamVersionTimed(env));
    times.nodeBare.push(bareNodeTimed());
  }

  const medians = { aamVersion: median(times.aamVersion), nodeBare: median(times.nodeBare) };
  const ratio = medians.aamVersion / medians.nodeBare;
  printLines([
    ['aam --version', formatMs(medians.aamVersion)],
    ['node -e 0', formatMs(medians.nodeBare)],
    ['ratio aam / node', formatRatio(ratio)],
  ]);

  return {
    json: { runs, timesMs: times, medianMs: medians, ratio },
    summary: [
      {
        benchmark: 'cold start',
        measure: `aam --version (n=${runs})`,
        aam: formatMs(medians.aamVersion),
        peer: `node -e 0 ${formatMs(medians.nodeBare)}`,
        ratio,
      },
    ],
  };
}
