import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Command } from 'commander';
import { createProgram } from '../src/program.js';
import { createContext } from '../src/context.js';
import { Collect, cli, repoRoot } from './helpers.js';

/** Every command path of the program (`['dags', 'list']`), groups included, `help` left out. */
function paths(command: Command, prefix: string[] = []): string[][] {
  return command.commands
    .filter((c) => c.name() !== 'help')
    .flatMap((c) => [[...prefix, c.name()], ...paths(c, [...prefix, c.name()])]);
}

const program = createProgram(
  createContext({ stdout: new Collect(), stderr: new Collect(), env: {}, cwd: '/' }),
);

describe('kontroler --help', () => {
  it('is what docs/cli.md shows', async () => {
    const { code, stdout } = await cli(['--help']);
    expect(code).toBe(0);
    const doc = readFileSync(join(repoRoot, 'docs/cli.md'), 'utf8');
    const shown =
      /<!-- kontroler --help: begin -->\n```text\n([\s\S]*?)```\n<!-- kontroler --help: end -->/.exec(
        doc,
      )?.[1];
    // On a mismatch, paste the output of `npx kontroler --help` into docs/cli.md.
    expect(shown).toBe(stdout);
  });

  it.each(paths(program).map((p) => [p.join(' '), p] as const))(
    'has examples for "%s"',
    async (_name, path) => {
      const { code, stdout } = await cli([...path, '--help']);
      expect(code).toBe(0);
      expect(stdout).toMatch(/^Usage: kontroler /);
      expect(stdout).toMatch(/\nExamples:\n {2}\S/);
    },
  );

  it('exits 2 with a hint for an unknown command or option', async () => {
    const unknown = await cli(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("error: unknown command 'frobnicate'");
    const option = await cli(['dags', 'list', '--colour']);
    expect(option.code).toBe(2);
    expect(option.stderr).toContain("error: unknown option '--colour'");
    expect(option.stderr).toContain('(run "kontroler dags list --help" for usage)');
  });
});

describe('kontroler completion', () => {
  it('writes a bash script that bash accepts and that knows nested commands and options', async () => {
    const { code, stdout } = await cli(['completion', 'bash']);
    expect(code).toBe(0);
    expect(stdout).toMatch(
      /^ {4}"dags list"\) words="-n --namespace -A --all-namespaces -o --output --search" ;;$/m,
    );
    expect(stdout).toMatch(
      /^ {4}""\) words="lint convert plan run login logout whoami dags runs logs tokens completion -v --version --server" ;;$/m,
    );
    const { spawnSync } = await import('node:child_process');
    expect(spawnSync('bash', ['-n'], { input: stdout }).status).toBe(0);
  });

  it('writes fish and zsh scripts', async () => {
    const fish = await cli(['completion', 'fish']);
    expect(fish.stdout).toContain("complete -c kontroler -n '__fish_seen_subcommand_from dags' -a list");
    expect(fish.stdout).toContain(
      "complete -c kontroler -n '__fish_seen_subcommand_from watch' -s n -l namespace",
    );
    const zsh = await cli(['completion', 'zsh']);
    expect(zsh.stdout).toMatch(/^#compdef kontroler kubectl-kontroler\n/);
    expect((await cli(['completion', 'tcsh'])).code).toBe(2);
  });
});
