/** The dashboard grid: blocks placed by react-grid-layout, fed by the live connection. */
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { Responsive, useContainerWidth } from "react-grid-layout";
import type { Layout, ResponsiveLayouts } from "react-grid-layout";
import type { ApiLayoutItem, Block, Dashboard, Datum, Feed } from "../api/types";
import { BREAKPOINT_WIDTHS, BREAKPOINTS, COLS, fromApiLayouts, toApiLayouts } from "../lib/layouts";
import type { Breakpoint, GridLayouts } from "../lib/layouts";
import { live, topicOf } from "../lib/live";
import type { LiveStatus } from "../lib/live";
import { BlockFrame } from "./BlockFrame";
import type { DataSource, FeedState } from "./source";
import "./blocks.css";

function feedKeysOf(blocks: Block[]): string[] {
  const keys = new Set<string>();
  for (const b of blocks) for (const bf of b.block_feeds) if (bf.feed?.key) keys.add(bf.feed.key);
  return [...keys].sort();
}

export function useLiveStatus(): LiveStatus {
  const [status, setStatus] = useState<LiveStatus>(live.status);
  useEffect(() => live.onStatus((s) => setStatus(s)), []);
  return status;
}

export function LiveBadge() {
  const status = useLiveStatus();
  const text =
    status === "open" ? "live" : status === "reconnecting" ? "reconnecting…" : status === "connecting" ? "connecting…" : "offline";
  return (
    <span className={`live-dot live-${status}`} data-testid="live-status" data-status={status}>
      {text}
    </span>
  );
}

export function DashboardGrid({
  dashboard,
  blocks,
  feeds,
  username,
  source,
  editing,
  onSaveLayouts,
  onEditBlock,
  onDeleteBlock,
  onReconnect,
}: {
  dashboard: Dashboard;
  blocks: Block[];
  feeds: Feed[];
  username: string;
  source: DataSource;
  editing: boolean;
  onSaveLayouts?: (layouts: Record<Breakpoint, ApiLayoutItem[]>) => Promise<void>;
  onEditBlock?: (block: Block) => void;
  onDeleteBlock?: (block: Block) => void;
  onReconnect?: () => void;
}) {
  const { width, containerRef, mounted } = useContainerWidth();
  const [layouts, setLayouts] = useState<GridLayouts>(() => fromApiLayouts(dashboard.layouts, blocks));
  const layoutsRef = useRef(layouts);
  const saveTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const [saveState, setSaveState] = useState<"idle" | "saving" | "saved" | "error">("idle");

  // Blocks added or removed: keep the current positions, place new blocks below, in the
  // same render that adds the child (else the grid invents a 1×1 item for it).
  const effective = useMemo(() => fromApiLayouts(layouts, blocks), [layouts, blocks]);
  layoutsRef.current = effective;

  // Latest value of every feed on the dashboard.
  const [states, setStates] = useState<Record<string, FeedState>>({});
  useEffect(() => {
    setStates((old) => {
      const next: Record<string, FeedState> = { ...old };
      for (const f of feeds) {
        const prev = old[f.key];
        const newer = !prev?.at || (f.last_value_at && Date.parse(f.last_value_at) >= Date.parse(prev.at));
        next[f.key] = {
          key: f.key,
          name: f.name,
          unit: f.unit_symbol,
          value: newer ? f.last_value : prev.value,
          at: newer ? f.last_value_at : prev.at,
          latest: prev?.latest ?? null,
        };
      }
      return next;
    });
  }, [feeds]);

  const accept = useCallback((key: string, datum: Datum) => {
    setStates((old) => {
      const prev = old[key];
      if (prev?.latest?.id === datum.id) return old;
      if (prev?.at && Date.parse(datum.created_at) < Date.parse(prev.at)) {
        return { ...old, [key]: { ...prev, latest: datum } };
      }
      return {
        ...old,
        [key]: {
          key,
          name: prev?.name ?? key,
          unit: prev?.unit ?? null,
          value: datum.value,
          at: datum.created_at,
          latest: datum,
        },
      };
    });
  }, []);

  const keys = feedKeysOf(blocks).join(",");
  useEffect(() => {
    if (!keys) return;
    const offs = keys.split(",").map((key) =>
      live.subscribe(topicOf(username, key), (datum) => accept(key, datum as Datum)),
    );
    return () => offs.forEach((off) => off());
  }, [keys, username, accept]);

  const reconnect = useRef(onReconnect);
  reconnect.current = onReconnect;
  useEffect(
    () =>
      live.onStatus((status, reconnected) => {
        if (status === "open" && reconnected) reconnect.current?.();
      }),
    [],
  );

  // Writes from controls show at once; the live echo then finds the same id.
  const wrapped = useMemo<DataSource>(
    () => ({
      ...source,
      publish: source.publish
        ? async (key: string, value: string) => {
            const datum = await source.publish!(key, value);
            if (datum && typeof datum === "object" && "id" in datum) accept(key, datum);
          }
        : null,
    }),
    [source, accept],
  );

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

  const byId = useMemo(() => new Map(blocks.map((b) => [b.id, b])), [blocks]);
  // Adafruit IO's color_mode: the dashboard's blocks are drawn in its own scheme.
  const mode = dashboard.color_mode === "light" ? "light" : "dark";

  return (
    <div
      ref={containerRef}
      className={`dashboard-grid${editing ? " dashboard-editing" : ""}`}
      data-color-mode={mode}
      data-testid="dashboard-grid"
    >
      {editing && onSaveLayouts && (
        <p className="help" role="status" data-testid="layout-save-state" data-state={saveState}>
          Drag blocks to move them, drag the bottom-right corner to resize.{" "}
          {saveState === "saving" ? "Saving…" : saveState === "saved" ? "Layout saved." : saveState === "error" ? "Could not save the layout." : ""}
        </p>
      )}
      {mounted && (
        <Responsive
          width={width}
          layouts={effective}
          breakpoints={BREAKPOINT_WIDTHS}
          cols={COLS}
          rowHeight={40}
          margin={[10, 10]}
          dragConfig={{ enabled: editing, cancel: ".block-tools, .block-tools *" }}
          resizeConfig={{ enabled: editing, handles: ["se"] }}
          onLayoutChange={onLayoutChange}
          onDragStop={scheduleSave}
          onResizeStop={scheduleSave}
        >
          {blocks.map((block) => {
            const feedStates = block.block_feeds
              .map((bf) => (bf.feed?.key ? states[bf.feed.key] ?? {
                key: bf.feed.key,
                name: bf.feed.name,
                unit: null,
                value: null,
                at: null,
                latest: null,
              } : null))
              .filter((f): f is FeedState => f !== null);
            return (
              <div key={block.id} data-testid={`block-${block.id}`} data-visual-type={block.visual_type}>
                <BlockFrame
                  block={block}
                  feeds={feedStates}
                  source={wrapped}
                  editing={editing}
                  borders={dashboard.block_borders !== false}
                  mode={mode}
                  onEdit={byId.has(block.id) ? onEditBlock : undefined}
                  onDelete={byId.has(block.id) ? onDeleteBlock : undefined}
                />
              </div>
            );
          })}
        </Responsive>
      )}
    </div>
  );
}
