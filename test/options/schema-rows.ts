import type { OptionSchema } from '@tidings/core';

/** Every option of `schema`, nested ones as `parent.child`, with what it takes. */
export function schemaRows(schema: OptionSchema, prefix = ''): Array<[name: string, takes: string]> {
  return Object.entries(schema).flatMap(
    ([key, entry]): Array<[string, string]> => [
      [`${prefix}${key}`, entry.takes],
      ...('keys' in entry ? schemaRows(entry.keys, `${prefix}${key}.`) : []),
    ],
  );
}
