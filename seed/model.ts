/**
 * The behaviour model (seed/README.md): hidden per-user traits, what a user does in a week,
 * and the true probability of coming back the week after. Pure numbers, no I/O.
 */
import { Random } from './random.ts';

export const EVENT_TYPE_COUNT = 7;
const INDUSTRY_COUNT = 6;
const REGION_COUNT = 8;
const SOCIAL_COUNT = 3;

/** Share of users whose main platform is IPHONE, ANDROID, PC, IPAD, OTHER. */
const PLATFORM_SHARE = [0.25, 0.25, 0.35, 0.1, 0.05];
/** How often an event comes from the user's main platform (the rest: any platform). */
export const MAIN_PLATFORM_SHARE = 0.75;
/** Retention effects (log-odds) of the main platform, industry, region; social type has none. */
const PLATFORM_EFFECT = [0, -0.2, 0.4, 0.1, -0.6];
const INDUSTRY_EFFECT = [-0.5, 0.1, 0.5, 0.3, 0, -0.3];
const REGION_EFFECT = [0.1, -0.1, -0.2, 0.2, 0.1, 0, 0, -0.1];
/** Event-type base weights (CUSTOMIZE_TPL … CANCEL_INSPECTION) and how satisfaction tilts them. */
const TYPE_BASE = [0.1, 0.15, 0.08, 0.3, 0.22, 0.08, 0.07];
const TYPE_TILT = [0.8, 0, 0.8, 0, 0.4, 0.8, -1.2];
/** Weekday weights Monday … Sunday: users work in the week. */
export const DAY_CUMULATIVE = cumulative([1, 1, 1, 1, 1, 0.4, 0.3]);
export const PLATFORM_CUMULATIVE = cumulative(PLATFORM_SHARE);

/** Mean events per active user-week (~10k events a week for 1000 users). */
const MEAN_EVENTS = 11.5;
const ACTIVITY_SLOPE = 0.6;
const WEEK_MOOD_SD = 0.5;
/** Log-odds of coming back: intercept, engagement, satisfaction, week noise. */
const RETAIN_BASE = 0.9;
const RETAIN_ENGAGEMENT = 1.35;
const RETAIN_SATISFACTION = 1.0;
const RETAIN_NOISE_SD = 0.3;

function cumulative(weights: readonly number[]): Float64Array {
  const out = new Float64Array(weights.length);
  let sum = 0;
  weights.forEach((w, i) => (out[i] = sum += w));
  return out;
}

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/** Hidden and visible traits of every user (index i is user id i + 1) and company. */
export interface Population {
  readonly users: number;
  readonly companies: number;
  readonly engagement: Float32Array;
  readonly satisfaction: Float32Array;
  readonly mainPlatform: Uint8Array;
  readonly gender: Uint8Array;
  readonly age: Uint8Array;
  /** Per user, 7 cumulative event-type weights. */
  readonly typeCumulative: Float32Array;
  readonly industry: Uint8Array;
  readonly region: Uint8Array;
  readonly social: Uint8Array;
}

export function userId(index: number): number {
  return index + 1;
}

/** company_id = user_id % companies, as in the original demo. */
export function companyOf(index: number, companies: number): number {
  return userId(index) % companies;
}

export function createPopulation(users: number, companies: number, seed: number): Population {
  const rng = new Random(seed, 1);
  const pop: Population = {
    users,
    companies,
    engagement: new Float32Array(users),
    satisfaction: new Float32Array(users),
    mainPlatform: new Uint8Array(users),
    gender: new Uint8Array(users),
    age: new Uint8Array(users),
    typeCumulative: new Float32Array(users * EVENT_TYPE_COUNT),
    industry: new Uint8Array(companies),
    region: new Uint8Array(companies),
    social: new Uint8Array(companies),
  };
  for (let c = 0; c < companies; c++) {
    pop.industry[c] = rng.int(INDUSTRY_COUNT);
    pop.region[c] = rng.int(REGION_COUNT);
    pop.social[c] = rng.int(SOCIAL_COUNT);
  }
  for (let i = 0; i < users; i++) {
    pop.engagement[i] = rng.normal();
    const h = rng.normal();
    pop.satisfaction[i] = h;
    pop.mainPlatform[i] = rng.pick(PLATFORM_CUMULATIVE);
    pop.gender[i] = rng.int(2);
    pop.age[i] = 20 + rng.int(51);
    let sum = 0;
    for (let t = 0; t < EVENT_TYPE_COUNT; t++) {
      sum += TYPE_BASE[t]! * Math.exp(TYPE_TILT[t]! * h);
      pop.typeCumulative[i * EVENT_TYPE_COUNT + t] = sum;
    }
  }
  return pop;
}

/** Mid-career users stay most (an inverted U over 20..70, in log-odds). */
function ageEffect(age: number): number {
  const x = (age - 42) / 22;
  return 0.5 - 0.9 * x * x;
}

/** Whether the user is active in week 0 (~70 %: some accounts are already lapsed). */
export function activeAtStart(pop: Population, i: number, rng: Random): boolean {
  return rng.chance(sigmoid(0.9 + 0.6 * pop.engagement[i]!));
}

/**
 * Whether a user absent for `weeksAway` weeks (1 = since this week) comes back next week:
 * about half of last week's leavers, fewer the longer they stay away, more when engaged.
 */
export function returnsAfterAbsence(pop: Population, i: number, weeksAway: number, rng: Random): boolean {
  return rng.chance(sigmoid(0.4 + 0.6 * pop.engagement[i]! - 0.6 * (weeksAway - 1)));
}

/** New sign-ups in week `week` ≥ 1: about `rate` × the initial users, ±20 %. */
export function signups(initialUsers: number, rate: number, seed: number, week: number): number {
  const rng = new Random(seed, 5, week);
  return Math.round(rate * initialUsers * (0.8 + 0.4 * rng.float()));
}

export interface UserWeek {
  /** Events this week (≥ 1: the user is active). */
  events: number;
  /** True probability of being active next week. */
  pRetained: number;
}

/** One active user's week: this week's mood moves engagement; events and retention follow. */
export function userWeek(pop: Population, i: number, rng: Random, out: UserWeek): UserWeek {
  const engaged = pop.engagement[i]! + WEEK_MOOD_SD * rng.normal();
  const meanShift = (ACTIVITY_SLOPE * ACTIVITY_SLOPE * (1 + WEEK_MOOD_SD * WEEK_MOOD_SD)) / 2;
  const lambda = MEAN_EVENTS * Math.exp(ACTIVITY_SLOPE * engaged - meanShift);
  out.events = Math.max(1, rng.poisson(lambda));
  const c = companyOf(i, pop.companies);
  const logit =
    RETAIN_BASE +
    RETAIN_ENGAGEMENT * engaged +
    RETAIN_SATISFACTION * pop.satisfaction[i]! +
    PLATFORM_EFFECT[pop.mainPlatform[i]!]! +
    INDUSTRY_EFFECT[pop.industry[c]!]! +
    REGION_EFFECT[pop.region[c]!]! +
    ageEffect(pop.age[i]!) +
    RETAIN_NOISE_SD * rng.normal();
  out.pRetained = sigmoid(logit);
  return out;
}
