/**
 * The documents the dashboard draws (docs/formats.md, "Site documents"), and the
 * checks that run when one is read: a document of the wrong shape becomes a readable
 * error on the page instead of a half-drawn chart.
 */

// The shapes are the ones the training core writes; only the checks below are the dashboard's own.
import type { TreeNode, TreesDocument } from '#core/forest/export.ts';
import type { Metrics } from '#core/forest/metrics.ts';
import type { Calibration } from '#core/forest/calibration.ts';
import type { AtRiskDocument, AtRiskUser } from '#core/prediction/at-risk.ts';
import type { OutcomesDocument, WeekOutcome } from '#core/prediction/outcomes.ts';
import type { Reason } from '#core/prediction/result.ts';

export type { AtRiskDocument, AtRiskUser, OutcomesDocument, Reason, TreeNode, TreesDocument, WeekOutcome };

/** Cards from before the calibration was stated have none. */
type CardMetrics = Omit<Metrics, 'calibration'> & { calibration?: Calibration };

interface Candidate {
  id: string | number;
  params: unknown;
  auc: number;
  errorRate: number;
  nodes: number;
}

interface Gate {
  decision: string;
  reason: string;
  floor: number;
  margin: number;
  currentAuc?: number;
}

export interface CardDocument {
  formatVersion: number;
  modelVersion: string;
  trainedAt: string;
  trainWeek: string;
  labelWeek: string;
  /** The training run that produced it (Publish adds it). */
  runId?: string;
  sources: unknown;
  params: unknown;
  metrics: CardMetrics;
  featureImportance: { feature: string; importance: number }[];
  dataStats: unknown;
  candidates: Candidate[];
  gate: Gate;
}

export interface TrendRound {
  round: number;
  scored: number;
  retained: number;
  /** Sum of the probabilities; absent for rounds counted from older parts. */
  expectedRetained?: number;
}

export interface TrendsDocument {
  formatVersion: 1;
  updatedAt: string;
  rounds: TrendRound[];
}

/** A document that does not match its contract; the message says where. */
class DocumentError extends Error {
  override readonly name = 'DocumentError';
}

type Json = Record<string, unknown>;

function object(value: unknown, where: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new DocumentError(`${where} should be an object`);
  }
  return value as Json;
}

function number(value: unknown, where: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new DocumentError(`${where} should be a number`);
  return value;
}

function string(value: unknown, where: string): string {
  if (typeof value !== 'string') throw new DocumentError(`${where} should be a string`);
  return value;
}

function array(value: unknown, where: string): unknown[] {
  if (!Array.isArray(value)) throw new DocumentError(`${where} should be a list`);
  return value;
}

function formatVersion(doc: Json, name: string): void {
  if (doc.formatVersion !== 1) {
    throw new DocumentError(`${name} has formatVersion ${JSON.stringify(doc.formatVersion)}; this dashboard reads 1`);
  }
}

function checkNode(value: unknown, where: string): TreeNode {
  const node = object(value, where);
  number(node.id, `${where}.id`);
  number(node.samples, `${where}.samples`);
  number(node.impurity, `${where}.impurity`);
  const counts = array(node.classCounts, `${where}.classCounts`);
  if (counts.length !== 2) throw new DocumentError(`${where}.classCounts should hold two counts`);
  counts.forEach((c, i) => number(c, `${where}.classCounts[${i}]`));
  number(node.probability, `${where}.probability`);
  if (node.children !== undefined) {
    const children = array(node.children, `${where}.children`);
    if (children.length !== 2) throw new DocumentError(`${where}.children should hold two nodes`);
    string(node.condition, `${where}.condition`);
    // Iterative depth would be nicer for very deep trees, but model depth is bounded by training params.
    children.forEach((child, i) => checkNode(child, `${where}.children[${i}]`));
  }
  return node as unknown as TreeNode;
}

export function parseTrees(value: unknown): TreesDocument {
  const doc = object(value, 'trees.json');
  formatVersion(doc, 'trees.json');
  string(doc.modelVersion, 'trees.json modelVersion');
  array(doc.trees, 'trees.json trees').forEach((tree, i) => checkNode(tree, `tree ${i}`));
  return doc as unknown as TreesDocument;
}

