/** `kontroler tokens list|create|revoke`: API tokens for scripts and CI (`KONTROLER_TOKEN`). */
import { Option, type Command } from 'commander';
import { unwrap, type TokenInfo } from '@kontroler/client';
import { EXIT } from '../exit-codes.js';
import { println } from '../io.js';
import { LIST_FORMATS, age, printItems, printStructured, type ListFormat } from '../output.js';
import { call, connect } from '../server/connect.js';
import type { CommandContext } from '../context.js';

const TOKEN_COLUMNS = [
  { header: 'id', cell: (t: TokenInfo) => t.id },
  { header: 'name', cell: (t: TokenInfo) => t.name },
  { header: 'prefix', cell: (t: TokenInfo) => t.prefix },
  { header: 'role', cell: (t: TokenInfo) => t.role ?? '-' },
  { header: 'namespace', cell: (t: TokenInfo) => t.namespace ?? '*' },
  { header: 'user', cell: (t: TokenInfo) => t.username ?? '-', wide: true },
  { header: 'expires', cell: (t: TokenInfo) => t.expiresAt ?? 'never', wide: true },
  { header: 'last used', cell: (t: TokenInfo) => age(t.lastUsedAt) },
  { header: 'revoked', cell: (t: TokenInfo) => (t.revokedAt === null ? 'no' : 'yes') },
];

export function registerTokens(program: Command, ctx: CommandContext): void {
  const { io } = ctx;
  const server = () => program.opts<{ server?: string }>().server;
  const tokens = program
    .command('tokens')
    .description('API tokens')
    .addHelpText(
      'after',
      '\nExamples:\n  kontroler tokens create --name ci --role editor\n  kontroler tokens list',
    );
  const output = () =>
    new Option('-o, --output <format>', 'output format').choices(LIST_FORMATS).default('table');

  tokens
    .command('list')
    .alias('ls')
    .description("list your API tokens (admins: everyone's)")
    .addOption(output())
    .addHelpText('after', '\nExamples:\n  kontroler tokens list -o wide')
    .action(
      ctx.action(async (options: { output: string }) => {
        const c = await connect(io, server());
        const page = await call(c, unwrap(c.client.GET('/api/v1/tokens')));
        printItems(io.stdout, options.output as ListFormat, page.items, TOKEN_COLUMNS, page);
        return EXIT.ok;
      }),
    );

  tokens
    .command('create')
    .description('create an API token; it is shown once')
    .requiredOption('--name <name>', 'what the token is for')
    .addOption(
      new Option('--role <role>', 'what it may do').choices(['admin', 'editor', 'viewer']).default('viewer'),
    )
    .option('-n, --namespace <namespace>', 'only this namespace (default: every namespace your role has)')
    .option('--expires-in-days <days>', "expiry (default: the server's)", (v) => Number.parseInt(v, 10))
    .addOption(
      new Option('-o, --output <format>', 'text, json or yaml')
        .choices(['text', 'json', 'yaml'])
        .default('text'),
    )
    .addHelpText(
      'after',
      '\nExamples:\n  kontroler tokens create --name ci --role editor -n analytics\n  export KONTROLER_TOKEN=$(kontroler tokens create --name ci)',
    )
    .action(
      ctx.action(
        async (options: {
          name: string;
          role: 'admin' | 'editor' | 'viewer';
          namespace?: string;
          expiresInDays?: number;
          output: string;
        }) => {
          const c = await connect(io, server());
          const body = {
            name: options.name,
            role: options.role,
            ...(options.namespace !== undefined ? { namespace: options.namespace } : {}),
            ...(options.expiresInDays !== undefined ? { expiresInDays: options.expiresInDays } : {}),
          };
          const created = await call(c, unwrap(c.client.POST('/api/v1/tokens', { body })));
          if (options.output === 'json' || options.output === 'yaml')
            printStructured(io.stdout, options.output, created);
          else {
            // The token alone on stdout, so `$(kontroler tokens create …)` captures it; the rest to stderr.
            println(io.stdout, created.token);
            println(
              io.stderr,
              `token ${created.id} (${created.name}, ${created.role}) created; it is not shown again`,
            );
          }
          return EXIT.ok;
        },
      ),
    );

  tokens
    .command('revoke')
    .description('revoke an API token')
    .argument('<id>', 'the token id (see "tokens list")')
    .addHelpText('after', '\nExamples:\n  kontroler tokens revoke 3f1e…')
    .action(
      ctx.action(async (id: string) => {
        const c = await connect(io, server());
        await call(c, unwrap(c.client.DELETE('/api/v1/tokens/{id}', { params: { path: { id } } })));
        println(io.stdout, `token ${id} revoked`);
        return EXIT.ok;
      }),
    );
}
