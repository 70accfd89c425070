/**
 * Renders Vega-Lite specifications to standalone SVG strings, offline (no canvas, no network).
 */
import * as vega from 'vega';
import type { TopLevelSpec } from 'vega-lite';
import * as vegaLite from 'vega-lite';

/**
 * Compiles a Vega-Lite spec and renders it headless to SVG.
 * @param spec a Vega-Lite top-level specification with inline data
 * @returns the SVG document as a string
 */
export async function renderVegaLiteSvg(spec: TopLevelSpec): Promise<string> {
  const compiled = vegaLite.compile(spec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
