/**
 * A reason (one feature's push on a user's probability of coming back) in words a
 * customer-success lead reads without the feature list: "used the PC app 5 times (+8 pts)".
 */
import type { Reason } from './documents.ts';

/** Counted activities: what the user did, and how to say they did not. */
const ACTIVITIES: Record<string, readonly [done: string, notDone: string]> = {
  iphone: ['used the iPhone app', 'never used the iPhone app'],
  android: ['used the Android app', 'never used the Android app'],
  pc: ['used the PC app', 'never used the PC app'],
  ipad: ['used the iPad app', 'never used the iPad app'],
  other: ['used another app', 'never used another app'],
  customize_tpl: ['customised a template', 'customised no template'],
  download_tpl: ['downloaded a template', 'downloaded no template'],
  share_tpl: ['shared a template', 'shared no template'],
  inspect: ['ran an inspection', 'ran no inspection'],
  view_report: ['viewed a report', 'viewed no report'],
  share_report: ['shared a report', 'shared no report'],
  cancel_inspection: ['cancelled an inspection', 'cancelled no inspection'],
};

const TRAITS: Record<string, (value: string) => string> = {
  industry: (v) => `works in ${v.toLowerCase()}`,
  region: (v) => `is in ${v}`,
  social_type: (v) => `signed up with ${v.charAt(0)}${v.slice(1).toLowerCase()}`,
  gender: (v) => (v === '1' ? 'is a woman' : v === '0' ? 'is a man' : `gender ${v}`),
  age: (v) => `is ${v} years old`,
};

function times(count: number): string {
  return count === 1 ? 'once' : count === 2 ? 'twice' : `${count} times`;
}

/** What the feature says about the user, without the effect. */
function reasonFact(reason: Reason): string {
  const activity = ACTIVITIES[reason.feature];
  if (activity) {
    const count = Number(reason.value);
    if (Number.isFinite(count)) return count <= 0 ? activity[1] : `${activity[0]} ${times(count)}`;
  }
  const trait = TRAITS[reason.feature];
  return trait ? trait(String(reason.value)) : `${reason.feature} = ${String(reason.value)}`;
}

/** The contribution in percentage points of the probability of coming back, signed: "+8 pts", "−0.4 pts". */
function pointsText(contribution: number): string {
  const points = contribution * 100;
  const size = Math.abs(points);
  const shown = size < 1 ? size.toFixed(1) : String(Math.round(size));
  return `${points < 0 ? '\u2212' : '+'}${shown} pts`;
}

export function reasonText(reason: Reason): string {
  return `${reasonFact(reason)} (${pointsText(reason.contribution)})`;
}
