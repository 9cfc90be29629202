/**
 * The join: per-user counts ⋈ CRM on the company of the user's first event ⋈ profile on
 * user id. Users that miss either table are not dropped silently: they stay in the active
 * users and are counted as unmatched (a user missing both counts in both).
 */
import type { EventAggregate } from './event-aggregate.ts';
import type { CrmTable, ProfileTable } from './tables.ts';
import type { ExtractedWeek, FeatureRow, FeatureValues } from './types.ts';

export function joinWeek(aggregate: EventAggregate, crm: CrmTable, profiles: ProfileTable): ExtractedWeek {
  const t = aggregate.table;
  const names = crm.categories.source;
  const slots = aggregate.sortedSlots();
  const rows: FeatureRow[] = [];
  const activeUsers = new Array<number>(slots.length);
  let noCrm = 0;
  let noProfile = 0;
  for (let i = 0; i < slots.length; i++) {
    const slot = slots[i];
    const userId = t.userIds[slot];
    activeUsers[i] = userId;
    const company = crm.get(t.companyIds[slot]);
    const profile = profiles.packed(userId);
    if (company === undefined) noCrm++;
    if (profile < 0) noProfile++;
    if (company === undefined || profile < 0) continue;
    const c = t.countsOf(slot);
    const b = 0;
    const features: FeatureValues = {
      industry: names.industry[company.industry],
      region: names.region[company.region],
      social_type: names.social_type[company.socialType],
      iphone: c[b],
      android: c[b + 1],
      pc: c[b + 2],
      ipad: c[b + 3],
      other: c[b + 4],
      customize_tpl: c[b + 5],
      download_tpl: c[b + 6],
      share_tpl: c[b + 7],
      inspect: c[b + 8],
      view_report: c[b + 9],
      share_report: c[b + 10],
      cancel_inspection: c[b + 11],
      gender: profile & 1,
      age: profile >> 1,
    };
    rows.push({ userId, week: aggregate.week, features });
  }
  return {
    week: aggregate.week,
    rows,
    activeUsers,
    users: slots.length,
    joined: rows.length,
    unmatched: { crm: noCrm, profile: noProfile },
  };
}
