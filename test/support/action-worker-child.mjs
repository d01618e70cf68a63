// An action worker process for crash tests: runs queued actions (run_playbook) from the Redis
// action queue with Redis coordination, and prints each outcome event as a JSON line.
// Uses the built code (npm test builds first). argv: <redis url> <prefix> <project dir>
import { systemClock } from '../../dist/src/core/index.js';
import { createRunPlaybookHandler } from '../../dist/src/actions/ansible/index.js';
import { ActionDispatcher, ActionRunner, RedisActionQueue, RedisCoordinationStore } from '../../dist/src/actions/dispatch/index.js';

const [url, prefix, projectDir] = process.argv.slice(2);
const say = (o) => process.stdout.write(`${JSON.stringify(o)}\n`);
const outcomes = {
  attemptStarted: async (r, attempt) => say({ kind: 'attempt_started', key: r.dispatchKey, attempt }),
  attemptFinished: async (r, attempt, result) => say({ kind: 'attempt_finished', key: r.dispatchKey, attempt, status: result.status }),
  actionFinished: async (r, status, summary) => say({ kind: 'action_finished', key: r.dispatchKey, status, summary }),
};
const logger = { info() {}, warn() {}, error() {}, debug() {} };
const queue = new RedisActionQueue({ url, prefix, lockDurationMs: 1500, stalledIntervalMs: 500 });
const coordination = new RedisCoordinationStore({ url, prefix });
const runner = new ActionRunner({
  handlers: new Map([['run_playbook', createRunPlaybookHandler({ projectDir })]]),
  coordination,
  outcomes,
  clock: systemClock,
  logger,
});
const dispatcher = new ActionDispatcher({ queue, runner, outcomes, logger, now: () => Date.now() });
await dispatcher.start(1);
say({ ready: true });