export function parseCard(value: unknown): CardDocument {
  const doc = object(value, 'card.json');
  formatVersion(doc, 'card.json');
  string(doc.modelVersion, 'card.json modelVersion');
  const metrics = object(doc.metrics, 'card.json metrics');
  for (const key of ['auc', 'errorRate', 'baselineErrorRate']) number(metrics[key], `card.json metrics.${key}`);
  const confusion = object(metrics.confusion, 'card.json metrics.confusion');
  for (const key of ['tp', 'fp', 'tn', 'fn']) number(confusion[key], `card.json metrics.confusion.${key}`);
  array(metrics.roc, 'card.json metrics.roc').forEach((point, i) => {
    const pair = array(point, `card.json metrics.roc[${i}]`);
    number(pair[0], `card.json metrics.roc[${i}][0]`);
    number(pair[1], `card.json metrics.roc[${i}][1]`);
  });
  array(doc.featureImportance, 'card.json featureImportance').forEach((f, i) => {
    const entry = object(f, `card.json featureImportance[${i}]`);
    string(entry.feature, `card.json featureImportance[${i}].feature`);
    number(entry.importance, `card.json featureImportance[${i}].importance`);
  });
  array(doc.candidates ?? [], 'card.json candidates');
  object(doc.gate, 'card.json gate');
  return doc as unknown as CardDocument;
}

export function parseTrends(value: unknown): TrendsDocument {
  const doc = object(value, 'trends.json');
  formatVersion(doc, 'trends.json');
  array(doc.rounds, 'trends.json rounds').forEach((r, i) => {
    const round = object(r, `trends.json rounds[${i}]`);
    number(round.round, `trends.json rounds[${i}].round`);
    number(round.scored, `trends.json rounds[${i}].scored`);
    number(round.retained, `trends.json rounds[${i}].retained`);
    if (round.expectedRetained !== undefined)
      number(round.expectedRetained, `trends.json rounds[${i}].expectedRetained`);
  });
  return doc as unknown as TrendsDocument;
}

export function parseOutcomes(value: unknown): OutcomesDocument {
  const doc = object(value, 'outcomes.json');
  formatVersion(doc, 'outcomes.json');
  number(doc.floor, 'outcomes.json floor');
  array(doc.weeks, 'outcomes.json weeks').forEach((w, i) => {
    const week = object(w, `outcomes.json weeks[${i}]`);
    for (const key of ['week', 'outcomeWeek', 'usersScored', 'expectedRetained', 'actualRetained'])
      number(week[key], `outcomes.json weeks[${i}].${key}`);
    if (week.realizedAuc !== null) number(week.realizedAuc, `outcomes.json weeks[${i}].realizedAuc`);
    array(week.modelVersions, `outcomes.json weeks[${i}].modelVersions`);
  });
  return doc as unknown as OutcomesDocument;
}

function checkReason(value: unknown, where: string): void {
  const reason = object(value, where);
  string(reason.feature, `${where}.feature`);
  if (typeof reason.value !== 'string') number(reason.value, `${where}.value`);
  number(reason.contribution, `${where}.contribution`);
}

export function parseAtRisk(value: unknown): AtRiskDocument {
  const doc = object(value, 'at-risk.json');
  formatVersion(doc, 'at-risk.json');
  number(doc.round, 'at-risk.json round');
  number(doc.scored, 'at-risk.json scored');
  array(doc.users, 'at-risk.json users').forEach((u, i) => {
    const where = `at-risk.json users[${i}]`;
    const user = object(u, where);
    number(user.userId, `${where}.userId`);
    number(user.probability, `${where}.probability`);
    for (const key of ['industry', 'region']) if (user[key] !== undefined) string(user[key], `${where}.${key}`);
    if (user.reasons !== undefined)
      array(user.reasons, `${where}.reasons`).forEach((r, j) => checkReason(r, `${where}.reasons[${j}]`));
  });
  return doc as unknown as AtRiskDocument;
}

/** Number of nodes in a tree, counted without recursion so deep trees cannot overflow the stack. */
export function countNodes(root: TreeNode): number {
  let count = 0;
  const stack: TreeNode[] = [root];
  for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
    count++;
    if (node.children) stack.push(...node.children);
  }
  return count;
}
