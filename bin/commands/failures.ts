/**
 * `retention failures list|show|redrive`: the failure queues of the asynchronously invoked
 * functions (and the prediction stream's batch failures), on the running local cloud or a
 * deployed stack (`--outputs`, the JSON of `cdk deploy --outputs-file`). docs/deploy.md
 * "Failure queues" says what to do with each kind of message.
 */
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SQSClient } from '@aws-sdk/client-sqs';
import { sqsClient } from '#aws/clients.ts';
import { peekFailures, queueDepth, redriveFailures, type FailedInvocation } from '#aws/failure-queue.ts';
import { EXIT_FAILED, EXIT_OK, UsageError, integer, optional, type Command, type ParsedArgs } from '#bin/cli-kit.ts';
import { FAILURE_QUEUE_OUTPUTS } from '#infra/constructs/failure-queue.ts';
import { PREDICTION_OUTPUTS } from '#infra/constructs/prediction.ts';
import { LOCAL_CREDENTIALS, sqsClientConfig } from '#infra/local/emulators.ts';
import { findStack, stackOptions, stackUsage } from '#bin/stack-target.ts';

/** Each queue's name on the command line, the stack output that holds its URL, and what lands there. */
const QUEUES = {
  extraction: { output: FAILURE_QUEUE_OUTPUTS.extraction, what: 'S3 events extract/rejoin gave up on' },
  training: { output: FAILURE_QUEUE_OUTPUTS.training, what: 'week markers StartTraining gave up on' },
  trends: {
    output: FAILURE_QUEUE_OUTPUTS.trends,
    what: 'trend parts the trends function gave up on',
    // Its dead-lettered part events go back to the queue the function reads.
    source: PREDICTION_OUTPUTS.trendPartEvents,
  },
  outcomes: {
    output: FAILURE_QUEUE_OUTPUTS.outcomes,
    what: 'scored parts and training-run events the outcomes function gave up on or never got',
  },
  prediction: { output: PREDICTION_OUTPUTS.failures, what: 'stream batches predict gave up on (not redrivable)' },
} as const;
type QueueName = keyof typeof QUEUES;

export const command: Command = {
  summary: 'list, show or redrive the failure queues (events a function gave up on after retries)',
  usage: `usage: retention failures list
       retention failures show --queue NAME [--max N]
       retention failures redrive --queue NAME [--max N]

  list      every failure queue with the number of messages waiting
  show      each failure: the function, why it failed, what it was about (messages stay)
  redrive   sends each failed event back to its function (asynchronously: retries and the
            failure queue apply again), or a dead-lettered trend-part event back to the
            queue the trends function reads, and deletes its message once accepted;
            fix the cause first (docs/deploy.md "Failure queues")

  --queue NAME   ${Object.keys(QUEUES).join(', ')}
  --max N        at most N messages (default 50)

${stackUsage}
`,
  options: { queue: { type: 'string' }, max: { type: 'string' }, ...stackOptions },
  async run(args) {
    const [action, ...extra] = args.positionals;
    if (!action || !['list', 'show', 'redrive'].includes(action) || extra.length > 0)
      throw new UsageError('say list, show or redrive');
    const max = integer(args, 'max', 50, 1);
    const target = findTarget(args);
    try {
      if (action === 'list') return await list(target);
      const name = queueName(optional(args, 'queue'));
      const url = target.queues[name];
      if (!url) throw new Error(`no ${name} failure queue in ${target.where} (output ${QUEUES[name].output})`);
      if (action === 'show') return await show(target, url, max);
      return await redrive(target, url, max, target.sources[name]);
    } finally {
      target.sqs.destroy();
      target.lambda.destroy();
    }
  },
};

interface Target {
  readonly where: string;
  readonly sqs: SQSClient;
  readonly lambda: LambdaClient;
  readonly queues: Partial<Record<QueueName, string>>;
  /** The queue a failure queue's dead-lettered messages came from, by failure queue. */
  readonly sources: Partial<Record<QueueName, string>>;
}

async function list(target: Target): Promise<number> {
  console.log(`failure queues on ${target.where}:`);
  for (const [name, { what }] of Object.entries(QUEUES)) {
    const url = target.queues[name as QueueName];
    const depth = url ? String(await queueDepth(target.sqs, url)) : '-';
    console.log(`  ${name.padEnd(11)} ${depth.padStart(5)}  ${what}${url ? '' : ' (not in this stack)'}`);
  }
  return EXIT_OK;
}

async function show(target: Target, url: string, max: number): Promise<number> {
  const failures = await peekFailures(target.sqs, url, max);
  if (failures.length === 0) console.log(`nothing in ${url}`);
  for (const failure of failures) console.log(describe(failure));
  return EXIT_OK;
}

async function redrive(target: Target, url: string, max: number, source: string | undefined): Promise<number> {
  const { redriven, kept } = await redriveFailures(target.sqs, target.lambda, url, max, source);
  for (const failure of redriven) console.log(`redriven  ${describe(failure)}`);
  for (const { failure, why } of kept) console.log(`kept      ${describe(failure)}\n          ${why}`);
  console.log(`${redriven.length} redriven, ${kept.length} kept on the queue`);
  return kept.length === 0 ? EXIT_OK : EXIT_FAILED;
}

const describe = (f: FailedInvocation) =>
  `${f.timestamp ?? ''} ${f.functionArn?.split(':').slice(6, 7).join('') || '?'} ${f.condition ?? ''}\n` +
  `          ${f.subjects.join(', ') || '(no subject)'}\n          ${f.error ?? '(no error recorded)'}`;

function queueName(value: string | undefined): QueueName {
  if (value === undefined) throw new UsageError(`--queue is required: ${Object.keys(QUEUES).join(', ')}`);
  if (!(value in QUEUES))
    throw new UsageError(`--queue must be one of ${Object.keys(QUEUES).join(', ')}, got "${value}"`);
  return value as QueueName;
}

function queuesFrom(outputs: Record<string, string>): Pick<Target, 'queues' | 'sources'> {
  const queues = Object.fromEntries(
    Object.entries(QUEUES).flatMap(([name, { output }]) => (outputs[output] ? [[name, outputs[output]]] : [])),
  );
  const sources = Object.fromEntries(
    Object.entries(QUEUES).flatMap(([name, queue]) => {
      const url = 'source' in queue ? outputs[queue.source] : undefined;
      return url ? [[name, url]] : [];
    }),
  );
  return { queues, sources };
}

/** The stack's failure queues and the clients to work them: the one way the command line finds a stack. */
function findTarget(args: ParsedArgs): Target {
  const stack = findStack(args);
  const queues = queuesFrom(stack.outputs);
  if (!stack.local) return { where: stack.where, sqs: sqsClient(), lambda: new LambdaClient({}), ...queues };
  const { endpoints, region } = stack.local;
  if (!endpoints.lambda) throw new Error(`${stack.where} has no Lambda endpoint: restart it`);
  return {
    where: stack.where,
    sqs: new SQSClient(sqsClientConfig({ endpoints, region })),
    lambda: new LambdaClient({ endpoint: endpoints.lambda, region, credentials: LOCAL_CREDENTIALS }),
    ...queues,
  };
}
