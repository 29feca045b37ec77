/**
 * WGSL kernels live in `kernels/*.wgsl` as templates: `{{NAME}}` placeholders are replaced by
 * compile-time constants (head size, tile sizes) because WGSL cannot size function-scope arrays
 * with override constants. Each distinct expansion is one cached pipeline.
 */
export function expandWgsl(template: string, defines: Record<string, number | string> = {}): string {
  return template.replace(/\{\{(\w+)\}\}/g, (_, name: string) => {
    if (!(name in defines)) throw new Error(`WGSL template: no value for {{${name}}}`);
    return String(defines[name]);
  });
}

/** Every kernel's source by file name, for the "kernel source" view. */
export const kernelSources: Record<string, string> = import.meta.glob('../../kernels/*.wgsl', {
  query: '?raw',
  import: 'default',
  eager: true,
}) as Record<string, string>;
