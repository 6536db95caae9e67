// Taking one's data and leaving: the export saved as a JSON file, and what deleting means.

import type { MessageKey } from '../i18n/translator';

/** The export's file name: Parley, the person, the day it was taken. */
export function exportFileName(exportedAt: unknown, now: Date = new Date()): string {
  const day =
    typeof exportedAt === 'string' && /^\d{4}-\d{2}-\d{2}/.test(exportedAt)
      ? exportedAt.slice(0, 10)
      : now.toISOString().slice(0, 10);
  return `parley-my-data-${day}.json`;
}

/** The file's contents: the export exactly as the server sent it, readable. */
export function exportText(data: unknown): string {
  return JSON.stringify(data, null, 2) + '\n';
}

/** Offer the export as a download (a file the browser saves; nothing leaves the page). */
export function saveExport(data: Record<string, unknown>, doc: Document = document): string {
  const name = exportFileName(data.exportedAt);
  const url = URL.createObjectURL(new Blob([exportText(data)], { type: 'application/json' }));
  const link = doc.createElement('a');
  link.href = url;
  link.download = name;
  doc.body.appendChild(link);
  link.click();
  link.remove();
  // Revoked a little later: some browsers start the download after click() returns.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  return name;
}

/** What the confirm dialog says deleting does (docs/privacy.md). */
export const DELETE_CONSEQUENCES = [
  'leaving.consequenceErased',
  'leaving.consequenceReports',
  'leaving.consequenceSignedOut',
] as const satisfies readonly MessageKey[];

/** The confirm button stays off until the person types this word (or its English one). */
export const DELETE_CONFIRM_WORD = 'delete';

export function deleteConfirmed(typed: string, word: string = DELETE_CONFIRM_WORD): boolean {
  const said = typed.trim().toLocaleLowerCase();
  return said === word.toLocaleLowerCase() || said === DELETE_CONFIRM_WORD;
}
