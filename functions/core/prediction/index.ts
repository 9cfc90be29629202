/** Real-time prediction, pure parts: records, results, poison messages, trends, the model. */
export * from './record.ts';
export * from './result.ts';
export * from './poison.ts';
export * from './trends.ts';
export * from './model.ts';
export * from './features-records.ts';
