// node:sqlite still prints an "experimental" warning on Node 22 that tells a user nothing. Call this
// before the store is first imported (the warning fires when node:sqlite loads).
export function silenceSqliteWarning(): void {
  const emitWarning = process.emitWarning.bind(process);
  process.emitWarning = ((warning: string | Error, ...rest: never[]) => {
    if (!String(warning).includes('SQLite')) emitWarning(warning, ...rest);
  }) as typeof process.emitWarning;
}
