/** Recognises constraint violations of SQLite (better-sqlite3) and PostgreSQL (pg) alike. */
function codeOf(error: unknown): string {
  return String((error as { code?: unknown } | null)?.code ?? '');
}

export const isUniqueViolation = (error: unknown): boolean => {
  const code = codeOf(error);
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
};

export const isForeignKeyViolation = (error: unknown): boolean => {
  const code = codeOf(error);
  return code === '23503' || code === 'SQLITE_CONSTRAINT_FOREIGNKEY';
};
