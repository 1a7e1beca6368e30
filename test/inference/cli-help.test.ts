// `nanoforge <command> --help` documents every option the command's parser accepts. The accepted options
// are read from the parser itself (its error for an unknown option lists them), the help from the real
// CLI, so an option added to a parser without a line of help fails here.
import * as assert from 'node:assert/strict';
import { runCli } from './cli-helpers';

const COMMANDS = ['generate', 'variations', 'icons', 'placeholder', 'info', 'quantize', 'models list', 'models pull', 'models add', 'models verify', 'models rm', 'models default'];

/** The options the parser of `command` accepts, from its one-line error for an unknown option. */
async function acceptedOptions(command: string): Promise<string[]> {
  const r = await runCli([...command.split(' '), '--no-such-option-zz']);
  assert.equal(r.code, 1, `${command}: ${r.stderr}`);
  const list = /Unknown option '--no-such-option-zz'\. Options: (.*)$/.exec(r.stderr);
  assert.ok(list, `${command}: ${r.stderr}`);
  return list[1]!.split(' ').map((o) => o.replace(/^--/, ''));
}

interface Help { usage: string; entries: Map<string, string>; examples: string[] }

/** Option entries (`  --name VALUE  text`, continued by deeper-indented lines) and the Examples section. */
function parseHelp(text: string): Help {
  const lines = text.split('\n');
  const entries = new Map<string, string>();
  let current: string | undefined;
  for (const line of lines) {
    const head = /^ {2}--([\w-]+)(.*)$/.exec(line);
    if (head) {
      current = head[1]!;
      entries.set(current, `${entries.get(current) ?? ''} ${head[2]!.trim()}`.trim());
    } else if (current && /^ {4,}\S/.test(line)) {
      entries.set(current, `${entries.get(current)} ${line.trim()}`);
    } else {
      current = undefined;
    }
  }
  const at = lines.indexOf('Examples:');
  const examples = at < 0 ? [] : lines.slice(at + 1).filter((l) => /^ {2}\S/.test(l)).map((l) => l.trim());
  return { usage: lines[0] ?? '', entries, examples };
}

describe('nanoforge CLI: every command documents every option', function () {
  this.timeout(120_000);

  for (const command of COMMANDS) {
    it(`${command} --help: each accepted option with its meaning and default, and examples that use real options`, async () => {
      const accepted = (await acceptedOptions(command)).filter((o) => o !== 'help');
      const r = await runCli([...command.split(' '), '--help']);
      assert.equal(r.code, 0, r.stderr);
      const help = parseHelp(r.stdout);
      assert.match(help.usage, new RegExp(`^Usage: nanoforge ${command} `));
      for (const option of accepted) {
        const text = help.entries.get(option);
        assert.ok(text, `${command}: --${option} is accepted but not documented`);
        // A meaning: a few words after the value placeholder.
        assert.ok(text.split(/\s+/).length >= 4, `${command} --${option}: "${text}"`);
      }
      // Value options say what applies without them, or that they are required (in the text or the usage line).
      const usageOutsideBrackets = help.usage.replace(/\[[^\]]*\]/g, '');
      for (const option of accepted) {
        const text = help.entries.get(option)!;
        // The entry starts with the value's placeholder (N, WxH, ID|DIR, #HEX; quantize: fp16/int8/int4).
        const takesValue = /^(?:[A-Z#][A-Z0-9#|_]*|WxH|fp16|int8|int4)\s/.test(text);
        if (!takesValue) continue;
        assert.ok(/default|required/i.test(text) || usageOutsideBrackets.includes(`--${option}`), `${command} --${option} states no default: "${text}"`);
      }
      assert.ok(help.examples.some((e) => e.startsWith(`nanoforge ${command} `)), `${command}: no example of it`);
      for (const example of help.examples) {
        assert.ok(example.startsWith('nanoforge '), example);
        for (const used of example.replace(/#.*$/, '').matchAll(/ --([\w-]+)/g)) {
          const name = used[1]!;
          // A models example may show another sub-command (e.g. `generate --model mine` after `add`).
          if (example.startsWith(`nanoforge ${command} `)) assert.ok(accepted.includes(name), `${command}: example uses unknown --${name}: ${example}`);
        }
      }
    });
  }

  it('nanoforge --help lists every command, and `nanoforge help X` is `nanoforge X --help`', async () => {
    const top = await runCli(['--help']);
    assert.equal(top.code, 0);
    for (const name of ['generate', 'icons', 'placeholder', 'info', 'models', 'quantize']) assert.match(top.stdout, new RegExp(`^  nanoforge ${name} `, 'm'));
    assert.match(top.stdout, /nanoforge <command> --help shows/);
    assert.equal((await runCli(['help', 'generate'])).stdout, (await runCli(['generate', '--help'])).stdout);
    assert.equal((await runCli(['help', 'models', 'pull'])).stdout, (await runCli(['models', 'pull', '--help'])).stdout);
  });

  it('models --help lists every sub-command, and each sub-command rejects the options of the others', async () => {
    const r = await runCli(['models', '--help']);
    for (const sub of ['list', 'pull', 'add', 'verify', 'rm', 'default']) assert.match(r.stdout, new RegExp(`^  nanoforge models ${sub}\\b`, 'm'));
    const wrong = await runCli(['models', 'list', '--repair']);
    assert.equal(wrong.code, 1);
    assert.equal(wrong.stderr, "nanoforge models: Unknown option '--repair'. Options: --store --json");
  });
});
