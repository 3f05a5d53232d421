/**
 * A small reader for AWS shared config files: `[section]` headers, `key = value`
 * lines, and the indented sub-properties the `services` sections use
 * (`iot =` then `  endpoint_url = …`), kept as `iot.endpoint_url`.
 */
export type IniSections = Map<string, Map<string, string>>;

export function parseIni(text: string): IniSections {
  const sections: IniSections = new Map();
  let section: Map<string, string> | undefined;
  let parent: string | undefined;
  for (const raw of text.split(/\r?\n/)) {
    if (/^\s*([#;]|$)/.test(raw)) continue;
    const header = /^\s*\[([^\]]+)\]\s*$/.exec(raw);
    if (header) {
      section = new Map();
      sections.set(header[1]!.trim(), section);
      parent = undefined;
      continue;
    }
    const pair = /^(\s*)([^=\s]+)\s*=\s*(.*)$/.exec(raw);
    if (!pair || !section) continue;
    const [, indent, key, value] = pair as unknown as [string, string, string, string];
    if (indent.length > 0 && parent) {
      section.set(`${parent}.${key}`, value.trim());
    } else {
      section.set(key, value.trim());
      parent = value.trim() === '' ? key : undefined;
    }
  }
  return sections;
}
