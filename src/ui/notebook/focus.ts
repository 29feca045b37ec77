/** Moving keyboard focus between cells (command mode). */
export function focusCell(id: string | null): void {
  if (!id) return;
  // after React has rendered the change
  requestAnimationFrame(() => {
    const el = document.querySelector<HTMLElement>(`[data-cell-id="${CSS.escape(id)}"]`);
    el?.focus({ preventScroll: true });
    el?.scrollIntoView({ block: 'nearest' });
  });
}
