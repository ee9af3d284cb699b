/**
 * Shell completion scripts for bash, zsh and fish, generated from the command table: commands and topics
 * (`aam registry <TAB>`), each command's flags (`aam install --<TAB>`), files elsewhere. One data set, three
 * renderings; zsh runs the bash function through bashcompinit (shipped with zsh).
 */
export interface CompletionCommand {
  /** Space-separated: `registry add`. */
  id: string;
  summary: string;
  /** `--registry`, `-r`, ... */
  flags: { name: string; char?: string; summary: string }[];
}

export type Shell = 'bash' | 'zsh' | 'fish';

/** The words that may follow a command path ('' is the top level): sub-commands and topics. */
function nextWords(commands: CompletionCommand[]): Map<string, Set<string>> {
  const next = new Map<string, Set<string>>();
  for (const c of commands) {
    const words = c.id.split(' ');
    for (let i = 0; i < words.length; i++) {
      const path = words.slice(0, i).join(' ');
      if (!next.has(path)) next.set(path, new Set());
      next.get(path)!.add(words[i]!);
    }
  }
  return next;
}

const bashWord = (s: string): string => s.replace(/[^A-Za-z0-9_.:@/+-]/g, '');
/** A command path as a case label: words kept, spaces between them. */
const bashPath = (s: string): string => s.split(' ').map(bashWord).join(' ');

export function bashScript(bin: string, commands: CompletionCommand[]): string {
  const fn = `_${bin.replace(/[^A-Za-z0-9_]/g, '_')}_complete`;
  const next = nextWords(commands);
  const nextCases = [...next]
    .map(([path, words]) => `    "${bashPath(path)}") echo "${[...words].map(bashWord).sort().join(' ')}" ;;`)
    .join('\n');
  const flagCases = commands
    .map((c) => {
      const flags = c.flags.flatMap((f) => [`--${f.name}`, ...(f.char ? [`-${f.char}`] : [])]);
      return `    "${bashPath(c.id)}") echo "${[...flags, '--help'].map(bashWord).join(' ')}" ;;`;
    })
    .join('\n');
  return `# ${bin} completion for bash. Install: ${bin} completion bash > ~/.local/share/bash-completion/completions/${bin}
${fn}_next() {
  case "$1" in
${nextCases}
  esac
}
${fn}_flags() {
  case "$1" in
${flagCases}
  esac
}
${fn}() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" path="" w i
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    [[ $w == -* ]] && continue
    if [[ " $(${fn}_next "$path") " == *" $w "* ]]; then path="\${path:+$path }$w"; else break; fi
  done
  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$(${fn}_flags "$path")" -- "$cur"))
  else
    COMPREPLY=($(compgen -W "$(${fn}_next "$path")" -- "$cur"))
    [[ \${#COMPREPLY[@]} -eq 0 ]] && COMPREPLY=($(compgen -f -- "$cur"))
  fi
  return 0
}
complete -o filenames -F ${fn} ${bin}
`;
}

export function zshScript(bin: string, commands: CompletionCommand[]): string {
  return `#compdef ${bin}
# ${bin} completion for zsh. Install: ${bin} completion zsh > "\${fpath[1]}/_${bin}" (or eval "$(${bin} completion zsh)" in ~/.zshrc)
autoload -U +X bashcompinit && bashcompinit
${bashScript(bin, commands).split('\n').slice(1).join('\n')}`;
}

const fishText = (s: string): string => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

export function fishScript(bin: string, commands: CompletionCommand[]): string {
  const fn = `__${bin.replace(/[^A-Za-z0-9_]/g, '_')}_path`;
  const next = nextWords(commands);
  const summaries = new Map(commands.map((c) => [c.id, c.summary]));
  const lines = [
    `# ${bin} completion for fish. Install: ${bin} completion fish > ~/.config/fish/completions/${bin}.fish`,
    `# The command path typed so far ('registry add'), words that are neither flags nor a known next word ending it.`,
    `function ${fn}`,
    `    set -l path ''`,
    `    for w in (commandline -opc)[2..-1]`,
    `        string match -q -- '-*' $w; and continue`,
    `        set -l candidates (${fn}_next $path)`,
    `        if contains -- $w $candidates`,
    `            set path (string trim -- "$path $w")`,
    `        else`,
    `            break`,
    `        end`,
    `    end`,
    `    echo $path`,
    `end`,
    `function ${fn}_next`,
    `    switch "$argv"`,
    ...[...next].flatMap(([path, words]) => [
      `        case ${fishText(path)}`,
      `            printf '%s\\n' ${[...words].sort().map(fishText).join(' ')}`,
    ]),
    `    end`,
    `end`,
    `complete -c ${bin} -e`,
  ];
  for (const [path, words] of next)
    for (const w of [...words].sort()) {
      const id = path ? `${path} ${w}` : w;
      const summary = summaries.get(id) ?? `${id} commands`;
      lines.push(
        `complete -c ${bin} -f -n ${fishText(`test (${fn}) = ${fishText(path)}`)} -a ${fishText(w)} -d ${fishText(summary)}`,
      );
    }
  for (const c of commands)
    for (const f of [...c.flags, { name: 'help', summary: 'show help' }] as CompletionCommand['flags'])
      lines.push(
        `complete -c ${bin} -n ${fishText(`test (${fn}) = ${fishText(c.id)}`)} -l ${f.name}${f.char ? ` -s ${f.char}` : ''} -d ${fishText(f.summary)}`,
      );
  return lines.join('\n') + '\n';
}

export function completionScript(shell: Shell, bin: string, commands: CompletionCommand[]): string {
  return shell === 'bash'
    ? bashScript(bin, commands)
    : shell === 'zsh'
      ? zshScript(bin, commands)
      : fishScript(bin, commands);
}
