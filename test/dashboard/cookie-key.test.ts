/**
 * The custom resource that makes the signed-cookie key pair: it answers CloudFormation at
 * the event's response URL (a local HTTP server here) with only the public key, after
 * putting the private key into the secret. Secrets Manager has no emulator in this
 * project, so a client that records what it is sent stands in for it.
 */
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { Logger } from '@aws-lambda-powertools/logger';
import type { PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { createCookieKeyHandler, putResponse } from '#handlers/dashboard/cookie-key.ts';

let cloudFormation: Server;
let responseUrl: string;
const answers: Record<string, unknown>[] = [];
const stored: { SecretId?: string; SecretString?: string }[] = [];
let secretsFail = false;

beforeAll(async () => {
  cloudFormation = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      answers.push({ method: req.method, contentType: req.headers['content-type'], ...JSON.parse(body) });
      res.end();
    });
  });
  await new Promise<void>((resolve) => cloudFormation.listen(0, '127.0.0.1', resolve));
  responseUrl = `http://127.0.0.1:${(cloudFormation.address() as AddressInfo).port}/presigned`;
});

afterAll(() => new Promise<void>((resolve) => cloudFormation.close(() => resolve())));

const secrets = {
  send: async (command: PutSecretValueCommand) => {
    if (secretsFail) throw new Error('AccessDeniedException');
    stored.push(command.input);
    return {};
  },
} as unknown as SecretsManagerClient;

const handle = createCookieKeyHandler({
  secrets,
  logger: new Logger({ logLevel: 'SILENT' }),
  respond: putResponse,
});

const event = (type: 'Create' | 'Update' | 'Delete', requestId: string) =>
  ({
    RequestType: type,
    ResponseURL: responseUrl,
    StackId: 'arn:aws:cloudformation:eu-west-1:000000000000:stack/RetentionForest/x',
    RequestId: requestId,
    LogicalResourceId: 'DashboardSignInCookieKey',
    ResourceType: 'Custom::CookieSigningKey',
    ServiceToken: 'arn:aws:lambda:eu-west-1:000000000000:function:cookie-key',
    ResourceProperties: { ServiceToken: 'x', SecretArn: 'arn:aws:secretsmanager:eu-west-1:000000000000:secret:k' },
    ...(type === 'Create' ? {} : { PhysicalResourceId: 'cookie-key-first', OldResourceProperties: {} }),
  }) as unknown as CloudFormationCustomResourceEvent;

describe('the cookie key custom resource', () => {
  it('puts a new private key into the secret and answers CloudFormation with its public half only', async () => {
    await handle(event('Create', 'first'));
    const answer = answers.at(-1) as { Status: string; Data: { PublicKey: string }; PhysicalResourceId: string };
    expect(answer).toMatchObject({ method: 'PUT', Status: 'SUCCESS', PhysicalResourceId: 'cookie-key-first' });
    expect(JSON.stringify(answer)).not.toContain('PRIVATE KEY');
    const secret = stored.at(-1);
    expect(secret?.SecretId).toBe('arn:aws:secretsmanager:eu-west-1:000000000000:secret:k');
    const derived = createPublicKey(createPrivateKey(String(secret?.SecretString)));
    expect(derived.export({ type: 'spki', format: 'pem' })).toBe(answer.Data.PublicKey);
    expect(derived.asymmetricKeyDetails?.modulusLength).toBe(2048);
  });

  it('makes a new key pair on update (a new resource) and touches nothing on delete', async () => {
    const before = stored.length;
    await handle(event('Update', 'second'));
    expect(answers.at(-1)).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: 'cookie-key-second' });
    expect(stored).toHaveLength(before + 1);
    await handle(event('Delete', 'third'));
    expect(answers.at(-1)).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: 'cookie-key-first' });
    expect(stored).toHaveLength(before + 1);
  });

  it('still answers, FAILED with the reason, when the secret cannot be written (CloudFormation never waits an hour)', async () => {
    secretsFail = true;
    try {
      await handle(event('Create', 'fourth'));
    } finally {
      secretsFail = false;
    }
    expect(answers.at(-1)).toMatchObject({
      Status: 'FAILED',
      Reason: expect.stringContaining('AccessDeniedException'),
    });
  });
});
