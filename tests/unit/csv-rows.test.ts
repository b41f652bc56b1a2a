import { describe, expect, it } from 'vitest';
import { parseCsv } from '../../src/core/labels/csv-rows.ts';

describe('parseCsv', () => {
  it('reads quoted fields, doubled quotes, CRLF, blank lines and quoted line breaks, with each row\'s first line', () => {
    expect(parseCsv('file,label\r\n"a,b.png","x ""y"""\n\nc.png,z\n"multi\nline",w')).toEqual([
      { line: 1, fields: ['file', 'label'] },
      { line: 2, fields: ['a,b.png', 'x "y"'] },
      { line: 4, fields: ['c.png', 'z'] },
      { line: 5, fields: ['multi\nline', 'w'] },
    ]);
  });
});
