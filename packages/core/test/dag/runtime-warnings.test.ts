import { describe, expect, it } from 'vitest';
import { runtimeWarnings } from '../../src/dag/index.js';

const spec = {
  tasks: [
    { name: 'prepare', image: 'registry.example.com/etl:1', command: ['/scripts/prepare.sh'] },
    { name: 'call', type: 'http', with: { url: 'https://example.com' } },
    { name: 'local', script: 'echo hi' },
  ],
};

describe('runtimeWarnings', () => {
  it('warns once per container task with an image when the runtime ignores images', () => {
    expect(runtimeWarnings(spec, { runtime: 'process', runsImages: false })).toEqual([
      {
        code: 'IMAGE_IGNORED',
        path: '/tasks/0/image',
        task: 'prepare',
        message:
          'task "prepare" names image registry.example.com/etl:1, but the process runtime of this server ' +
          'ignores images and runs the command on the host',
      },
    ]);
  });

  it('says nothing when the runtime runs images', () => {
    expect(runtimeWarnings(spec, { runtime: 'kubernetes', runsImages: true })).toEqual([]);
  });
});
