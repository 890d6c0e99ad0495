/**
 * `kontroler completion bash|zsh|fish`: shell completion generated from the command tree itself, so every
 * command and option added later completes without touching this file.
 */
import { Argument, type Command } from 'commander';
import { EXIT } from '../exit-codes.js';
import type { CommandContext } from '../context.js';

interface Node {
  /** Space-separated command path (`''`, `dags`, `dags list`). */
  readonly path: string;
  readonly subcommands: readonly { name: string; description: string }[];
  readonly options: readonly { short?: string; long?: string; description: string }[];
}

function nodes(command: Command, path = ''): Node[] {
  const here: Node = {
    path,
    subcommands: command.commands.map((c) => ({ name: c.name(), description: c.description() })),
    options: command.options.map((o) => ({
      ...(o.short ? { short: o.short } : {}),
      ...(o.long ? { long: o.long } : {}),
      description: o.description,
    })),
  };
  return [here, ...command.commands.flatMap((c) => nodes(c, path === '' ? c.name() : `${path} ${c.name()}`))];
}

function bash(tree: readonly Node[]): string {
  const cases = tree.map((n) => {
    const words = [
      ...n.subcommands.map((s) => s.name),
      ...n.options.flatMap((o) => [o.short, o.long].filter(Boolean)),
    ];
    return `    "${n.path}") words="${words.join(' ')}" ;;`;
  });
  return `# kontroler completion for bash: source <(kontroler completion bash)
_kontroler() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" path="" w words=""
  for w in "\${COMP_WORDS[@]:1:COMP_CWORD-1}"; do [[ $w == -* ]] || path="\${path:+$path }$w"; done
  case "$path" in
${cases.join('\n')}
  esac
  COMPREPLY=( $(compgen -W "$words" -- "$cur") )
  [[ \${#COMPREPLY[@]} -eq 0 ]] && COMPREPLY=( $(compgen -f -- "$cur") )
  return 0
}
complete -F _kontroler kontroler kubectl-kontroler
`;
}

function zsh(tree: readonly Node[]): string {
  return `#compdef kontroler kubectl-kontroler
# kontroler completion for zsh: source <(kontroler completion zsh)
autoload -U +X bashcompinit && bashcompinit
${bash(tree)}`;
}

const fishQuote = (text: string) => `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

function fish(tree: readonly Node[]): string {
  const lines = [
    '# kontroler completion for fish: kontroler completion fish | source',
    'complete -c kontroler -f',
  ];
  for (const n of tree) {
    const words = n.path === '' ? [] : n.path.split(' ');
    const condition =
      words.length === 0
        ? '__fish_use_subcommand'
        : `__fish_seen_subcommand_from ${words[words.length - 1] ?? ''}`;
    for (const s of n.subcommands) {
      lines.push(
        `complete -c kontroler -n ${fishQuote(condition)} -a ${s.name} -d ${fishQuote(s.description)}`,
      );
    }
    if (words.length === 0) continue;
    for (const o of n.options) {
      const flags = [
        o.short ? `-s ${o.short.replace(/^-/, '')}` : '',
        o.long ? `-l ${o.long.replace(/^--/, '')}` : '',
      ]
        .filter(Boolean)
        .join(' ');
      lines.push(`complete -c kontroler -n ${fishQuote(condition)} ${flags} -d ${fishQuote(o.description)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

export function registerCompletion(program: Command, ctx: CommandContext): void {
  program
    .command('completion')
    .description('print a shell completion script')
    .addArgument(new Argument('<shell>', 'the shell').choices(['bash', 'zsh', 'fish']))
    .addHelpText(
      'after',
      `
Examples:
  source <(kontroler completion bash)          # in ~/.bashrc
  source <(kontroler completion zsh)           # in ~/.zshrc
  kontroler completion fish > ~/.config/fish/completions/kontroler.fish`,
    )
    .action(
      ctx.action(async (shell: 'bash' | 'zsh' | 'fish') => {
        const tree = nodes(program);
        ctx.io.stdout.write(shell === 'bash' ? bash(tree) : shell === 'zsh' ? zsh(tree) : fish(tree));
        return Promise.resolve(EXIT.ok);
      }),
    );
}
