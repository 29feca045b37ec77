/**
 * The hidden file input behind a "choose a file" button or link: hands over the chosen file and
 * clears itself, so choosing the same file again fires again.
 */
import type { Ref } from 'react';

export function FileInput({ ref, accept, testId, onFile }: { ref: Ref<HTMLInputElement>; accept: string; testId: string; onFile: (f: File) => void }) {
  return (
    <input
      ref={ref}
      type="file"
      accept={accept}
      hidden
      data-testid={testId}
      onChange={(e) => {
        const f = e.target.files?.[0];
        e.target.value = '';
        if (f) onFile(f);
      }}
    />
  );
}
