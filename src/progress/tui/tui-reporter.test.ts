import { Console } from 'node:console';
import { EventEmitter } from 'node:events';
import { stripVTControlCharacters } from 'node:util';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { createRolloutControl } from '../../apply/rollout-control.js';
import { detectEnd, detectMidway, rolloutMidway } from './tui-events.fixture.js';
import { createTuiReporter } from './tui-reporter.js';

// ink decides when it is imported whether it runs under CI (and then draws only the last
// frame). These tests are about a person's terminal, so they run as one in CI too.
vi.hoisted(() => {
  for (const name of Object.keys(process.env)) {
    if (name === 'CI' || name.startsWith('CI_') || name === 'CONTINUOUS_INTEGRATION') delete process.env[name];
  }
});

/** A terminal as ink sees it: a 100-column stream that records what is written. */
class FakeTerminal extends EventEmitter {
  readonly isTTY = true;
  readonly columns = 100;
  readonly rows = 40;
  text = '';
  write(chunk: string, callback?: () => void): boolean {
    this.text += chunk;
    callback?.();
    return true;
  }
  plain(): string {
    return stripVTControlCharacters(this.text);
  }
}

/** A keyboard in raw mode; `calls` says how the reporter left it. */
class FakeKeyboard extends EventEmitter {
  /** Like `process.stdin.isTTY`: true on a terminal, undefined on a pipe or /dev/null. */
  readonly isTTY: true | undefined;
  constructor(terminal = true) {
    super();
    this.isTTY = terminal ? true : undefined;
  }
  readonly calls: string[] = [];
  private pending: string | null = null;
  type(keys: string): void {
    this.pending = keys;
    this.emit('readable');
  }
  read(): string | null {
    const keys = this.pending;
    this.pending = null;
    return keys;
  }
  setRawMode(on: boolean): void {
    this.calls.push(`raw ${on}`);
  }
  setEncoding(): void {}
  ref(): void {
    this.calls.push('ref');
  }
  unref(): void {
    this.calls.push('unref');
  }
}

class FakeOut {
  text = '';
  write(chunk: string): boolean {
    this.text += chunk;
    return true;
  }
}

// ink routes console output around its frames with `new console.Console(...)`, which
// vitest's stand-in console lacks; the real class keeps that path under test.
beforeAll(() => {
  Object.assign(console, { Console });
});

const START = 1_000_000;
const tick = () => new Promise((resolve) => setTimeout(resolve, 80));

function setUp(keyboard = new FakeKeyboard(), control?: ReturnType<typeof createRolloutControl>) {
  const err = new FakeTerminal();
  const stdin = keyboard;
  const out = new FakeOut();
  let clock = START;
  const interrupts: number[] = [];
  const reporter = createTuiReporter({
    command: 'detect',
    err: err as unknown as NodeJS.WriteStream,
    out: out as unknown as NodeJS.WritableStream,
    stdin: stdin as unknown as NodeJS.ReadStream,
    now: () => clock,
    interrupt: () => interrupts.push(clock),
    control,
  });
  const play = (events: typeof detectMidway) => {
    for (const [at, event] of events) {
      clock = START + at;
      reporter.emit(event);
    }
  };
  return { err, stdin, out, reporter, play, interrupts };
}

describe('createTuiReporter', () => {
  it('draws on the terminal, prints the result path on stdout only after unmounting, and hands the keyboard back', async () => {
    const { err, stdin, out, reporter, play } = setUp();
    play(detectMidway);
    await tick();
    expect(err.plain()).toContain('iotmigrate detect │ Reading the AWS IoT estate in us-east-1');
    expect(stdin.calls).toEqual(['ref', 'raw true']);
    play(detectEnd);
    expect(out.text).toBe('');
    reporter.close();
    expect(out.text).toBe('/tmp/manifest.json\n');
    expect(err.plain()).toContain('✔ detect finished in 20.2 s');
    expect(stdin.calls.slice(-2)).toEqual(['raw false', 'unref']);
    expect(err.plain().split('AWS IoT estate (account 123456789012, us-east-1)')).toHaveLength(2);
  });

  it('leaves the terminal alone until the first event, so a command can ask its confirmation first', async () => {
    const { err, stdin, out, reporter, play } = setUp();
    await tick();
    expect(err.text).toBe('');
    expect(stdin.calls).toEqual([]);
    play(detectMidway.slice(0, 1));
    await tick();
    expect(err.plain()).toContain('iotmigrate detect │ Reading the AWS IoT estate in us-east-1');
    expect(stdin.calls).toEqual(['ref', 'raw true']);
    reporter.close();
    expect(out.text).toBe('');
  });

  it('on q stops drawing and goes on with plain lines', async () => {
    const { err, stdin, out, reporter, play } = setUp();
    play(detectMidway);
    await tick();
    stdin.type('q');
    await tick();
    expect(stdin.calls.slice(-2)).toEqual(['raw false', 'unref']);
    const frames = err.text;
    expect(err.plain()).toContain('Live view detached: the work goes on, reported as plain lines.');
    play(detectEnd);
    reporter.close();
    const after = stripVTControlCharacters(err.text.slice(frames.length));
    expect(after).toContain('  things: 500/500 (50/s)');
    expect(after).toContain('  ! thermostat-00500 has no certificate attached');
    expect(after).not.toContain('█');
    expect(out.text).toBe('/tmp/manifest.json\n');
  });

  it('turns ctrl-c, which raw mode keeps from the terminal, into the interrupt', async () => {
    const { stdin, reporter, play, interrupts } = setUp();
    play(detectMidway);
    await tick();
    stdin.type('\u0003');
    await tick();
    expect(interrupts).toEqual([START + 6_000]);
    reporter.close();
  });

  it('pauses the rollout control on p and resumes it on p again, saying so on the terminal', async () => {
    const control = createRolloutControl();
    const { err, stdin, reporter, play } = setUp(new FakeKeyboard(), control);
    play(rolloutMidway);
    await tick();
    stdin.type('p');
    await tick();
    expect(control.paused).toBe(true);
    expect(err.plain()).toContain('⏸ paused — press p to resume');
    const before = err.text.length;
    stdin.type('p');
    await tick();
    expect(control.paused).toBe(false);
    expect(stripVTControlCharacters(err.text.slice(before))).toContain('p pause');
    reporter.close();
  });

  it('draws without keys when stdin is not a terminal', async () => {
    const { err, stdin, out, reporter, play } = setUp(new FakeKeyboard(false));
    play([...detectMidway, ...detectEnd]);
    reporter.close();
    expect(stdin.calls).toEqual([]);
    expect(err.plain()).not.toContain('q detach');
    expect(err.plain()).not.toContain('ERROR');
    expect(err.plain()).toContain('✔ detect finished in 20.2 s');
    expect(out.text).toBe('/tmp/manifest.json\n');
  });
});
