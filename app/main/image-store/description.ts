// An appliance's description.html as plain text: its first heading as the title and its blocks
// (paragraphs, list items) as paragraphs. The UI never renders the store's HTML, so scripts,
// styles, event handlers and links in it cannot reach the page.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ApplianceDescription {
  title: string | null;
  paragraphs: string[];
}

const ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
};

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
    if (name.startsWith('#')) {
      const code =
        name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : Number(name.slice(1));
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return ENTITIES[name.toLowerCase()] ?? whole;
  });
}

/** Tags removed, entities decoded, white space collapsed. */
function plainText(html: string): string {
  return decodeEntities(html.replace(/<[^>]*>/g, ''))
    .replace(/\s+/g, ' ')
    .trim();
}

export function parseDescriptionHtml(html: string): ApplianceDescription {
  const visible = html
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/<(script|style|head|template)\b[\s\S]*?<\/\1\s*>/gi, '');
  const heading = /<h1\b[^>]*>([\s\S]*?)<\/h1\s*>/i.exec(visible);
  const body = heading ? visible.replace(heading[0], '') : visible;
  const paragraphs = body
    .split(/<\/?(?:p|div|li|ul|ol|h[1-6]|br|tr|table|section|article|blockquote|pre)\b[^>]*>/i)
    .map(plainText)
    .filter(Boolean);
  const title = heading ? plainText(heading[1]!) : '';
  return { title: title || null, paragraphs };
}

/** The appliance folder's description.html (or .htm), if it has one. */
export function readApplianceDescription(dir: string): ApplianceDescription | null {
  for (const name of ['description.html', 'description.htm']) {
    const file = join(dir, name);
    if (existsSync(file)) return parseDescriptionHtml(readFileSync(file, 'utf8'));
  }
  return null;
}
