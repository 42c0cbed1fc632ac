/** Markdown of a rich_text block as safe HTML: marked renders, DOMPurify removes scripts. */
import DOMPurify from "dompurify";
import { marked } from "marked";

export function markdownHtml(text: string): string {
  const html = marked.parse(text, { async: false, gfm: true, breaks: true });
  return DOMPurify.sanitize(html, { USE_PROFILES: { html: true } });
}
