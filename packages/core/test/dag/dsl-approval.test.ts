import { describe, expect, it } from 'vitest';
import { checkDagDocument, parseDsl, printDsl, validateDag } from '../../src/dag/index.js';

const RELEASE = `graph {
  build -> "sign-off" -> deploy
}
task build { image "alpine:3" script "echo building" }
task "sign-off" {
  approval { timeoutSeconds 86400 onTimeout reject approvers [admin, editor] message "Ship this build?" }
}
task deploy { image "alpine:3" script "echo deploying" }
`;

describe('parseDsl: approval tasks (docs/approval.md)', () => {
  it('reads the approval block into the task, and the document validates', () => {
    const parsed = parseDsl(RELEASE, { name: 'release' });
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    const signOff = parsed.dag.tasks.find((t) => t.name === 'sign-off');
    expect(signOff?.approval).toEqual({
      timeoutSeconds: 86400,
      onTimeout: 'reject',
      approvers: ['admin', 'editor'],
      message: 'Ship this build?',
    });
    expect(signOff?.runAfter).toEqual(['build']);
    expect(signOff?.image).toBeUndefined();
    const valid = validateDag(parsed.dag);
    expect(valid.ok ? [] : valid.errors).toEqual([]);
  });

  it('prints the block and parses the print back to the same document', () => {
    const parsed = parseDsl(RELEASE, { name: 'release' });
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    const text = printDsl(parsed.dag);
    expect(text).toContain(
      'approval { timeoutSeconds 86400 onTimeout reject approvers [admin, editor] message "Ship this build?" }',
    );
    const again = parseDsl(text, { name: 'release' });
    expect(again.ok && again.dag).toEqual(parsed.dag);
  });

  it('round-trips the optional fields left out, and a message with quotes', () => {
    const dsl =
      'task gate {\n  approval { timeoutSeconds 60 onTimeout approve message """Say "yes"?""" }\n}\n';
    const parsed = parseDsl(dsl, { name: 'gate' });
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    expect(parsed.dag.tasks[0]?.approval).toEqual({
      timeoutSeconds: 60,
      onTimeout: 'approve',
      message: 'Say "yes"?',
    });
    const again = parseDsl(printDsl(parsed.dag), { name: 'gate' });
    expect(again.ok && again.dag).toEqual(parsed.dag);
  });

  it('refuses an unknown outcome, role or field with line and column', () => {
    const outcome = parseDsl('task a {\n  approval { timeoutSeconds 5 onTimeout maybe }\n}\n');
    expect(outcome.ok).toBe(false);
    expect(!outcome.ok && outcome.errors[0]).toMatchObject({
      line: 2,
      message: expect.stringMatching(/approve or reject/),
    });
    const role = parseDsl(
      'task a {\n  approval { timeoutSeconds 5 onTimeout reject approvers [owner] }\n}\n',
    );
    expect(!role.ok && role.errors[0]).toMatchObject({
      line: 2,
      message: expect.stringMatching(/viewer, editor, admin/),
    });
    const field = parseDsl('task a {\n  approval { timeout 5 }\n}\n');
    expect(!field.ok && field.errors[0]).toMatchObject({ line: 2, column: 14 });
  });

  it('leaves a missing timeout to validation, which points at the approval block', () => {
    const text = 'task a {\n  approval { onTimeout reject }\n}\n';
    const report = checkDagDocument({ format: 'dsl', text, name: 'gate' });
    const issue = report.errors.find((e) => e.path.startsWith('/tasks/0/approval'));
    expect(issue?.message).toMatch(/timeoutSeconds/);
    expect(issue?.line).toBe(2);
  });

  it('refuses an approval task that also runs something, naming the field', () => {
    const parsed = parseDsl(
      'task a {\n  image "alpine:3"\n  approval { timeoutSeconds 5 onTimeout reject }\n}\n',
    );
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    const valid = validateDag(parsed.dag);
    expect(!valid.ok && valid.errors[0]).toMatchObject({ code: 'INVALID_APPROVAL', path: '/tasks/0/image' });
  });
});
