/** The key of an id (any string): its SHA-256, as the tables' keys hold it. */
export const keyOf = (param: string): string => `UNHEX(SHA2(${param}, 256))`;

/** The names of one prefix's tables and procedures, quoted. */
export function mysqlNames(prefix: string) {
  const q = (name: string): string => `\`${prefix}${name}\``;
  return {
    workflows: q('workflows'),
    steps: q('steps'),
    signals: q('signals'),
    schedules: q('schedules'),
    flowLock: q('flow_lock'),
    version: q('schema_version'),
    procedure: (role: string): string => q(role),
  };
}

export type MysqlNames = ReturnType<typeof mysqlNames>;
