// Which page of Home is shown: talk (the default), history, settings or my words. Kept in the address's
// #fragment so Back works and a reload stays on the same page.

export type View = 'talk' | 'history' | 'settings' | 'words';

const VIEWS: readonly View[] = ['talk', 'history', 'settings', 'words'];

export function viewOf(hash: string): View {
  const name = hash.replace(/^#\/?/, '');
  return (VIEWS as readonly string[]).includes(name) ? (name as View) : 'talk';
}

export function hashOf(view: View): string {
  return view === 'talk' ? '#/' : `#/${view}`;
}
