/**
 * CPU time of this process by thread, from Linux's /proc/self/task: which part of the local
 * cloud (the emulators' thread, kinesalite, each function's environments, the benchmark's own
 * producer and subscriber) spends the CPU a record costs. Threads are told apart by the name
 * they were given (Linux keeps its first 15 bytes). A thread that ends before the last sample
 * counts up to the sample before it ended, so keep sampling while the work runs.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks a second of /proc's utime and stime (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

interface ThreadTime {
  readonly name: string;
  readonly seconds: number;
}

function readThreads(): Map<string, ThreadTime> {
  const threads = new Map<string, ThreadTime>();
  let tids: string[];
  try {
    tids = readdirSync('/proc/self/task');
  } catch {
    return threads; // not Linux: nothing to tell
  }
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      // The name is in parentheses and may hold spaces; the fields after it are space-separated.
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // utime and stime are fields 14 and 15 of stat, 12 and 13 after the name.
      const ticks = Number(fields[11]) + Number(fields[12]);
      threads.set(tid, { name, seconds: ticks / TICKS_PER_SECOND });
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return threads;
}

/** Seconds of the machine's CPUs the hypervisor gave to others (the steal column of /proc/stat). */
function stolenSeconds(): number {
  try {
    const cpu = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
    return Number(cpu.trim().split(/\s+/)[8] ?? 0) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

export class ThreadCpu {
  readonly #start = readThreads();
  readonly #stolenAtStart = stolenSeconds();
  readonly #last = new Map<string, ThreadTime>();

  /** Records every thread's time so far; call it often enough to catch threads that end. */
  sample(): void {
    for (const [tid, time] of readThreads()) this.#last.set(tid, time);
  }

  /**
   * Seconds the hypervisor ran other machines' work on this one's CPUs since construction: on
   * a shared host, time a thread waits for a CPU it was given, which the same work then takes longer.
   */
  stolen(): number {
    return stolenSeconds() - this.#stolenAtStart;
  }

  /** CPU seconds since construction, by thread name (threads of one name summed), most first. */
  byName(): [string, number][] {
    this.sample();
    const sums = new Map<string, number>();
    for (const [tid, time] of this.#last) {
      const spent = time.seconds - (this.#start.get(tid)?.seconds ?? 0);
      sums.set(time.name, (sums.get(time.name) ?? 0) + spent);
    }
    return [...sums].filter(([, s]) => s > 0).sort((a, b) => b[1] - a[1]);
  }
}
