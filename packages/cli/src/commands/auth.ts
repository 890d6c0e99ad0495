/** `kontroler login`, `logout`, `whoami`. */
import type { Command } from 'commander';
import { createKontrolerClient, unwrap } from '@kontroler/client';
import { CliError } from '../cli-error.js';
import { EXIT } from '../exit-codes.js';
import { println } from '../io.js';
import { printStructured } from '../output.js';
import { call, connect, serverUrl } from '../server/connect.js';
import { credentialsFile, removeCredentials, writeCredentials } from '../server/credentials.js';
import type { CommandContext } from '../context.js';

/** Reads all of stdin (for `--password-stdin`). */
async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

export function registerAuth(program: Command, ctx: CommandContext): void {
  const server = () => program.opts<{ server?: string }>().server;
  program
    .command('login')
    .description('log in to a Kontroler server and store the session (mode 0600)')
    .requiredOption('-u, --username <name>', 'your user name')
    .option('--password <password>', 'your password (prefer --password-stdin or KONTROLER_PASSWORD)')
    .option('--password-stdin', 'read the password from standard input')
    .addHelpText(
      'after',
      `
The server comes from --server, else KONTROLER_SERVER. The session is stored in
$XDG_CONFIG_HOME/kontroler/credentials.json (~/.config/kontroler when unset; KONTROLER_CONFIG_DIR overrides),
readable only by you. KONTROLER_TOKEN, when set, is used instead of any stored session.

Examples:
  kontroler login --server https://kontroler.example.com -u alice --password-stdin < password.txt
  KONTROLER_PASSWORD=… kontroler login --server http://127.0.0.1:8080 -u admin`,
    )
    .action(
      ctx.action(async (options: { username: string; password?: string; passwordStdin?: boolean }) => {
        const url = await serverUrl(ctx.io, server());
        const password =
          options.password ??
          ctx.io.env['KONTROLER_PASSWORD'] ??
          (options.passwordStdin ? await readStdin() : undefined);
        if (password === undefined) {
          throw CliError.usage('no password: use --password-stdin, --password or KONTROLER_PASSWORD');
        }
        const client = createKontrolerClient({ baseUrl: url });
        const connection = { client, server: url };
        const session = await call(
          connection,
          unwrap(client.POST('/api/v1/auth/login', { body: { username: options.username, password } })),
        );
        const file = credentialsFile(ctx.io.env);
        await writeCredentials(file, {
          server: url,
          username: session.user.username,
          accessToken: session.accessToken,
          refreshToken: session.refreshToken,
        });
        println(ctx.io.stdout, `logged in to ${url} as ${session.user.username}`);
        if (session.user.mustChangePassword) {
          println(
            ctx.io.stderr,
            'note: this password must be changed before anything else; change it in the console',
          );
        }
        return EXIT.ok;
      }),
    );

  program
    .command('logout')
    .description('forget the stored session (and end it on the server)')
    .addHelpText('after', '\nExamples:\n  kontroler logout')
    .action(
      ctx.action(async () => {
        const file = credentialsFile(ctx.io.env);
        const connection = await connect(ctx.io, server()).catch(() => undefined);
        // Ending the session on the server is a courtesy: the local file goes either way.
        await connection?.client.POST('/api/v1/auth/logout', {}).catch(() => undefined);
        const existed = await removeCredentials(file);
        println(ctx.io.stdout, existed ? 'logged out' : 'not logged in');
        return EXIT.ok;
      }),
    );

  program
    .command('whoami')
    .description('show who the server thinks you are, and your roles')
    .option('-o, --output <format>', 'text, json or yaml', 'text')
    .addHelpText('after', '\nExamples:\n  kontroler whoami\n  KONTROLER_TOKEN=kt_… kontroler whoami -o json')
    .action(
      ctx.action(async (options: { output: string }) => {
        const format = ctx.outputFormat(options.output, ['text', 'json', 'yaml']);
        const connection = await connect(ctx.io, server());
        const me = await call(connection, unwrap(connection.client.GET('/api/v1/me')));
        if (format !== 'text') {
          printStructured(ctx.io.stdout, format, me);
          return EXIT.ok;
        }
        const roles = me.roles.map(
          (r) => `${r.role}${r.namespace === null ? ' (all namespaces)' : ` in ${r.namespace}`}`,
        );
        println(ctx.io.stdout, `${me.username} on ${connection.server}`);
        println(ctx.io.stdout, `roles: ${roles.join(', ') || 'none'}`);
        return EXIT.ok;
      }),
    );
}
