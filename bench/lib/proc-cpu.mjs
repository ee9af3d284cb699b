// CPU time of server processes (Linux /proc): a figure that, unlike requests/s, hardly moves when other
// processes compete for the cores. `treeCpuMs(pids)` sums user + system time of the given processes and all
// their descendants (PostgreSQL's postmaster and its backends, say); undefined where /proc is unavailable.
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc's utime/stime: 100 on every Linux build that matters. */
const CLK_TCK = 100;

function stat(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) state ppid ..." — comm may hold spaces and parentheses: split after the last ')'.
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) };
  } catch {
    return undefined;
  }
}

export function treeCpuMs(pids) {
  if (process.platform !== 'linux') return undefined;
  let all;
  try {
    all = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return undefined;
  }
  const info = new Map();
  for (const d of all) {
    const s = stat(d);
    if (s) info.set(Number(d), s);
  }
  const children = new Map();
  for (const [pid, s] of info) {
    if (!children.has(s.ppid)) children.set(s.ppid, []);
    children.get(s.ppid).push(pid);
  }
  let ticks = 0;
  const seen = new Set();
  const stack = pids.filter((p) => info.has(p));
  if (stack.length === 0) return undefined;
  while (stack.length) {
    const pid = stack.pop();
    if (seen.has(pid)) continue;
    seen.add(pid);
    ticks += info.get(pid)?.ticks ?? 0;
    stack.push(...(children.get(pid) ?? []));
  }
  return (ticks * 1000) / CLK_TCK;
}
