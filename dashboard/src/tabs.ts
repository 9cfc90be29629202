/**
 * The views as ARIA tabs tied to the URL fragment (#forest, #card, #trends, #at-risk, #outcomes): links
 * and the back button work, and the keyboard moves between tabs with the arrow keys,
 * Home and End (automatic activation, roving tabindex).
 */

const VIEWS = ['forest', 'card', 'trends', 'at-risk', 'outcomes'] as const;
export type ViewName = (typeof VIEWS)[number];

function viewFromHash(): ViewName {
  const name = location.hash.replace(/^#/, '');
  return (VIEWS as readonly string[]).includes(name) ? (name as ViewName) : 'forest';
}

export function setUpTabs(onShow: (view: ViewName) => void): void {
  const tabs = VIEWS.map((name) => ({ name, tab: document.getElementById(`tab-${name}`) as HTMLAnchorElement }));

  function show(view: ViewName): void {
    for (const { name, tab } of tabs) {
      const active = name === view;
      tab.setAttribute('aria-selected', String(active));
      tab.tabIndex = active ? 0 : -1;
      (document.getElementById(`view-${name}`) as HTMLElement).hidden = !active;
    }
    document.body.dataset.view = view;
    onShow(view);
  }

  for (const [i, { name, tab }] of tabs.entries()) {
    // Show at once; the link still updates the fragment (and history), whose hashchange is then a no-op.
    tab.addEventListener('click', () => show(name));
    tab.addEventListener('keydown', (event) => {
      const moves: Partial<Record<string, number>> = {
        ArrowRight: i + 1,
        ArrowLeft: i - 1,
        Home: 0,
        End: tabs.length - 1,
      };
      const move = moves[event.key];
      if (move === undefined) return;
      event.preventDefault();
      const target = tabs[(move + tabs.length) % tabs.length]?.tab; // always one: the index is taken modulo
      target?.focus();
      target?.click();
    });
  }
  window.addEventListener('hashchange', () => show(viewFromHash()));
  show(viewFromHash());
}
