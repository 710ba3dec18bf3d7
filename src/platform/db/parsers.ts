// Both drivers return the same JavaScript values for the same column types.
const INT8 = 20;
const DATE = 1082;

export const parsers: Record<number, (value: string) => unknown> = {
  [INT8]: (v) => Number(v), // counts and sums; ids are uuids
  [DATE]: (v) => v, // a calendar date stays 'YYYY-MM-DD', never a shifted midnight
};
