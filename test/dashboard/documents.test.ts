/** The dashboard's checks on the documents it reads: the right shape passes, a wrong one is named. */
import { describe, expect, it } from 'vitest';
import { countNodes, parseCard, parseTrees, parseTrends } from '#dashboard/src/documents.ts';
import { makeCardDocument, makeTreesDocument, makeTrendsDocument } from './fixture-documents.ts';

describe('site documents', () => {
  it('accepts documents shaped as docs/formats.md describes', () => {
    const trees = makeTreesDocument({ trees: 2 });
    expect(parseTrees(JSON.parse(JSON.stringify(trees))).trees).toHaveLength(2);
    expect(parseCard(makeCardDocument()).metrics.auc).toBeCloseTo(0.8137);
    expect(parseTrends(makeTrendsDocument(4)).rounds).toHaveLength(4);
  });

  it('names what is wrong in a malformed document', () => {
    expect(() => parseTrees({ formatVersion: 2, modelVersion: 'v', trees: [] })).toThrow(/formatVersion 2/);
    const leafless = {
      formatVersion: 1,
      modelVersion: 'v',
      trees: [{ id: 0, samples: 1, impurity: 0, classCounts: [1, 0], probability: 0, children: [] }],
    };
    expect(() => parseTrees(leafless)).toThrow('tree 0.children should hold two nodes');
    expect(() => parseTrends({ formatVersion: 1, rounds: [{ round: 0, scored: '9', retained: 1 }] })).toThrow(
      'rounds[0].scored',
    );
    const card = makeCardDocument() as unknown as { metrics: { confusion: Record<string, unknown> } };
    delete card.metrics.confusion.tp;
    expect(() => parseCard(card)).toThrow('metrics.confusion.tp');
  });

  it('counts the nodes of a tree, leaves and splits alike', () => {
    const leaf = (id: number) => ({
      id,
      samples: 1,
      impurity: 0,
      classCounts: [1, 0] as [number, number],
      probability: 0,
      prediction: 0,
    });
    const tree = {
      ...leaf(0),
      condition: 'age ≤ 30.5',
      children: [leaf(1), { ...leaf(2), condition: 'pc ≤ 0.5', children: [leaf(3), leaf(4)] }],
    };
    expect(countNodes(tree as never)).toBe(5);
  });
});
