// The palette's "save as" box: what it says while the user types (src/extension/commands/target-input.ts).
import { strict as assert } from 'node:assert';
import { validateTargetInput } from '../../src/extension/commands/target-input';

describe('save-as input validation', () => {
  const ctx = { base: '/w/app', folders: ['/w/app', '/w/docs'] };

  it('accepts image paths inside a workspace folder, relative or absolute', () => {
    for (const ok of ['assets/generated/logo.png', './logo.webp', 'img/../logo.JPG', '  hero.avif  ', '/w/app/icons/a.ico', '/w/docs/diagram.svg']) {
      assert.equal(validateTargetInput(ok, ctx), undefined, ok);
    }
  });

  it('flags a relative path that climbs out of the workspace', () => {
    assert.equal(validateTargetInput('../outside.png', ctx), '"../outside.png" is outside every workspace folder; Nanoforge only writes inside the workspace.');
    assert.match(validateTargetInput('assets/../../../etc/x.png', ctx) ?? '', /outside every workspace folder/);
  });

  it('flags an absolute path outside every folder, and a sibling folder with the same prefix', () => {
    assert.match(validateTargetInput('/tmp/x.png', ctx) ?? '', /^"\/tmp\/x\.png" is outside every workspace folder/);
    assert.match(validateTargetInput('/w/app-other/x.png', ctx) ?? '', /outside every workspace folder/);
  });

  it('flags names Nanoforge cannot write, with the extensions it can', () => {
    assert.equal(validateTargetInput('assets/notes.txt', ctx), 'End the name in .png, .webp, .avif, .jpg, .ico or .svg.');
    assert.equal(validateTargetInput('assets/anim.gif', ctx), 'End the name in .png, .webp, .avif, .jpg, .ico or .svg.');
    assert.equal(validateTargetInput('assets/logo', ctx), 'End the name in .png, .webp, .avif, .jpg, .ico or .svg.');
  });

  it('asks for a path when empty, and for a folder when none is open', () => {
    assert.equal(validateTargetInput('   ', ctx), 'Enter a file path such as assets/generated/logo.png.');
    assert.match(validateTargetInput('logo.png', { folders: [] }) ?? '', /^Open a folder first/);
  });

  it('uses Windows rules for Windows folders (separators, drive letters, case)', () => {
    const win = { base: 'C:\\Work\\App', folders: ['C:\\Work\\App'] };
    assert.equal(validateTargetInput('assets\\logo.png', win), undefined);
    assert.equal(validateTargetInput('c:\\work\\app\\logo.png', win), undefined);
    assert.match(validateTargetInput('..\\outside.png', win) ?? '', /outside every workspace folder/);
    assert.match(validateTargetInput('D:\\logo.png', win) ?? '', /outside every workspace folder/);
  });
});
