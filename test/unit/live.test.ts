// Live mode's state machine (src/extension/panel/live.ts) driven by a hand-turned clock: runs are
// counted, never timed. The runner is a real async function whose end each test decides, so
// "in flight", "aborted" and "what showed" are observed exactly.
import { strict as assert } from 'node:assert';
import { LiveController, type LiveTimers } from '../../src/extension/panel/live';
import type { PanelRequest } from '../../src/protocol/panel';

/** Timers that fire only when the test advances the clock. */
class ManualClock implements LiveTimers {
  now = 0;
  private next = 1;
  private readonly pending = new Map<number, { at: number; fire: () => void }>();

  set(fire: () => void, ms: number): unknown {
    const id = this.next++;
    this.pending.set(id, { at: this.now + ms, fire });
    return id;
  }

  clear(handle: unknown): void {
    this.pending.delete(handle as number);
  }

  get armed(): number {
    return this.pending.size;
  }

  advance(ms: number): void {
    this.now += ms;
    for (const [id, t] of [...this.pending].sort((a, b) => a[1].at - b[1].at)) {
      if (t.at > this.now) continue;
      this.pending.delete(id);
      t.fire();
    }
  }
}

interface Run {
  request: PanelRequest;
  signal: AbortSignal;
  ended: boolean;
  finish(): void;
}

const REQUEST: PanelRequest = {
  prompt: '', negativePrompt: '', kind: 'icon', width: 64, height: 64, count: 4, steps: 1, seed: null, target: '',
};

const edit = (prompt: string, seed: number | null = null): PanelRequest => ({ ...REQUEST, prompt, seed });

/** Lets promise callbacks (a run's end, the controller's follow-up) settle. */
const flush = async (): Promise<void> => { for (let i = 0; i < 5; i++) await Promise.resolve(); };

