/**
 * Colour for "probability of retention": red (0, likely to leave) through pale yellow to
 * blue (1, likely to come back), a diverging scheme that stays distinguishable with the
 * common colour-vision deficiencies. Colour is never the only carrier: every node also
 * says its probability in text.
 */
import { interpolateRdYlBu, scaleSequential, select } from 'd3';

export const probabilityColour = scaleSequential(interpolateRdYlBu).domain([0, 1]);

let legendCount = 0;

/** A horizontal gradient bar with 0 %, 50 %, 100 % marks and a caption. */
export function probabilityLegend(): SVGSVGElement {
  const width = 260;
  const id = `legend-gradient-${legendCount++}`;
  const svg = select(document.createElementNS('http://www.w3.org/2000/svg', 'svg'))
    .attr('class', 'legend')
    .attr('width', width + 20)
    .attr('height', 48)
    .attr('role', 'img')
    .attr(
      'aria-label',
      'Legend: leaves are coloured from red (0% retained) through yellow (50%) to blue (100% retained)',
    );
  const gradient = svg.append('defs').append('linearGradient').attr('id', id);
  for (let i = 0; i <= 10; i++) {
    gradient
      .append('stop')
      .attr('offset', `${i * 10}%`)
      .attr('stop-color', probabilityColour(i / 10));
  }
  svg
    .append('text')
    .attr('x', 10)
    .attr('y', 12)
    .attr('class', 'legend-caption')
    .text('probability of retention (leaves)');
  svg.append('rect').attr('x', 10).attr('y', 18).attr('width', width).attr('height', 12).attr('fill', `url(#${id})`);
  for (const [at, label] of [
    [0, '0% (not retained)'],
    [0.5, '50%'],
    [1, '100% (retained)'],
  ] as const) {
    svg
      .append('text')
      .attr('x', 10 + at * width)
      .attr('y', 44)
      .attr('text-anchor', at === 0 ? 'start' : at === 1 ? 'end' : 'middle')
      .text(label);
  }
  return svg.node()!;
}
