/**
 * `npm start -- [name=value …]`: runs the example pipeline once on this host and prints each task's
 * outcome and outputs. Try `target=none` (load is skipped by its condition) and `failOn=customers.csv`
 * (one transform instance fails; audit and notify still run).
 */
import { describeRun, runFlow, startFlowEngine } from './run-flow.js';

const params = Object.fromEntries(
  process.argv
    .slice(2)
    .map((arg) => arg.split('='))
    .filter((pair): pair is [string, string] => pair.length === 2),
);
const { engine, stop } = await startFlowEngine();
try {
  const snapshot = await runFlow(engine, params);
  for (const line of describeRun(snapshot)) console.log(line);
  process.exitCode = snapshot.run.state === 'succeeded' ? 0 : 1;
} finally {
  await stop();
}
