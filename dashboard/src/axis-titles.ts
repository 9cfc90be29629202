/** The titles under a chart's bottom axis and beside its left axis, placed alike on every chart. */
import type { Selection } from 'd3';

interface Frame {
  readonly width: number;
  readonly height: number;
  readonly margin: { readonly left: number; readonly right: number };
}

export function axisTitles(
  svg: Selection<SVGSVGElement, unknown, null, undefined>,
  frame: Frame,
  titles: { readonly bottom: string; readonly left: string },
): void {
  svg
    .append('text')
    .attr('x', (frame.width + frame.margin.left - frame.margin.right) / 2)
    .attr('y', frame.height - 6)
    .attr('text-anchor', 'middle')
    .text(titles.bottom);
  svg
    .append('text')
    .attr('transform', `translate(16,${frame.height / 2}) rotate(-90)`)
    .attr('text-anchor', 'middle')
    .text(titles.left);
}
