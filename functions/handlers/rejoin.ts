import type { S3Event } from 'aws-lambda';
// Placeholder so the stack synthesizes; the real handler follows.
export const handler = async (_event: S3Event): Promise<void> => {
  throw new Error('rejoin: not implemented yet');
};
