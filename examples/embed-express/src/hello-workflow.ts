/**
 * The example's DAG, written as code with core's workflow builder: the same document as YAML, with typed
 * parameters and outputs, and an inline TypeScript task run in this process by `createFunctionRuntime`.
 */
import { workflow } from '@kontroler/core';

export const hello = workflow('hello', { params: { WHO: 'world' } });

const greet = hello.task('greet', {
  image: 'alpine:3',
  script: 'echo "hello, $WHO"',
  parameters: ['WHO'],
});

const count = hello.task('count', {
  after: [greet],
  image: 'alpine:3',
  script: 'for i in 1 2 3; do echo $i; sleep 0.2; done',
});

/** Runs in this Node process: no image, no shell. Its return value is the task's `greeted` output. */
hello.task('summarize', {
  after: [count],
  parameters: ['WHO'],
  outputs: ['greeted'],
  run: ({ params, log }) => {
    log(`greeted ${params.WHO ?? 'nobody'} and counted to 3`);
    return { greeted: params.WHO };
  },
});