function setup(seeds = [1234, 5678]) {
  const clock = new ManualClock();
  const runs: Run[] = [];
  /** What the panel would have shown: the prompts of runs that finished without being aborted. */
  const shown: string[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const errors: unknown[] = [];
  const live = new LiveController({
    timers: clock, debounceMs: 400, randomSeed: () => seeds.shift() ?? 0, onError: (e) => errors.push(e),
    run: (request, signal) => new Promise<void>((resolve) => {
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      const run: Run = { request, signal, ended: false, finish: () => {
        if (run.ended) return;
        run.ended = true;
        inFlight -= 1;
        if (!signal.aborted) shown.push(request.prompt);
        resolve();
      } };
      runs.push(run);
    }),
  });
  return { clock, runs, shown, live, errors, inFlight: () => inFlight, maxInFlight: () => maxInFlight };
}

describe('panel: Live mode scheduling', () => {
  it('N quick edits make exactly one run, with the newest text, after the pause', async () => {
    const t = setup();
    for (const text of ['a', 'a r', 'a re', 'a red', 'a red fox']) {
      t.live.edit(edit(text));
      t.clock.advance(100); // typing: each pause shorter than the debounce
    }
    assert.equal(t.runs.length, 0, 'nothing runs while typing');
    assert.equal(t.live.phase, 'waiting');
    t.clock.advance(300);
    assert.equal(t.runs.length, 1);
    assert.equal(t.runs[0]!.request.prompt, 'a red fox');
    assert.equal(t.runs[0]!.request.count, 1, 'Live generates one candidate');
    assert.equal(t.live.phase, 'running');
    t.runs[0]!.finish();
    await flush();
    assert.deepEqual(t.shown, ['a red fox']);
    assert.equal(t.live.phase, 'idle');
    t.clock.advance(10_000);
    assert.equal(t.runs.length, 1, 'no further run without a further edit');
  });

  it('one run per pause: two bursts of typing, two runs', async () => {
    const t = setup();
    t.live.edit(edit('a cat'));
    t.clock.advance(400);
    t.runs[0]!.finish();
    await flush();
    t.live.edit(edit('a cat in'));
    t.clock.advance(200);
    t.live.edit(edit('a cat in a hat'));
    t.clock.advance(400);
    assert.deepEqual(t.runs.map((r) => r.request.prompt), ['a cat', 'a cat in a hat']);
  });

  it('an edit during a run aborts it; its result never shows and only the newest text runs next', async () => {
    const t = setup();
    t.live.edit(edit('a fox'));
    t.clock.advance(400);
    const first = t.runs[0]!;
    t.live.edit(edit('a fox in'));
    assert.equal(first.signal.aborted, true, 'the edit aborted the run in flight');
    t.clock.advance(100);
    t.live.edit(edit('a fox in snow'));
    t.clock.advance(400);
    // The aborted run has not returned yet (a worker step is finishing): nothing new starts.
    assert.equal(t.runs.length, 1);
    assert.equal(t.inFlight(), 1);
    assert.equal(t.live.phase, 'running');
    first.finish();
    await flush();
    assert.equal(t.runs.length, 2, 'the newest text starts as soon as the aborted run returned');
    assert.equal(t.runs[1]!.request.prompt, 'a fox in snow', '"a fox in" was dropped');
    t.runs[1]!.finish();
    await flush();
    assert.deepEqual(t.shown, ['a fox in snow'], 'the aborted run showed nothing');
    assert.equal(t.maxInFlight(), 1);
  });

  it('never more than one run in flight, whatever the order of edits, pauses and run ends', async () => {
    const t = setup();
    // A pseudo-random but fixed schedule of edits, clock steps and run ends.
    let x = 7;
    const rnd = (n: number): number => { x = (x * 1103515245 + 12345) % 2147483648; return x % n; };
    for (let i = 0; i < 400; i++) {
      const what = rnd(3);
      if (what === 0) t.live.edit(edit(`text ${i}`));
      else if (what === 1) t.clock.advance(rnd(600));
      else t.runs.find((r) => !r.ended)?.finish();
      await flush();
      assert.ok(t.inFlight() <= 1, `step ${i}: ${t.inFlight()} in flight`);
    }
    assert.equal(t.maxInFlight(), 1);
    assert.ok(t.runs.length > 10, `the schedule ran something (${t.runs.length} runs)`);
    // A run showed only if no edit came while it ran: then it was the newest text.
    assert.ok(t.shown.length > 0 && t.shown.length < t.runs.length, `${t.shown.length} of ${t.runs.length} runs showed`);
  });

  it('locks the seed when Live turns on and keeps it across runs; off and on again picks a new one', async () => {
    const t = setup([1234, 5678]);
    t.live.edit(edit('one'));
    t.clock.advance(400);
    t.runs[0]!.finish();
    await flush();
    t.live.edit(edit('two'));
    t.clock.advance(400);
    t.runs[1]!.finish();
    await flush();
    assert.deepEqual(t.runs.map((r) => r.request.seed), [1234, 1234]);
    assert.equal(t.live.lockedSeed, 1234);
    t.live.stop();
    assert.equal(t.live.lockedSeed, undefined);
    t.live.edit(edit('three'));
    t.clock.advance(400);
    assert.equal(t.runs[2]!.request.seed, 5678);
  });

  it('a seed the form names is used and then kept', async () => {
    const t = setup();
    t.live.edit(edit('one', 42));
    t.clock.advance(400);
    t.runs[0]!.finish();
    await flush();
    t.live.edit(edit('two', null));
    t.clock.advance(400);
    assert.deepEqual(t.runs.map((r) => r.request.seed), [42, 42]);
  });

  it('turning Live off cancels the run in flight and the pending text, and nothing runs after', async () => {
    const t = setup();
    t.live.edit(edit('a'));
    t.clock.advance(400);
    t.live.edit(edit('ab'));
    t.live.stop();
    assert.equal(t.runs[0]!.signal.aborted, true);
    assert.equal(t.live.phase, 'off');
    assert.equal(t.clock.armed, 0, 'no timer left behind');
    t.runs[0]!.finish();
    await flush();
    t.clock.advance(10_000);
    assert.equal(t.runs.length, 1);
    assert.deepEqual(t.shown, []);
    await t.live.settled();
  });

  it('the same form again neither aborts the run nor starts another', async () => {
    const t = setup();
    t.live.edit(edit('a fox'));
    t.clock.advance(400);
    t.live.edit(edit('a fox'));
    t.live.edit(edit('a fox', 1234)); // the locked seed, now named by the form: the same request
    assert.equal(t.runs[0]!.signal.aborted, false);
    t.clock.advance(400);
    t.runs[0]!.finish();
    await flush();
    t.live.edit(edit('a fox'));
    t.clock.advance(400);
    assert.equal(t.runs.length, 1);
    assert.deepEqual(t.shown, ['a fox']);
  });

  it('a runner that throws is reported and Live carries on', async () => {
    const clock = new ManualClock();
    const errors: unknown[] = [];
    let calls = 0;
    const live = new LiveController({
      timers: clock, debounceMs: 400, randomSeed: () => 1, onError: (e) => errors.push(e),
      run: () => { calls += 1; if (calls === 1) throw new Error('boom'); return Promise.resolve(); },
    });
    live.edit(edit('x'));
    clock.advance(400);
    await flush();
    assert.equal((errors[0] as Error).message, 'boom');
    assert.equal(live.phase, 'idle');
    live.edit(edit('y'));
    clock.advance(400);
    await flush();
    assert.equal(calls, 2);
  });
});
