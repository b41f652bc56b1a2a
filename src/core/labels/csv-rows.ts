// A small RFC 4180 reader: comma-separated fields, optionally double-quoted ("" inside quotes is a
// quote), CRLF or LF line ends. Enough for label files exported by spreadsheets and pandas.

/** Rows of fields with the 1-based line each row starts on; blank lines are skipped. */
export function parseCsv(text: string): { line: number; fields: string[] }[] {
  const rows: { line: number; fields: string[] }[] = [];
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let rowLine = 1;
  const endRow = () => {
    fields.push(field);
    if (fields.length > 1 || fields[0] !== '') rows.push({ line: rowLine, fields });
    fields = [];
    field = '';
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quoted && c === '"' && text[i + 1] === '"') {
      field += '"';
      i++;
    } else if (c === '"') {
      quoted = !quoted;
    } else if (quoted || (c !== ',' && c !== '\n' && c !== '\r')) {
      if (c === '\n') line++;
      field += c;
    } else if (c === ',') {
      fields.push(field);
      field = '';
    } else if (c === '\n') {
      endRow();
      rowLine = ++line;
    }
  }
  if (field !== '' || fields.length > 0) endRow();
  return rows;
}
