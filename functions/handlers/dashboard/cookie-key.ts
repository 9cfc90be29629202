/**
 * A CloudFormation custom resource: makes the key pair CloudFront's signed cookies are
 * checked with. The private key goes straight into the stack's secret (Secrets Manager);
 * only the public key comes back to CloudFormation, for the distribution's trusted key
 * group. A new key pair is made when the resource's `version` changes (rotation); deleting
 * the resource leaves the secret to the stack.
 */
import { generateKeyPairSync } from 'node:crypto';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { Logger } from '@aws-lambda-powertools/logger';
import { PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

export interface CookieKeyDeps {
  readonly secrets: SecretsManagerClient;
  readonly logger: Logger;
  /** Sends the custom resource's answer to CloudFormation (a PUT to the event's presigned URL). */
  readonly respond: (url: string, body: string) => Promise<void>;
}

type Outcome = { Status: 'SUCCESS'; Data?: Record<string, string> } | { Status: 'FAILED'; Reason: string };

export function createCookieKeyHandler(deps: CookieKeyDeps) {
  const make = async (event: CloudFormationCustomResourceEvent): Promise<Outcome> => {
    if (event.RequestType === 'Delete') return { Status: 'SUCCESS' };
    const secretArn = String(event.ResourceProperties.SecretArn ?? '');
    if (!secretArn) return { Status: 'FAILED', Reason: 'the resource names no SecretArn' };
    // CloudFront accepts RSA 2048 keys for trusted key groups.
    const { publicKey, privateKey } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      publicKeyEncoding: { type: 'spki', format: 'pem' },
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    });
    await deps.secrets.send(new PutSecretValueCommand({ SecretId: secretArn, SecretString: privateKey }));
    return { Status: 'SUCCESS', Data: { PublicKey: publicKey } };
  };
  return async (event: CloudFormationCustomResourceEvent): Promise<void> => {
    const outcome = await make(event).catch((error: Error): Outcome => ({
      Status: 'FAILED',
      Reason: `could not make the key pair: ${error.message}`,
    }));
    deps.logger.info('cookie key', { requestType: event.RequestType, status: outcome.Status });
    // A new key pair is a new resource: CloudFormation then deletes the old one (a no-op here).
    const physicalId = event.RequestType === 'Delete' ? event.PhysicalResourceId : `cookie-key-${event.RequestId}`;
    await deps.respond(
      event.ResponseURL,
      JSON.stringify({
        ...outcome,
        PhysicalResourceId: physicalId,
        StackId: event.StackId,
        RequestId: event.RequestId,
        LogicalResourceId: event.LogicalResourceId,
      }),
    );
  };
}

export async function putResponse(url: string, body: string): Promise<void> {
  // The presigned URL was signed without a content type: send none.
  const response = await fetch(url, { method: 'PUT', body, headers: { 'content-type': '' } });
  if (!response.ok) throw new Error(`CloudFormation did not take the answer: HTTP ${response.status}`);
}

let handle: ReturnType<typeof createCookieKeyHandler> | undefined;

export const handler = async (event: CloudFormationCustomResourceEvent): Promise<void> => {
  handle ??= createCookieKeyHandler({
    secrets: new SecretsManagerClient({}),
    logger: new Logger(),
    respond: putResponse,
  });
  await handle(event);
};
