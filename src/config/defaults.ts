import { stringify } from 'smol-toml';
import { describeType, isSetting, SCHEMA } from './schema.js';

/** Every setting as a commented TOML file: `key = default` (or commented out when unset), its meaning and what it accepts. */
export function defaultsAsToml(): string {
  const lines = ['# Ferry configuration: every setting with its default. Flags of `ferry server` override these.', ''];
  const section = (node: object, name: string) => {
    const leaves = Object.entries(node).filter(([, v]) => isSetting(v));
    if (name) lines.push(`[${name}]`);
    for (const [key, setting] of leaves) {
      if (!isSetting(setting)) continue;
      lines.push(`# ${setting.doc} (${describeType(setting.type)})`);
      lines.push(setting.default === undefined ? `# ${key} = ` : stringify({ [key]: setting.default }).trim());
    }
    lines.push('');
    for (const [key, child] of Object.entries(node)) if (!isSetting(child)) section(child as object, name ? `${name}.${key}` : key);
  };
  section(SCHEMA, '');
  return `${lines.join('\n').trimEnd()}\n`;
}
