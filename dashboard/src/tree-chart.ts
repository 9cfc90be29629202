/**
 * One decision tree drawn with d3: left to right, collapsible (click, Enter or Space on a
 * node), pan and zoom, fit to screen. Nodes are keyboard-focusable tree items (arrow keys
 * move as in a file tree) and describe themselves in words; leaves carry their
 * probability of retention as colour and as text.
 */
import { hierarchy, linkHorizontal, select, tree as treeLayout, zoom, zoomIdentity, type HierarchyPointNode } from 'd3';
import type { TreeNode } from './documents.ts';
import { probabilityColour } from './colour.ts';
import { count, decimal3, probabilityText } from './format.ts';
import type { Tooltip } from './tooltip.ts';

/** Nodes deeper than this start folded, so a deep tree first appears readable. */
const INITIAL_DEPTH = 4;
const ROW = 30;
const COLUMN = 230;
const LABEL_MAX = 30;

export interface TreeChart {
  show(root: TreeNode, label: string): void;
  expandAll(): void;
  collapseAll(): void;
  fit(): void;
  /** Nodes currently drawn. */
  drawnCount(): number;
}

type Point = HierarchyPointNode<TreeNode>;

function leafLabel(node: TreeNode): string {
  return `${node.prediction === 1 ? 'retained' : 'not retained'} · ${probabilityText(node.probability)}`;
}

function describeNode(node: TreeNode): string {
  const what = node.children ? `if ${node.condition}` : `leaf: ${leafLabel(node)} probability of retention`;
  return (
    `${what}; ${count(node.samples)} samples; impurity ${decimal3(node.impurity)}; ` +
    `not retained ${count(node.classCounts[0])}, retained ${count(node.classCounts[1])}`
  );
}

function shorten(text: string): string {
  return text.length > LABEL_MAX ? `${text.slice(0, LABEL_MAX - 1)}…` : text;
}

