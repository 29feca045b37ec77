/**
 * Share: the page URL with the current param values (only those that differ from the defaults).
 * Copied to the clipboard when the browser allows; otherwise shown, selected, to copy by hand.
 */
import { useState } from 'react';
import { encodeLinkState } from '../../notebook';
import { useNotebook } from './store';

export function ShareButton() {
  const [shown, setShown] = useState<{ url: string; copied: boolean } | null>(null);
  const share = async () => {
    const { name, values, graph } = useNotebook.getState();
    if (!name) return;
    const url = `${location.origin}${location.pathname}${location.search}#${encodeLinkState(name, values, graph)}`;
    let copied = false;
    try {
      await navigator.clipboard.writeText(url);
      copied = true;
    } catch {
      /* no clipboard permission: show the link instead */
    }
    setShown({ url, copied });
  };
  const local = useNotebook((s) => s.shippedText === null);
  return (
    <span className="share">
      <button type="button" onClick={() => void share()} data-testid="share">
        Share link
      </button>
      {shown ? (
        <span className="share-result" role="status">
          {shown.copied ? 'Link copied. ' : 'Copy this link: '}
          <input readOnly value={shown.url} onFocus={(e) => e.target.select()} aria-label="link to share" data-testid="share-url" size={40} />
          {local ? <span className="warn"> This notebook lives only in your browser: send the .md file along (Download).</span> : null}
          <button type="button" className="link" onClick={() => setShown(null)}>
            close
          </button>
        </span>
      ) : null}
    </span>
  );
}
