/** The grid's layouts per breakpoint as the user moves and resizes blocks, saved a moment
 * after each drag. */
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import type { Layout, ResponsiveLayouts } from "react-grid-layout";
import type { ApiLayoutItem, Block, Dashboard } from "../api/types";
import { BREAKPOINTS, fromApiLayouts, toApiLayouts } from "../lib/layouts";
import type { Breakpoint, GridLayouts } from "../lib/layouts";

export type SaveState = "idle" | "saving" | "saved" | "error";

export function useGridLayouts(
  dashboard: Dashboard,
  blocks: Block[],
  onSaveLayouts?: (layouts: Record<Breakpoint, ApiLayoutItem[]>) => Promise<void>,
) {
  const [layouts, setLayouts] = useState<GridLayouts>(() => fromApiLayouts(dashboard.layouts, blocks));
  const layoutsRef = useRef(layouts);
  const saveTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const [saveState, setSaveState] = useState<SaveState>("idle");

  // Blocks added or removed: keep the current positions, place new blocks below, in the
  // same render that adds the child (else the grid invents a 1×1 item for it).
  const effective = useMemo(() => fromApiLayouts(layouts, blocks), [layouts, blocks]);
  layoutsRef.current = effective;

  const scheduleSave = useCallback(() => {
    if (!onSaveLayouts) return;
    if (saveTimer.current) clearTimeout(saveTimer.current);
    saveTimer.current = setTimeout(async () => {
      saveTimer.current = null;
      setSaveState("saving");
      try {
        await onSaveLayouts(toApiLayouts(layoutsRef.current, blocks));
        setSaveState("saved");
      } catch {
        setSaveState("error");
      }
    }, 300);
  }, [onSaveLayouts, blocks]);

  useEffect(() => () => {
    if (saveTimer.current) clearTimeout(saveTimer.current);
  }, []);

  const onLayoutChange = useCallback((_layout: Layout, all: ResponsiveLayouts<string>) => {
    const next = {} as GridLayouts;
    for (const bp of BREAKPOINTS) {
      const items = all[bp] ?? layoutsRef.current[bp];
      next[bp] = items.map(({ i, x, y, w, h }) => ({ i, x, y, w, h }));
    }
    layoutsRef.current = next;
    setLayouts(next);
  }, []);

  return { layouts: effective, saveState, scheduleSave, onLayoutChange };
}