export function createTreeChart(container: HTMLElement, tooltip: Tooltip): TreeChart {
  const svg = select(container)
    .append('svg')
    .attr('class', 'tree-chart')
    .attr('role', 'tree')
    .attr('aria-label', 'Decision tree');
  const canvas = svg.append('g');
  const links = canvas.append('g').attr('class', 'links').attr('aria-hidden', 'true');
  const nodes = canvas.append('g').attr('class', 'nodes');
  const zoomer = zoom<SVGSVGElement, unknown>()
    .scaleExtent([0.05, 4])
    .on('zoom', (event) => canvas.attr('transform', event.transform.toString()));
  svg.call(zoomer).on('dblclick.zoom', null);

  let root: TreeNode | undefined;
  const collapsed = new Set<number>();
  let focusedId = 0;
  let laidOut: Point[] = [];

  function layout(tree: TreeNode): Point {
    const h = hierarchy<TreeNode>(tree, (d) => (collapsed.has(d.id) ? null : d.children));
    return treeLayout<TreeNode>().nodeSize([ROW, COLUMN])(h);
  }

  function hiddenBelow(node: TreeNode): number {
    let n = 0;
    const stack = node.children ? [...node.children] : [];
    for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
      n++;
      if (next.children) stack.push(...next.children);
    }
    return n;
  }

  function draw(keepInPlace?: { id: number; x: number; y: number }): void {
    if (root === undefined) return; // nothing shown yet
    const top = layout(root);
    laidOut = top.descendants();
    // The tree keeps one Tab stop: if folding hid the node that had it, the root takes it.
    if (!laidOut.some((p) => p.data.id === focusedId)) focusedId = top.data.id;
    links
      .selectAll<SVGPathElement, unknown>('path')
      .data(top.links(), (l) => `${(l as { target: Point }).target.data.id}`)
      .join('path')
      .attr(
        'd',
        (l) =>
          linkHorizontal<unknown, Point>()
            .x((p) => p.y)
            .y((p) => p.x)(l as never) ?? '',
      );
    links
      .selectAll<SVGTextElement, Point>('text')
      .data(
        laidOut.filter((p) => p.parent),
        (p) => `${p.data.id}`,
      )
      .join('text')
      .attr('class', 'branch')
      .attr('x', (p) => p.y - 16)
      .attr('y', (p) => p.x - 5)
      .attr('text-anchor', 'end')
      .text((p) => (p.parent?.data.children?.[0] === p.data ? 'yes' : 'no'));

    const groups = nodes
      .selectAll<SVGGElement, Point>('g.node')
      .data(laidOut, (p) => `${p.data.id}`)
      .join((enter) => {
        const g = enter.append('g').attr('class', 'node').attr('role', 'treeitem');
        g.append('circle').attr('r', 7);
        g.append('rect').attr('x', -7).attr('y', -7).attr('width', 14).attr('height', 14);
        g.append('text').attr('class', 'label').attr('x', 12).attr('dy', '0.32em');
        return g;
      })
      .attr('transform', (p) => `translate(${p.y},${p.x})`)
      .attr('data-node-id', (p) => p.data.id)
      .attr('data-leaf', (p) => (p.data.children ? null : 'true'))
      .attr('data-probability', (p) => p.data.probability)
      .attr('aria-level', (p) => p.depth + 1)
      .attr('aria-expanded', (p) => (p.data.children ? String(!collapsed.has(p.data.id)) : null))
      .attr('aria-label', (p) => describeNode(p.data))
      .attr('tabindex', (p) => (p.data.id === focusedId ? 0 : -1))
      .classed('collapsed', (p) => collapsed.has(p.data.id))
      .classed('leaf', (p) => !p.data.children);
    groups
      .select('circle')
      .attr('display', (p) => (p.data.children ? null : 'none'))
      .attr('fill', (p) => (collapsed.has(p.data.id) ? '#555' : '#fff'));
    groups
      .select('rect')
      .attr('display', (p) => (p.data.children ? 'none' : null))
      .attr('fill', (p) => probabilityColour(p.data.probability));
    groups.select('text').text((p) => {
      if (!p.data.children) return leafLabel(p.data);
      const label = shorten(p.data.condition ?? '');
      return collapsed.has(p.data.id) ? `${label} (+${hiddenBelow(p.data)} hidden)` : label;
    });

    if (keepInPlace) {
      const moved = laidOut.find((p) => p.data.id === keepInPlace.id);
      if (moved) svg.call(zoomer.translateBy, keepInPlace.y - moved.y, keepInPlace.x - moved.x);
    }
  }

  function toggle(id: number): void {
    const before = laidOut.find((p) => p.data.id === id);
    if (!before?.data.children) return;
    if (collapsed.has(id)) collapsed.delete(id);
    else collapsed.add(id);
    draw({ id, x: before.x, y: before.y });
  }

  function focusNode(id: number): void {
    focusedId = id;
    nodes.selectAll<SVGGElement, Point>('g.node').attr('tabindex', (p) => (p.data.id === id ? 0 : -1));
    const target = nodes.select<SVGGElement>(`g.node[data-node-id="${id}"]`).node();
    target?.focus();
  }

  function onKey(event: KeyboardEvent, p: Point): void {
    // Visible order top to bottom is the layout's x; pre-order from d3 matches it.
    const order = [...laidOut].sort((a, b) => a.x - b.x);
    const at = order.indexOf(p);
    let next: Point | undefined;
    switch (event.key) {
      case 'Enter':
      case ' ':
        toggle(p.data.id);
        focusNode(p.data.id);
        break;
      case 'ArrowDown':
        next = order[at + 1];
        break;
      case 'ArrowUp':
        next = order[at - 1];
        break;
      case 'ArrowRight':
        if (p.data.children && collapsed.has(p.data.id)) {
          toggle(p.data.id);
          focusNode(p.data.id);
        } else next = p.children?.[0];
        break;
      case 'ArrowLeft':
        if (p.data.children && !collapsed.has(p.data.id)) {
          toggle(p.data.id);
          focusNode(p.data.id);
        } else next = p.parent ?? undefined;
        break;
      case 'Home':
        next = order[0];
        break;
      case 'End':
        next = order[order.length - 1];
        break;
      default:
        return;
    }
    event.preventDefault();
    if (next) focusNode(next.data.id);
  }

  nodes
    .on('click', (event: MouseEvent) => {
      const g = (event.target as Element).closest('g.node');
      if (!g) return;
      const id = Number(g.getAttribute('data-node-id'));
      toggle(id);
      focusNode(id);
    })
    .on('keydown', (event: KeyboardEvent) => {
      const g = (event.target as Element).closest('g.node');
      const p = g ? laidOut.find((q) => q.data.id === Number(g.getAttribute('data-node-id'))) : undefined;
      if (p) onKey(event, p);
    })
    .on('mouseover focusin', (event: Event) => {
      const g = (event.target as Element).closest('g.node');
      const p = g ? laidOut.find((q) => q.data.id === Number(g.getAttribute('data-node-id'))) : undefined;
      if (p && g) tooltip.show(g, nodeDetails(p.data));
    })
    .on('mouseout focusout', () => tooltip.hide());

  function fit(): void {
    const box = (canvas.node() as SVGGElement).getBBox();
    const { width, height } = (svg.node() as SVGSVGElement).getBoundingClientRect();
    if (box.width === 0 || width === 0) return;
    const scale = Math.min(1.5, (width - 40) / box.width, (height - 40) / box.height);
    const transform = zoomIdentity
      .translate(width / 2, height / 2)
      .scale(scale)
      .translate(-(box.x + box.width / 2), -(box.y + box.height / 2));
    svg.call(zoomer.transform, transform);
  }

  function collapseBelow(depth: number): void {
    collapsed.clear();
    const stack: [TreeNode, number][] = root ? [[root, 0]] : [];
    for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
      const [node, d] = top;
      if (!node.children) continue;
      if (d >= depth) collapsed.add(node.id);
      else for (const child of node.children) stack.push([child, d + 1]);
    }
  }

  return {
    show(next, label) {
      root = next;
      focusedId = next.id;
      svg.attr('aria-label', label);
      nodes.selectAll('*').remove();
      links.selectAll('*').remove();
      collapseBelow(INITIAL_DEPTH - 1);
      draw();
      fit();
    },
    expandAll() {
      collapsed.clear();
      draw();
      fit();
    },
    collapseAll() {
      collapseBelow(0);
      draw();
      fit();
    },
    fit,
    drawnCount: () => laidOut.length,
  };
}

function nodeDetails(node: TreeNode): [string, string][] {
  const rows: [string, string][] = [
    [node.children ? 'condition' : 'leaf', node.children ? (node.condition ?? '') : leafLabel(node)],
    ['samples', count(node.samples)],
    ['impurity', decimal3(node.impurity)],
    ['not retained', count(node.classCounts[0])],
    ['retained', count(node.classCounts[1])],
    ['probability of retention', probabilityText(node.probability)],
  ];
  return rows;
}
