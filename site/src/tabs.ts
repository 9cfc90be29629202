/**
 * The three views as ARIA tabs tied to the URL fragment (#forest, #card, #trends): links
 * and the back button work, and the keyboard moves between tabs with the arrow keys,
 * Home and End (automatic activation, roving tabindex).
 */

export const VIEWS = ['forest', 'card', 'trends'] as const;
export type ViewName = (typeof VIEWS)[number];

function viewFromHash(): ViewName {
  const name = location.hash.replace(/^#/, '');
  return (VIEWS as readonly string[]).includes(name) ? (name as ViewName) : 'forest';
}

export function setUpTabs(onShow: (view: ViewName) => void): void {
  const tabs = VIEWS.map((name) => document.getElementById(`tab-${name}`) as HTMLAnchorElement);

  function show(view: ViewName): void {
    for (const [i, name] of VIEWS.entries()) {
      const active = name === view;
      tabs[i].setAttribute('aria-selected', String(active));
      tabs[i].tabIndex = active ? 0 : -1;
      (document.getElementById(`view-${name}`) as HTMLElement).hidden = !active;
    }
    document.body.dataset.view = view;
    onShow(view);
  }

  for (const [i, tab] of tabs.entries()) {
    // Show at once; the link still updates the fragment (and history), whose hashchange is then a no-op.
    tab.addEventListener('click', () => show(VIEWS[i]));
    tab.addEventListener('keydown', (event) => {
      const moves: Record<string, number> = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: tabs.length - 1 };
      if (!(event.key in moves)) return;
      event.preventDefault();
      const target = tabs[(moves[event.key] + tabs.length) % tabs.length];
      target.focus();
      target.click();
    });
  }
  window.addEventListener('hashchange', () => show(viewFromHash()));
  show(viewFromHash());
}
